//! One generated operation: its n8n form (from the spec tables) and its `prepare`, which reads the
//! form back, checks every value against the spec's schema and builds the request.
//!
//! Required inputs are shown directly; optional ones sit in an "Additional Fields" collection, so
//! nothing the user did not add is ever sent. A `oneOf` body becomes a picker of its branches.

use serde_json::{json, Map, Value};

use super::schema::validate;
use super::spec::{Answer, Kind, Location, OpSpec, Schema, SchemaId};
use crate::describe::{Choice, Property};
use crate::error::NodeError;
use crate::http::{Encoding, Request};
use crate::node::{return_all_fields, Input, Operation, Plan};
use crate::paging::{Pages, Paging};
use crate::params::Params;

/// Offset pages are fetched this many results at a time.
const PAGE_SIZE: u64 = 100;
const VARIANT: &str = "bodyVariant";
const OPTIONAL: &str = "additionalFields";
/// The group of a list field's entries: its value is `{ entry: [ {…}, … ] }`.
const ENTRY: &str = "entry";
/// How deep the form offers a list's entries field by field: a top-level list, or one inside a
/// top-level object (an order's lines). An object is offered field by field only at the top
/// level; deeper ones are JSON, as are lists of anything but text and objects of fields. Each level
/// repeats its fields in every operation's descriptor, which n8n parses at start-up: a second level
/// of objects grew the largest spec's descriptors by half, mostly response-shaped objects.
const MAX_DEPTH: u8 = 2;
/// Common paging names, left out of a paged list's form beside the parameters the paginator sends
/// (`build.rs` leaves out the same from the fields it names).
const PAGING_PARAMS: [&str; 8] = ["limit", "count", "size", "pageSize", "skip", "offset", "start", "page"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Path,
    Query,
    Header,
    /// A top-level field of the body object of this variant.
    Body(usize),
    /// The whole body of this variant (a body that is not an object).
    WholeBody(usize),
    /// A property of an object field, or of a list field's entries, the form offers field by field.
    Nested,
}

#[derive(Debug)]
struct Field {
    /// Name in the n8n form (`build.rs` renames a spec field whose name the form or another field
    /// at the same level has, by prefixing where it goes).
    name: &'static str,
    label: &'static str,
    /// Name on the wire.
    wire: &'static str,
    place: Place,
    required: bool,
    schema: SchemaId,
    description: &'static str,
    /// 0 for a parameter or a top-level body field, one more for each object or entry it is in.
    depth: u8,
}

/// Parameter name → the node's search method that lists its values: such path and query parameters
/// become resource locators ("From List" or an ID).
pub type Pickers = &'static [(&'static str, &'static crate::search::Search)];

struct Form {
    spec: &'static OpSpec,
    schemas: &'static [Schema],
    pickers: Pickers,
    fields: Vec<Field>,
    /// Each body variant's option value (what saved workflows hold) and what the option shows.
    variants: Vec<&'static str>,
    variant_names: Vec<&'static str>,
}

/// The operation for `spec`, whose schema ids index `schemas`, with the names `build.rs` gave it.
pub fn operation(spec: &'static OpSpec, schemas: &'static [Schema], pickers: Pickers) -> Operation {
    let form = Form::new(spec, schemas, pickers);
    let properties = form.properties();
    let name = spec.name;
    let mut operation = Operation::new(spec.id, name, name, move |input| form.prepare(input)).fields(properties);
    operation.description = spec.description.to_string();
    operation.public = spec.public;
    operation
}

