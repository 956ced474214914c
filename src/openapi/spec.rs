//! The tables `build.rs` generates from an OpenAPI document: operations and the schemas their
//! inputs are checked against. Static data, so nothing is parsed when the module starts.

use crate::http::Method;

/// Index into a node's schema table.
pub type SchemaId = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Any,
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

/// The subset of JSON Schema the generator keeps: what validation and form building need.
#[derive(Debug)]
pub struct Schema {
    pub kind: Kind,
    pub format: &'static str,
    pub description: &'static str,
    /// Allowed values, each as JSON text.
    pub enumeration: &'static [&'static str],
    /// What each of `enumeration` shows as an option (a string value's label, else its JSON text).
    pub labels: &'static [&'static str],
    pub nullable: bool,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    pub items: Option<SchemaId>,
    pub properties: &'static [(&'static str, SchemaId)],
    /// What each of `properties` shows as a field where the form offers the object field by field.
    pub property_labels: &'static [&'static str],
    pub required: &'static [&'static str],
    /// Schema of the values of a map-like object.
    pub additional: Option<SchemaId>,
    /// Whether keys outside `properties` are allowed.
    pub open: bool,
    pub one_of: &'static [SchemaId],
}

#[cfg(test)]
impl Schema {
    /// A schema of `kind` that allows anything of that kind, for tests to narrow.
    pub const fn of(kind: Kind) -> Schema {
        Schema {
            kind,
            format: "",
            description: "",
            enumeration: &[],
            labels: &[],
            nullable: false,
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            min_items: None,
            max_items: None,
            items: None,
            properties: &[],
            property_labels: &[],
            required: &[],
            additional: None,
            open: true,
            one_of: &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

#[derive(Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub description: &'static str,
    pub schema: SchemaId,
}

/// One branch of a request body (a body without `oneOf` has exactly one).
#[derive(Debug)]
pub struct Variant {
    /// The option's value (saved workflows hold it).
    pub label: &'static str,
    /// What the option shows (for a body without variants, empty).
    pub title: &'static str,
    pub schema: SchemaId,
}

#[derive(Debug)]
pub struct BodySpec {
    pub content_type: &'static str,
    pub required: bool,
    pub variants: &'static [Variant],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// JSON object: one output item.
    Object,
    /// JSON array: one output item per element.
    Array,
    /// No body (204): a success item.
    Empty,
    /// Anything else (files, text): binary output with this media type.
    Binary(&'static str),
    /// What a HEAD request answers: its headers (a count in `X-Total-Count`), as one output item.
    Headers,
}

#[derive(Debug)]
pub struct OpSpec {
    pub id: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// What the operation is called: unique within the node (`build.rs` names it).
    pub name: &'static str,
    /// What its resource (its tag) is called.
    pub resource: &'static str,
    pub method: Method,
    pub path: &'static str,
    /// Needs no credential (`security: []`).
    pub public: bool,
    pub params: &'static [ParamSpec],
    pub body: Option<BodySpec>,
    /// The form's fields in the order `form` builds them (parameters, then each body variant's
    /// fields): each one's name in the form and its label.
    pub fields: &'static [(&'static str, &'static str)],
    pub answer: Answer,
    /// How the list pages, when it does (its page size is the form's choice): offers Return All / Limit.
    pub paging: Option<crate::paging::Pages>,
}
