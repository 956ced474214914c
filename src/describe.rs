//! n8n's declarative vocabulary (`INodeProperties`, `INodeTypeDescription`, `ICredentialType`) as
//! Rust values, so every descriptor the hosts see is emitted from here.

use crate::search::Search;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Whether properties keep what only n8n's editor reads: help texts, placeholders, hints, display
/// conditions, type options and locator modes. The editor reads them from the descriptors the package
/// embeds; executing needs only names, labels, choices, nesting and which fields are secret, so the
/// module that executes is built without the rest (feature `describe` off) and is smaller for it.
pub const EDITOR_DETAILS: bool = cfg!(feature = "describe");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PropertyType {
    String,
    Number,
    Boolean,
    Options,
    MultiOptions,
    Collection,
    FixedCollection,
    Json,
    Notice,
    ResourceLocator,
    /// Not shown: a fixed value the credential or node needs (n8n's OAuth2 settings).
    Hidden,
}

/// One choice of an `options` / `multiOptions` property.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub name: String,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl Choice {
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Choice { name: name.into(), value: value.into(), description: None, action: None }
    }

    pub fn describe(mut self, description: impl Into<String>) -> Self {
        if EDITOR_DETAILS {
            self.description = Some(description.into());
        }
        self
    }
}

/// One repeatable group of a `fixedCollection`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub name: String,
    pub display_name: String,
    pub values: Vec<Property>,
}

/// n8n overloads `options`: choices, nested properties, or fixed-collection groups.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PropertyOptions {
    Choices(Vec<Choice>),
    Properties(Vec<Property>),
    Groups(Vec<Group>),
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DisplayOptions {
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub show: Map<String, Value>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub hide: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    pub display_name: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PropertyType,
    pub default: Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<PropertyOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_options: Option<DisplayOptions>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub type_options: Map<String, Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_data_expression: bool,
    /// The ways to fill a resource locator ("From List", "ID").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<Value>,
    /// A resource locator's list: the field owns it, so the node's pickers are found from its form.
    #[serde(skip)]
    pub search: Option<&'static Search>,
}

impl Property {
    fn new(kind: PropertyType, name: &str, display_name: &str, default: Value) -> Self {
        Property {
            display_name: display_name.into(),
            name: name.into(),
            kind,
            default,
            required: false,
            description: None,
            placeholder: None,
            hint: None,
            options: None,
            display_options: None,
            type_options: Map::new(),
            no_data_expression: false,
            modes: None,
            search: None,
        }
    }

    /// A fixed value the form does not show; it may be an n8n expression (`={{…}}`).
    pub fn hidden(name: &str, value: impl Into<Value>) -> Self {
        Self::new(PropertyType::Hidden, name, name, value.into())
    }

    /// A text shown in the form (n8n's `notice`); it holds no value.
    pub fn notice(name: &str, text: &str) -> Self {
        Self::new(PropertyType::Notice, name, text, json!(""))
    }

    pub fn string(name: &str, display_name: &str) -> Self {
        Self::new(PropertyType::String, name, display_name, json!(""))
    }

    /// A secret: n8n masks it, and the runtime redacts its value from every output.
    pub fn password(name: &str, display_name: &str) -> Self {
        let mut property = Self::string(name, display_name);
        property.type_options.insert("password".into(), Value::Bool(true));
        property
    }

    /// An id picked from the list `search` loads, or typed in.
    /// Its value is `{ mode, value }` under n8n; `Params` reads the plain id either way.
    pub fn locator(name: &str, display_name: &str, search: &'static Search, id_placeholder: &str) -> Self {
        let mut property =
            Self::new(PropertyType::ResourceLocator, name, display_name, json!({ "mode": "list", "value": "" }));
        property.search = Some(search);
        if !EDITOR_DETAILS {
            return property;
        }
        property.modes = Some(json!([
            {
                "displayName": "From List",
                "name": "list",
                "type": "list",
                "typeOptions": { "searchListMethod": search.method, "searchable": true },
            },
            { "displayName": "ID", "name": "id", "type": "string", "placeholder": id_placeholder },
        ]));
        property
    }