impl Form {
    fn new(spec: &'static OpSpec, schemas: &'static [Schema], pickers: Pickers) -> Self {
        let mut fields: Vec<Field> = Vec::new();
        // The form names and labels, in the order the fields are built here.
        let mut names = spec.fields.iter();
        let mut named = || *names.next().expect("build.rs names every form field");
        // The paginator owns the position and size; a second way to say the position (`page` beside
        // `skip`) would only fight it.
        for param in spec.params {
            let paged =
                spec.paging.is_some_and(|p| p.strategy.sends(param.name) || PAGING_PARAMS.contains(&param.name));
            if paged && param.location == Location::Query {
                continue;
            }
            let place = match param.location {
                Location::Path => Place::Path,
                Location::Query => Place::Query,
                Location::Header => Place::Header,
            };
            let (name, label) = named();
            fields.push(Field {
                name,
                label,
                wire: param.name,
                place,
                required: param.required,
                schema: param.schema,
                description: param.description,
                depth: 0,
            });
        }
        let mut variants = Vec::new();
        let mut variant_names = Vec::new();
        if let Some(body) = &spec.body {
            for (index, variant) in body.variants.iter().enumerate() {
                variants.push(variant.label);
                variant_names.push(variant.title);
                let schema = &schemas[variant.schema as usize];
                if schema.kind != Kind::Object || schema.properties.is_empty() {
                    let (name, label) = named();
                    fields.push(Field {
                        name,
                        label,
                        wire: "",
                        place: Place::WholeBody(index),
                        required: body.required,
                        schema: variant.schema,
                        description: schema.description,
                        depth: 0,
                    });
                    continue;
                }
                for (wire, id) in schema.properties {
                    let (name, label) = named();
                    fields.push(Field {
                        name,
                        label,
                        wire,
                        place: Place::Body(index),
                        required: schema.required.contains(wire),
                        schema: *id,
                        description: schemas[*id as usize].description,
                        depth: 0,
                    });
                }
            }
        }
        assert!(names.next().is_none(), "build.rs names the form's fields");
        Form { spec, schemas, pickers, fields, variants, variant_names }
    }

    fn schema(&self, id: SchemaId) -> &'static Schema {
        &self.schemas[id as usize]
    }

    fn variant_of(place: Place) -> Option<usize> {
        match place {
            Place::Body(v) | Place::WholeBody(v) => Some(v),
            _ => None,
        }
    }

    /// The n8n form: required fields, the variant picker, then one optional-fields collection
    /// per variant (with the optional query and header parameters in each).
    fn properties(&self) -> Vec<Property> {
        let mut properties = Vec::new();
        if self.spec.paging.is_some() {
            properties.extend(return_all_fields());
        }
        if self.variants.len() > 1 {
            let choices =
                self.variants.iter().zip(&self.variant_names).map(|(value, name)| Choice::new(*name, *value)).collect();
            properties.push(
                Property::options(VARIANT, "Body Variant", choices).describe("Which form of the request body to send"),
            );
        }
        let shown_for = |property: Property, variant: Option<usize>| match variant {
            Some(v) if self.variants.len() > 1 => property.show_when(VARIANT, &[json!(self.variants[v])]),
            _ => property,
        };
        for field in self.fields.iter().filter(|f| f.required) {
            let property = self.property(field).required();
            properties.push(shown_for(property, Self::variant_of(field.place)));
        }
        for variant in 0..self.variants.len().max(1) {
            let optional: Vec<Property> = self
                .fields
                .iter()
                .filter(|f| !f.required && Self::variant_of(f.place).is_none_or(|v| v == variant))
                .map(|f| self.property(f))
                .collect();
            if !optional.is_empty() {
                let collection = Property::collection(OPTIONAL, "Additional Fields", optional);
                properties.push(shown_for(collection, Some(variant)));
            }
        }
        properties
    }

    /// A multipart part whose schema is `format: binary`: a file, taken from the input item's binary data.
    fn is_file(&self, field: &Field) -> bool {
        matches!(field.place, Place::Body(_))
            && self.spec.body.as_ref().is_some_and(|b| b.content_type == "multipart/form-data")
            && self.schema(field.schema).format == "binary"
    }

    /// The fields of an object the spec describes property by property, for the form to offer one
    /// by one: not a `oneOf`, not a map, not too deep, and no field named as the form's own group.
    fn fields_of(&self, id: SchemaId, depth: u8) -> Option<Vec<Field>> {
        let schema = self.schema(id);
        let described = schema.kind == Kind::Object
            && !schema.properties.is_empty()
            && schema.one_of.is_empty()
            && schema.additional.is_none()
            && depth < MAX_DEPTH
            && !schema.properties.iter().any(|(wire, _)| *wire == OPTIONAL);
        described.then(|| {
            schema
                .properties
                .iter()
                .zip(schema.property_labels)
                .map(|((wire, id), label)| Field {
                    name: wire,
                    label,
                    wire,
                    place: Place::Nested,
                    required: schema.required.contains(wire),
                    schema: *id,
                    description: self.schema(*id).description,
                    depth: depth + 1,
                })
                .collect()
        })
    }

    /// The fields of a top-level object field (a collection in the form), where the spec describes them.
    fn nested_fields(&self, field: &Field) -> Option<Vec<Field>> {
        if matches!(field.place, Place::WholeBody(_)) {
            return None;
        }
        if field.depth > 0 {
            return None;
        }
        self.fields_of(field.schema, field.depth)
    }

    /// The fields of each entry of a list-of-objects field (repeatable groups in the form).
    fn entry_fields(&self, field: &Field) -> Option<Vec<Field>> {
        let schema = self.schema(field.schema);
        if schema.kind != Kind::Array || matches!(field.place, Place::WholeBody(_)) {
            return None;
        }
        self.fields_of(schema.items?, field.depth)
    }

    fn property(&self, field: &Field) -> Property {
        let schema = self.schema(field.schema);
        let (name, label) = (field.name, field.label);
        if let Some(fields) = self.nested_fields(field) {
            let needed: Vec<String> = fields.iter().filter(|f| f.required).map(|f| f.label.to_string()).collect();
            let mut help = field.description.to_string();
            if !needed.is_empty() {
                let sentence = format!("Needs {}", crate::params::listed(&needed));
                help = if help.is_empty() { sentence } else { format!("{help} ({sentence})") };
            }
            let property = Property::collection(name, label, fields.iter().map(|f| self.property(f)).collect());
            return if help.is_empty() { property } else { property.describe(help) };
        }
        if let Some(fields) = self.entry_fields(field) {
            // Each entry shows its required fields; the optional ones are added one by one, since n8n
            // fills an entry's plain fields with their defaults (a 0, a false) that were never set.
            let mut values: Vec<Property> =
                fields.iter().filter(|f| f.required).map(|f| self.property(f).required()).collect();
            let optional: Vec<Property> = fields.iter().filter(|f| !f.required).map(|f| self.property(f)).collect();
            if !optional.is_empty() {
                values.push(Property::collection(OPTIONAL, "Additional Fields", optional));
            }
            let entry = singular(label);
            let property = Property::repeated(name, label, ENTRY, &entry, values).placeholder(format!("Add {entry}"));
            return if field.description.is_empty() { property } else { property.describe(field.description) };
        }
        if self.is_file(field) {
            return Property::string(name, &format!("{label} (Input Binary Field)"))
                .default_value(BINARY_DEFAULT)
                .describe("The input item's binary property holding the file to send");
        }
        let picker = match field.place {
            Place::Path | Place::Query => self.pickers.iter().find(|(name, _)| *name == field.wire).map(|(_, m)| *m),
            _ => None,
        };
        let property = match schema.kind {
            // A numeric id is picked or typed like any other; its text is read as the number.
            Kind::String | Kind::Integer | Kind::Number if picker.is_some() => match picker {
                Some(search) => {
                    let example =
                        if schema.kind == Kind::String { "00000000-0000-0000-0000-000000000000" } else { "12345" };
                    Property::locator(name, label, search, example)
                }
                None => Property::string(name, label),
            },
            _ if !schema.one_of.is_empty() => Property::json(name, label, ""),
            Kind::String if !schema.enumeration.is_empty() => Property::options(name, label, choices(schema)),
            Kind::String => Property::string(name, label),
            Kind::Integer | Kind::Number => {
                let mut property = Property::number(name, label, schema.minimum.unwrap_or(0.0).max(0.0));
                if let Some(min) = schema.minimum {
                    property = property.type_option("minValue", min);
                }
                if let Some(max) = schema.maximum {
                    property = property.type_option("maxValue", max);
                }
                if schema.kind == Kind::Integer {
                    property = property.type_option("numberPrecision", 0);
                }
                property
            }
            Kind::Boolean => Property::boolean(name, label, false),
            Kind::Array => match schema.items.map(|id| self.schema(id)) {
                Some(items) if items.kind == Kind::String && !items.enumeration.is_empty() => {
                    Property::multi_options(name, label, choices(items))
                }
                Some(items) if items.kind == Kind::String && items.one_of.is_empty() => {
                    Property::string_list(name, label, &format!("Add {label}"))
                }
                _ => Property::json(name, label, "[]"),
            },
            Kind::Object | Kind::Any => Property::json(name, label, if field.required { "{}" } else { "" }),
        };
        let mut property = property;
        if schema.format == "uuid" {
            property = property.placeholder("00000000-0000-0000-0000-000000000000");
        }
        let help = format!("{}{}", field.description, place_hint(field.place));
        if help.is_empty() {
            property
        } else {
            property.describe(help)
        }
    }

    fn prepare(&self, input: &Input) -> Result<Plan, NodeError> {
        let params = &input.params;
        let optional = params.group(OPTIONAL)?;
        let variant = match params.text(VARIANT)? {
            Some(label) => self.variants.iter().position(|v| *v == label).ok_or_else(|| {
                params.invalid(VARIANT, format!("must be one of {}, got \"{label}\"", self.variants.join(", ")))
            })?,
            None => 0,
        };

        let mut request = Request::new(self.spec.method, self.spec.path);
        let mut body = Map::new();
        let mut whole_body = None;
        for field in &self.fields {
            if Self::variant_of(field.place).is_some_and(|v| v != variant) {
                continue;
            }
            let source = if field.required { params } else { &optional };
            if self.is_file(field) {
                if let Some(property) = file_property(source, field, input.binary)? {
                    body.insert(field.wire.to_string(), Value::String(property));
                }
                continue;
            }
            let Some(value) = self.read(source, field)? else {
                if field.required {
                    return Err(source.invalid(field.name, "is required"));
                }
                continue;
            };
            if let Err(problem) = validate(&value, field.schema, self.schemas) {
                return Err(source.invalid(field.name, problem));
            }
            match field.place {
                Place::Path => {
                    request = request
                        .path_param(field.wire, &query_text(&value))
                        .map_err(|_| source.invalid(field.name, "must not be \".\" or \"..\""))?;
                }
                Place::Query => match &value {
                    Value::Array(items) => {
                        request = request.query_list(field.wire, &items.iter().map(query_text).collect::<Vec<_>>())
                    }
                    other => request = request.query(field.wire, query_text(other)),
                },
                Place::Header => request = request.header(field.wire, query_text(&value)),
                Place::Body(_) => {
                    body.insert(field.wire.to_string(), value);
                }
                Place::WholeBody(_) => whole_body = Some(value),
                // Read into their object's value by `read`; never a top-level field.
                Place::Nested => {}
            }
        }
        if let Some(spec_body) = &self.spec.body {
            let variant_schema = spec_body.variants[variant].schema;
            match whole_body {
                Some(value) => request = request.json(value),
                None if !body.is_empty() || spec_body.required => {
                    let body = Value::Object(body);
                    validate(&body, variant_schema, self.schemas).map_err(|problem| {
                        NodeError::input(format!("The request body of item {} {problem}", params.item()))
                            .at_item(params.item())
                    })?;
                    request = request.encoded(body, self.encoding(variant_schema));
                }
                None => {}
            }
        }

        if let Some(pages) = self.spec.paging {
            let pages = Pages { page_size: PAGE_SIZE, ..pages };
            return Ok(Plan::list(request, Some(Paging::from_params(params, pages)?)));
        }
        Ok(match self.spec.answer {
            Answer::Object | Answer::Empty => Plan::item(request),
            Answer::Array => Plan::list(request, None),
            Answer::Headers => Plan::headers(request),
            Answer::Binary(mime) => {
                if !request.headers.iter().any(|(name, _)| name == "accept") {
                    // An operation that declares `Accept` as a parameter takes only the values it
                    // lists (an enum of media types): send the answer's own type alone.
                    let declared = self
                        .spec
                        .params
                        .iter()
                        .any(|p| p.location == Location::Header && p.name.eq_ignore_ascii_case("accept"));
                    let accept = if declared { mime.to_string() } else { format!("{mime}, */*;q=0.5") };
                    request = request.header("accept", accept);
                }
                Plan::file(request, self.spec.id)
            }
        })
    }

    /// How the body goes on the wire, from the spec's content type; multipart parts whose schema is
    /// `format: binary` are sent as files.
    fn encoding(&self, variant_schema: SchemaId) -> Encoding {
        let content_type = self.spec.body.as_ref().map_or("", |b| b.content_type);
        match content_type {
            "application/x-www-form-urlencoded" => Encoding::Form,
            "multipart/form-data" => Encoding::Multipart {
                files: self
                    .schema(variant_schema)
                    .properties
                    .iter()
                    .filter(|(_, id)| self.schema(*id).format == "binary")
                    .map(|(name, _)| name.to_string())
                    .collect(),
            },
            _ => Encoding::Json,
        }
    }

    /// The object `fields` make, or none when nothing was set and `sent` is false: required ones
    /// read from `required` (and reported there when missing from an object that is sent), the rest
    /// from `optional` (the same group, or an entry's Additional Fields).
    fn object(
        &self,
        required: &Params,
        optional: &Params,
        fields: &[Field],
        sent: bool,
    ) -> Result<Option<Map<String, Value>>, NodeError> {
        let mut object = Map::new();
        let mut missing = None;
        for nested in fields {
            let source = if nested.required { required } else { optional };
            match self.read(source, nested)? {
                Some(value) => drop(object.insert(nested.wire.to_string(), value)),
                None if nested.required => drop(missing.get_or_insert((source, nested.name))),
                None => {}
            }
        }
        if object.is_empty() && !sent {
            return Ok(None);
        }
        match missing {
            Some((source, name)) => Err(source.invalid(name, "is required")),
            None => Ok(Some(object)),
        }
    }

    /// The value of `field` as JSON, in the shape its form property gives it.
    fn read(&self, params: &Params, field: &Field) -> Result<Option<Value>, NodeError> {
        let schema = self.schema(field.schema);
        let name = field.name;
        if let Some(fields) = self.nested_fields(field) {
            // A workflow made by hand or an older form may hold the object as JSON text.
            let Ok(group) = params.fields(name) else { return params.json(name) };
            return Ok(self.object(&group, &group, &fields, field.required)?.map(Value::Object));
        }
        if let Some(fields) = self.entry_fields(field) {
            // JSON text (an older form, a workflow made by hand) or a list (plain JS) is
            // taken as the list; the spec's schema checks it like any other value.
            let entries = match params.entries(name, ENTRY) {
                Ok(entries) => entries,
                Err(_) => return params.json(name),
            };
            let mut list = Vec::with_capacity(entries.len());
            for entry in &entries {
                let optional = entry.group(OPTIONAL)?;
                list.extend(self.object(entry, &optional, &fields, true)?.map(Value::Object));
            }
            return Ok((field.required || !list.is_empty()).then_some(Value::Array(list)));
        }
        if !schema.one_of.is_empty() {
            return params.json(name);
        }
        Ok(match schema.kind {
            Kind::String if !schema.enumeration.is_empty() => params.choice(name)?,
            Kind::String => params.text(name)?.map(Value::String),
            Kind::Integer | Kind::Number => params.number(name)?.map(number),
            Kind::Boolean if params.has(name) => Some(Value::Bool(params.boolean(name, false)?)),
            Kind::Boolean => None,
            Kind::Array => match schema.items.map(|id| self.schema(id)) {
                Some(items) if items.kind == Kind::String && !items.enumeration.is_empty() => {
                    let values = params.choices(name)?;
                    (field.required || !values.is_empty()).then(|| json!(values))
                }
                Some(items) if items.kind == Kind::String && items.one_of.is_empty() => {
                    let values = params.string_list(name)?;
                    (field.required || !values.is_empty()).then(|| json!(values))
                }
                _ => params.json(name)?,
            },
            Kind::Object | Kind::Any => params.json(name)?,
        })
    }
}