    /// Several values picked from the list `search` loads from the record the `depends_on` fields name
    /// (an extension's scopes); typed values and expressions work too.
    pub fn loaded_options(name: &str, display_name: &str, search: &'static Search, depends_on: &[&str]) -> Self {
        let mut property = Self::new(PropertyType::MultiOptions, name, display_name, json!([]));
        property.search = Some(search);
        property.type_options.insert("loadOptionsMethod".into(), json!(search.method));
        property.type_options.insert("loadOptionsDependsOn".into(), json!(depends_on));
        property
    }

    /// A list of strings, edited one entry at a time.
    pub fn string_list(name: &str, display_name: &str, button: &str) -> Self {
        Self::new(PropertyType::String, name, display_name, json!([]))
            .type_option("multipleValues", true)
            .type_option("multipleValueButtonText", button)
    }

    pub fn number(name: &str, display_name: &str, default: f64) -> Self {
        Self::new(PropertyType::Number, name, display_name, json!(default))
    }

    pub fn boolean(name: &str, display_name: &str, default: bool) -> Self {
        Self::new(PropertyType::Boolean, name, display_name, json!(default))
    }

    pub fn json(name: &str, display_name: &str, default: &str) -> Self {
        Self::new(PropertyType::Json, name, display_name, json!(default))
    }

    pub fn options(name: &str, display_name: &str, choices: Vec<Choice>) -> Self {
        let default = choices.first().map_or(Value::Null, |c| c.value.clone());
        let mut property = Self::new(PropertyType::Options, name, display_name, default);
        property.options = Some(PropertyOptions::Choices(choices));
        property
    }

    pub fn multi_options(name: &str, display_name: &str, choices: Vec<Choice>) -> Self {
        let mut property = Self::new(PropertyType::MultiOptions, name, display_name, json!([]));
        property.options = Some(PropertyOptions::Choices(choices));
        property
    }

    /// Optional fields a user adds one by one; nothing inside is sent unless added.
    pub fn collection(name: &str, display_name: &str, fields: Vec<Property>) -> Self {
        let mut property = Self::new(PropertyType::Collection, name, display_name, json!({}));
        property.options = Some(PropertyOptions::Properties(fields));
        property.placeholder("Add Field")
    }

    /// A repeatable group of fields; the value is `{ <group>: [ {…}, … ] }`.
    pub fn repeated(name: &str, display_name: &str, group: &str, group_display: &str, fields: Vec<Property>) -> Self {
        let mut property = Self::new(PropertyType::FixedCollection, name, display_name, json!({}));
        property.options = Some(PropertyOptions::Groups(vec![Group {
            name: group.into(),
            display_name: group_display.into(),
            values: fields,
        }]));
        property.type_options.insert("multipleValues".into(), json!(true));
        property
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> Self {
        if EDITOR_DETAILS {
            self.description = Some(description.into());
        }
        self
    }

    pub fn placeholder(mut self, placeholder: impl Into<String>) -> Self {
        if EDITOR_DETAILS {
            self.placeholder = Some(placeholder.into());
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        if EDITOR_DETAILS {
            self.hint = Some(hint.into());
        }
        self
    }

    pub fn default_value(mut self, default: impl Into<Value>) -> Self {
        if EDITOR_DETAILS {
            self.default = default.into();
        }
        self
    }

    pub fn type_option(mut self, key: &str, value: impl Into<Value>) -> Self {
        if EDITOR_DETAILS {
            self.type_options.insert(key.into(), value.into());
        }
        self
    }

    /// Resource and operation pickers must not hold expressions: n8n needs them to draw the form.
    pub fn no_expressions(mut self) -> Self {
        self.no_data_expression = EDITOR_DETAILS;
        self
    }

    /// Shown only when `field` has one of `values`.
    pub fn show_when(mut self, field: &str, values: &[Value]) -> Self {
        if EDITOR_DETAILS {
            self.display_options
                .get_or_insert_with(Default::default)
                .show
                .insert(field.into(), Value::Array(values.to_vec()));
        }
        self
    }

    /// Hidden while `field` has `value`.
    pub fn hide_when(mut self, field: &str, value: &str) -> Self {
        if EDITOR_DETAILS {
            self.display_options.get_or_insert_with(Default::default).hide.insert(field.into(), json!([value]));
        }
        self
    }

    /// This property as seen under one resource and operation: its own display conditions plus those.
    pub fn shown_for<'a>(&'a self, resource: &'a str, operation: &'a str) -> Shown<'a> {
        Shown { property: self, resource, operation }
    }