/// What one entry of a list field is called ("Order Lines" → "Order Line"), for its heading and the
/// button that adds one; a label that does not read as a plural is kept.
pub(super) fn singular(label: &str) -> String {
    if let Some(stem) = label.strip_suffix("ies") {
        format!("{stem}y")
    } else if label.ends_with("sses") || label.ends_with("xes") {
        label[..label.len() - 2].to_string()
    } else if label.ends_with('s') && !label.ends_with("ss") {
        label[..label.len() - 1].to_string()
    } else {
        label.to_string()
    }
}

fn choices(schema: &Schema) -> Vec<Choice> {
    schema
        .enumeration
        .iter()
        .zip(schema.labels)
        .map(|(text, label)| Choice::new(*label, serde_json::from_str::<Value>(text).unwrap_or(Value::Null)))
        .collect()
}

fn place_hint(place: Place) -> &'static str {
    match place {
        Place::Header => " (sent as a header)",
        _ => "",
    }
}

/// Whole numbers stay whole on the wire (`5`, not `5.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn query_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The binary property n8n's file fields name unless told otherwise.
const BINARY_DEFAULT: &str = "data";

/// The binary property a file field names, checked to exist on the input item now, before anything
/// is sent; its contents are read only when the request goes (see `run`). A required file field left
/// unset names `data`, as its form default does.
fn file_property(params: &Params, field: &Field, binary: &Map<String, Value>) -> Result<Option<String>, NodeError> {
    let property = match params.text(field.name)? {
        Some(property) => property,
        None if field.required => BINARY_DEFAULT.to_string(),
        None => return Ok(None),
    };
    if binary.contains_key(&property) {
        return Ok(Some(property));
    }
    let problem = if binary.is_empty() {
        format!("names the binary property \"{property}\", but the input item has no binary data")
    } else {
        let names: Vec<&str> = binary.keys().map(String::as_str).collect();
        format!("names the binary property \"{property}\", which the input item lacks (it has: {})", names.join(", "))
    };
    Err(params.invalid(field.name, problem))
}