    pub fn is_secret(&self) -> bool {
        self.type_options.get("password") == Some(&Value::Bool(true))
    }

    /// The properties nested inside a collection or fixed collection.
    pub fn children(&self) -> Vec<&Property> {
        match &self.options {
            Some(PropertyOptions::Properties(fields)) => fields.iter().collect(),
            Some(PropertyOptions::Groups(groups)) => groups.iter().flat_map(|g| g.values.iter()).collect(),
            _ => Vec::new(),
        }
    }

    /// The fields of a collection, or of the named group of a fixed collection.
    pub fn fields_of(&self, group: Option<&str>) -> Option<&[Property]> {
        match (&self.options, group) {
            (Some(PropertyOptions::Properties(fields)), None) => Some(fields),
            (Some(PropertyOptions::Groups(groups)), Some(group)) => {
                groups.iter().find(|g| g.name == group).map(|g| g.values.as_slice())
            }
            _ => None,
        }
    }

    /// The allowed values of an options / multiOptions property.
    pub fn choice_values(&self) -> Vec<&Value> {
        match &self.options {
            Some(PropertyOptions::Choices(choices)) => choices.iter().map(|c| &c.value).collect(),
            _ => Vec::new(),
        }
    }
}

/// Finds a property by name, however deep it is nested.
pub fn find_property<'a>(properties: impl IntoIterator<Item = &'a Property>, name: &str) -> Option<&'a Property> {
    properties.into_iter().find_map(|p| if p.name == name { Some(p) } else { find_property(p.children(), name) })
}

/// A property serialized with extra `show` conditions, without copying it.
pub struct Shown<'a> {
    property: &'a Property,
    resource: &'a str,
    operation: &'a str,
}

impl Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let p = self.property;
        let mut display = p.display_options.clone().unwrap_or_default();
        display.show.insert("resource".into(), Value::Array(vec![Value::from(self.resource)]));
        display.show.insert("operation".into(), Value::Array(vec![Value::from(self.operation)]));
        let mut s = serializer.serialize_struct("Property", 12)?;
        s.serialize_field("displayName", &p.display_name)?;
        s.serialize_field("name", &p.name)?;
        s.serialize_field("type", &p.kind)?;
        s.serialize_field("default", &p.default)?;
        if p.required {
            s.serialize_field("required", &true)?;
        }
        if let Some(description) = &p.description {
            s.serialize_field("description", description)?;
        }
        if let Some(placeholder) = &p.placeholder {
            s.serialize_field("placeholder", placeholder)?;
        }
        if let Some(hint) = &p.hint {
            s.serialize_field("hint", hint)?;
        }
        if let Some(options) = &p.options {
            s.serialize_field("options", options)?;
        }
        s.serialize_field("displayOptions", &display)?;
        if !p.type_options.is_empty() {
            s.serialize_field("typeOptions", &p.type_options)?;
        }
        if p.no_data_expression {
            s.serialize_field("noDataExpression", &true)?;
        }
        if let Some(modes) = &p.modes {
            s.serialize_field("modes", modes)?;
        }
        s.end()
    }
}
