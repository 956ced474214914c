//! The ServiceDefinition every connector call sends (WIRE.md): its fields in the n8n form, how they
//! become the wire object, how a ServiceDefinition given as JSON is checked, and the ActionType rules
//! that each call applies on top, so nobody types an ActionType for the documented cases.

use crate::params::{kind_of, parse_number};
use crate::prelude::*;

use super::{endpoint, result_of};

pub const ACTION_TYPES: [&str; 8] =
    ["None", "Provision", "Cancel", "Suspend", "Activate", "Upgrade", "Downgrade", "UpgradeToPaid"];
const DERIVATIVES: [(&str, i64); 5] =
    [("Null", 0), ("Subscription", 1), ("Reservation", 2), ("License", 3), ("Reserved Instance", 4)];
const REQUESTED_BY_TYPES: [&str; 4] = ["BSS", "Storefront", "API", "Unknown"];

/// One connector endpoint: its operation in the form, its route, and its ActionType rules.
pub struct Call {
    pub value: &'static str,
    pub name: &'static str,
    pub action: &'static str,
    pub description: &'static str,
    /// The call as the docs name it ("Addon Update"), for messages and the credential's path field.
    pub title: &'static str,
    /// The credential field holding the endpoint's path, and the documented path.
    pub setting: &'static str,
    pub default_path: &'static str,
    pub rules: Rules,
    /// The call is about an existing subscription, so it needs its external ID (`ID`).
    pub needs_id: bool,
    /// The add-on list of the form, if the call has one.
    pub addons: Option<AddonForm>,
    /// Service fields the form asks for up front (required) rather than under "Additional Fields".
    pub up_front: &'static [&'static str],
}

/// Which ActionTypes a call carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    /// The subscription's own (the parent object's) ActionType.
    pub parent: &'static str,
    /// The ActionType of the add-ons the call acts on; every other add-on is `None`.
    pub marked: &'static str,
    pub addons: AddonRole,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddonRole {
    /// The call is about add-ons: at least one is marked; one given without an ActionType is marked.
    Subject(&'static str),
    /// Add-ons come with the subscription: one given without an ActionType is marked.
    Included,
    /// Add-ons are context: one given without an ActionType is `None`.
    Context,
}

/// How the form lists add-ons for one call.
pub struct AddonForm {
    /// The switch that marks an add-on (label, description); without one every listed add-on is marked.
    pub marker: Option<(&'static str, &'static str)>,
    pub quantity: &'static str,
}

impl Call {
    pub fn operation(&'static self) -> Operation {
        Operation::new(self.value, self.name, self.action, move |input| self.prepare(input))
            .describe(self.description)
            .fields(self.properties())
    }

    fn is_up_front(&self, field: &str) -> bool {
        self.up_front.contains(&field)
    }

    fn properties(&self) -> Vec<Property> {
        let mut properties = vec![
            Property::options(
                "definitionSource",
                "Subscription Details From",
                vec![
                    Choice::new("Fields Below", "fields"),
                    Choice::new("JSON Object", "json")
                        .describe("A whole ServiceDefinition, e.g. the incoming item or a platform call's body"),
                ],
            ),
            Property::json("serviceDefinition", "Service Definition", "={{ $json }}")
                .describe(
                    "The ServiceDefinition as WIRE field names (ID, Account, AttributeList, Addons…). Empty: the \
                     incoming item. The ActionTypes are set by this operation's rules.",
                )
                .show_when("definitionSource", &[json!("json")]),
        ];
        let mut form = Vec::new();
        if self.needs_id {
            form.push(
                Property::string("subscriptionId", "Subscription ID")
                    .required()
                    .describe("The subscription's ID in the vendor's system: the Result of its Subscription Create"),
            );
        }
        form.extend(service_field_properties(|name| self.is_up_front(name)).into_iter().map(Property::required));
        if let Some(addons) = &self.addons {
            form.push(
                Property::repeated("addons", "Add-Ons", "addon", "Add-On", addon_properties(addons))
                    .placeholder("Add Add-On"),
            );
        }
        form.push(Property::collection(
            "additionalFields",
            "Additional Fields",
            service_field_properties(|name| !self.is_up_front(name)),
        ));
        properties.extend(form.into_iter().map(|p| p.hide_when("definitionSource", "json")));
        let action_types = || ACTION_TYPES.iter().map(|t| Choice::new(*t, *t)).collect::<Vec<_>>();
        properties.push(Property::collection(
            "advanced",
            "Advanced",
            vec![
                Property::options("parentActionType", "What To Do With the Subscription", action_types()).describe(
                    format!(
                        "The subscription's ActionType on the wire, instead of {} (the documented rule)",
                        self.rules.parent
                    ),
                ),
                Property::options("addonActionType", "What To Do With the Add-Ons", action_types()).describe(format!(
                    "The ActionType of the add-ons this call acts on, instead of {}",
                    self.rules.marked
                )),
            ],
        ));
        properties
    }

    fn prepare(&self, input: &Input) -> Result<Plan, NodeError> {
        let p = &input.params;
        let rules = self.rules_for(&p.group("advanced")?)?;
        let from_json = p.choice("definitionSource")?.is_some_and(|s| s == "json");
        let mut definition =
            if from_json { self.definition_from_json(input)? } else { self.definition_from_fields(p, rules)? };
        apply_rules(&mut definition, rules).map_err(|problem| match from_json {
            true => p.invalid("serviceDefinition", format!("does not fit {}: {problem}", self.title)),
            false => p.invalid("addons", problem),
        })?;
        let request = Request::post(endpoint(input, self.setting, self.default_path)?).json(Value::Object(definition));
        Ok(Plan::shaped(request, result_of))
    }

    /// The documented rules, or what the user chose under "Advanced".
    fn rules_for(&self, advanced: &Params) -> Result<Rules, NodeError> {
        let pick = |name: &str| -> Result<Option<&'static str>, NodeError> {
            Ok(advanced.choice(name)?.and_then(|v| ACTION_TYPES.into_iter().find(|t| v == *t)))
        };
        Ok(Rules {
            parent: pick("parentActionType")?.unwrap_or(self.rules.parent),
            marked: pick("addonActionType")?.unwrap_or(self.rules.marked),
            addons: self.rules.addons,
        })
    }

    fn definition_from_json(&self, input: &Input) -> Result<Map<String, Value>, NodeError> {
        let p = &input.params;
        let mut definition = object_or_item(p, "serviceDefinition", input.json, "the incoming item")?;
        check_definition(&mut definition).map_err(|problem| {
            p.invalid("serviceDefinition", format!("is not a valid ServiceDefinition: {problem}"))
        })?;
        if self.needs_id && definition.get("ID").and_then(Value::as_str).is_none_or(|id| id.trim().is_empty()) {
            return Err(p.invalid(
                "serviceDefinition",
                format!(
                    "has no ID: {} needs the subscription's external ID (the Result of its Subscription Create)",
                    self.title
                ),
            ));
        }
        Ok(definition)
    }

    fn definition_from_fields(&self, p: &Params, rules: Rules) -> Result<Map<String, Value>, NodeError> {
        let mut definition = Map::new();
        if self.needs_id {
            definition.insert("ID".into(), json!(p.required_text("subscriptionId")?));
        }
        service_fields(p, |name| self.is_up_front(name), true, &mut definition)?;
        if let Some(form) = &self.addons {
            let addons = p
                .entries("addons", "addon")?
                .iter()
                .map(|addon| {
                    let marked = form.marker.is_none() || addon.boolean("included", true)?;
                    addon_definition(addon, if marked { rules.marked } else { "None" })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if !addons.is_empty() {
                definition.insert("Addons".into(), Value::Array(addons));
            }
        }
        service_fields(&p.group("additionalFields")?, |name| !self.is_up_front(name), false, &mut definition)?;
        Ok(definition)
    }
}

/// Sets the parent's ActionType and checks every add-on's against the rules: an add-on is either one
/// the call acts on (`rules.marked`) or `None`.
pub fn apply_rules(definition: &mut Map<String, Value>, rules: Rules) -> Result<(), String> {
    definition.insert("ActionType".into(), json!(rules.parent));
    let mut marked = 0;
    if let Some(Value::Array(addons)) = definition.get_mut("Addons") {
        for (i, addon) in addons.iter_mut().enumerate() {
            let Value::Object(addon) = addon else { continue };
            let action = match addon.get("ActionType").and_then(Value::as_str) {
                None if matches!(rules.addons, AddonRole::Context) => "None",
                None => rules.marked,
                Some("None") => "None",
                Some(given) if given == rules.marked => rules.marked,
                Some(other) => {
                    return Err(format!(
                        "Addons[{i}].ActionType is \"{other}\"; this call has only \"{}\" (the add-ons it acts on) \
                         and \"None\" (the others)",
                        rules.marked
                    ))
                }
            };
            marked += usize::from(action != "None");
            addon.insert("ActionType".into(), json!(action));
        }
    }
    match rules.addons {
        AddonRole::Subject(what) if marked == 0 => Err(format!("needs at least one add-on {what}")),
        _ => Ok(()),
    }
}

/// A JSON object parameter; not set (or left as an unresolved expression outside n8n) means `item`,
/// which the error calls `what`.
pub fn object_or_item(p: &Params, name: &str, item: &Value, what: &str) -> Result<Map<String, Value>, NodeError> {
    let unresolved = p.text(name).ok().flatten().is_some_and(|t| t.starts_with("={{"));
    match p.object(name) {
        Ok(Some(object)) => return Ok(object),
        Err(error) if !unresolved => return Err(error),
        _ => {}
    }
    match item {
        Value::Object(object) => Ok(object.clone()),
        other => Err(p.invalid(name, format!("is not set and {what} is {}, not an object", kind_of(other)))),
    }
}

// ---- the form's fields ------------------------------------------------------------------------------

fn addon_properties(form: &AddonForm) -> Vec<Property> {
    let mut fields = vec![
        Property::string("productId", "Product ID").required().describe("The add-on's product ID in your system"),
        Property::string("name", "Name"),
        Property::number("quantity", "Quantity", 1.0).type_option("minValue", 0).describe(form.quantity),
        Property::string("id", "External ID").describe("The add-on's ID in the vendor's system, if it has one"),
    ];
    if let Some((label, description)) = form.marker {
        fields.push(Property::boolean("included", label, true).describe(description));
    }
    fields.push(attributes_property("attributes", "Attributes"));
    fields
}

fn attributes_property(name: &str, label: &str) -> Property {
    Property::repeated(
        name,
        label,
        "attribute",
        "Attribute",
        vec![
            Property::string("id", "Attribute ID").required(),
            Property::string("value", "Value"),
            Property::string("name", "Name"),
            Property::string("code", "Code"),
            Property::boolean("quantityLinked", "Quantity Linked", false),
        ],
    )
    .placeholder("Add Attribute")
}

fn addon_definition(addon: &Params, action: &str) -> Result<Value, NodeError> {
    let least = i64::from(action == "Provision");
    let mut definition = json!({
        "ProductID": addon.required_text("productId")?,
        "ActionType": action,
        "Quantity": addon.integer("quantity", least, i32::MAX as i64)?.unwrap_or(1),
    });
    if let Some(name) = addon.text("name")? {
        definition["Name"] = json!(name);
    }
    if let Some(id) = addon.text("id")? {
        definition["ID"] = json!(id);
    }
    let attributes = attribute_list(addon)?;
    if !attributes.is_empty() {
        definition["AttributeList"] = Value::Object(attributes);
    }
    Ok(definition)
}

/// The wire's `AttributeList` is a map keyed by attribute ID, not an array.
fn attribute_list(params: &Params) -> Result<Map<String, Value>, NodeError> {
    let mut map = Map::new();
    for attribute in params.entries("attributes", "attribute")? {
        let id = attribute.required_text("id")?;
        let mut entry = json!({ "ID": id, "QuantityLinked": attribute.boolean("quantityLinked", false)? });
        for (field, wire) in [("value", "Value"), ("name", "Name"), ("code", "Code")] {
            if let Some(text) = attribute.text(field)? {
                entry[wire] = json!(text);
            }
        }
        map.insert(id, entry);
    }
    Ok(map)
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Count,
    Object,
    Choice,
    Flag,
}

/// The ServiceDefinition fields the form offers: (field name, wire name, kind).
const SERVICE_FIELDS: [(&str, &str, Kind); 17] = [
    ("subscriptionName", "Name", Kind::Text),
    ("productId", "ProductID", Kind::Text),
    ("quantity", "Quantity", Kind::Count),
    ("serviceType", "ServiceType", Kind::Text),
    ("platformSubscriptionId", "SubscriptionID", Kind::Text),
    ("originalSubscriptionId", "OriginalSubscriptionID", Kind::Text),
    ("account", "Account", Kind::Object),
    ("attributeList", "AttributeList", Kind::Object),
    ("customFieldValues", "CustomFieldValues", Kind::Object),
    ("extraDetails", "ExtraDetails", Kind::Object),
    ("requestedBy", "RequestedBy", Kind::Object),
    ("derivative", "Derivative", Kind::Choice),
    ("isTrial", "IsTrial", Kind::Flag),
    ("isFromOrder", "IsFromOrder", Kind::Flag),
    ("checkOnly", "CheckOnly", Kind::Flag),
    ("allowMultipleSubscriptions", "AllowMultipleSubscriptions", Kind::Flag),
    ("checkOverusage", "CheckOverusage", Kind::Flag),
];

fn service_field_properties(include: impl Fn(&str) -> bool) -> Vec<Property> {
    let flag = |name, label, what: &str| Property::boolean(name, label, false).describe(what.to_string());
    let map = |name, label, what: &str| Property::json(name, label, "{}").describe(what.to_string());
    vec![
        map("account", "Account", "AccountDefinition: ID, Name, Email, ContactDetails, Address…"),
        Property::boolean("allowMultipleSubscriptions", "Allow Multiple Subscriptions", false),
        attributes_property("attributes", "Subscription Attributes"),
        map(
            "attributeList",
            "Subscription Attributes (JSON)",
            "The subscription's AttributeList: a JSON object keyed by attribute ID (merged with the attributes above)",
        ),
        Property::string("billingCycleDuration", "Billing Cycle Duration").placeholder("1"),
        Property::options(
            "billingCycleDurationType",
            "Billing Cycle Duration Type",
            ["Month", "Year", "Day"].iter().map(|t| Choice::new(*t, *t)).collect(),
        ),
        flag("checkOnly", "Check Only", "Ask the connector only whether it could do it (CheckOnly)"),
        flag("checkOverusage", "Check Overusage", "CheckOverusage"),
        map("customFieldValues", "Custom Field Values", "A JSON object of text values keyed by custom field"),
        Property::options(
            "derivative",
            "Derivative",
            DERIVATIVES.iter().map(|(name, value)| Choice::new(*name, *value)).collect(),
        ),
        map("extraDetails", "Extra Details", "A JSON object of text values"),
        flag("isFromOrder", "Is From Order", "IsFromOrder"),
        Property::boolean("isTrial", "Is Trial", false),
        Property::string("originalSubscriptionId", "Original Subscription ID")
            .describe("The platform's OriginalSubscriptionID"),
        Property::string("platformSubscriptionId", "Platform Subscription ID")
            .describe("The platform's SubscriptionID"),
        Property::string("productId", "Product ID").describe("The subscription's product ID (ProductID)"),
        Property::number("quantity", "Quantity", 1.0)
            .type_option("minValue", 0)
            .describe("The subscription's quantity: the new total, not the difference"),
        map("requestedBy", "Requested By", "RequestedByDefinition: ID, FirstName, LastName, DisplayName, Email, Type"),
        Property::string("serviceType", "Service Type"),
        Property::string("subscriptionName", "Subscription Name"),
    ]
    .into_iter()
    .filter(|p| include(&p.name) || (p.name.starts_with("billingCycle") && include("billingCycle")))
    .collect()
}

/// The service fields of `fields` that `include` names; only what the user set is sent. `required`:
/// they are asked for up front, so they must be there (and a quantity is at least 1).
fn service_fields(
    fields: &Params,
    include: impl Fn(&str) -> bool,
    required: bool,
    definition: &mut Map<String, Value>,
) -> Result<(), NodeError> {
    for (field, wire, kind) in SERVICE_FIELDS.into_iter().filter(|(field, ..)| include(field)) {
        let value = match kind {
            Kind::Text if required => Some(json!(fields.required_text(field)?)),
            Kind::Text => fields.text(field)?.map(Value::from),
            Kind::Count => {
                let quantity = fields.integer(field, i64::from(required), i32::MAX as i64)?;
                if required && quantity.is_none() {
                    return Err(fields.invalid(field, "is required"));
                }
                quantity.map(Value::from)
            }
            Kind::Object => match fields.object(field)?.filter(|o| !o.is_empty()) {
                Some(object) => {
                    let mut value = Value::Object(object);
                    check_field(wire, &mut value, wire)
                        .map_err(|problem| fields.invalid(field, format!("is not valid: {problem}")))?;
                    Some(value)
                }
                None => None,
            },
            Kind::Choice => fields.choice(field)?,
            Kind::Flag => fields.boolean(field, false)?.then_some(json!(true)),
        };
        if let Some(value) = value {
            definition.insert(wire.into(), value);
        }
    }
    if include("attributes") {
        let attributes = attribute_list(fields)?;
        if !attributes.is_empty() {
            let list = definition.entry("AttributeList").or_insert_with(|| json!({}));
            if let Value::Object(list) = list {
                list.extend(attributes);
            }
        }
    }
    if include("billingCycle") {
        let duration = fields.text("billingCycleDuration")?;
        let duration_type = fields.choice("billingCycleDurationType")?;
        if duration.is_some() || duration_type.is_some() {
            definition.insert("BillingCycle".into(), json!({ "Duration": duration, "DurationType": duration_type }));
        }
    }
    Ok(())
}

// ---- checking a ServiceDefinition given as JSON -----------------------------------------------------

/// Checks the known fields' types (unknown ones pass through as given) and normalises what .NET would
/// read the same way: ActionType numbers become their names, Derivative names their numbers, numbers
/// in text fields text, and `null` is dropped where the model has a value type.
pub fn check_definition(definition: &mut Map<String, Value>) -> Result<(), String> {
    if !definition.contains_key("ID") && definition.contains_key("headers") && definition.contains_key("body") {
        return Err("this looks like a Webhook item: give its body ({{ $json.body }})".into());
    }
    check_fields(definition, "")
}

const TEXT: [&str; 6] = ["ID", "SubscriptionID", "OriginalSubscriptionID", "Name", "ServiceType", "ProductID"];
const FLAGS: [&str; 5] = ["AllowMultipleSubscriptions", "IsFromOrder", "CheckOverusage", "IsTrial", "CheckOnly"];

fn check_fields(object: &mut Map<String, Value>, at: &str) -> Result<(), String> {
    let keys: Vec<String> = object.keys().cloned().collect();
    for key in keys {
        let path = format!("{at}{key}");
        let value = object.get_mut(&key).expect("key listed");
        if value.is_null() {
            if matches!(key.as_str(), "Quantity" | "Derivative" | "QuantityLinked") || FLAGS.contains(&key.as_str()) {
                object.remove(&key);
            }
            continue;
        }
        check_field(&key, value, &path)?;
    }
    Ok(())
}

/// One field of a ServiceDefinition (or of an add-on, which shares the names it uses).
fn check_field(key: &str, value: &mut Value, path: &str) -> Result<(), String> {
    match key {
        _ if TEXT.contains(&key) || key == "ParentID" => text(value, path),
        _ if FLAGS.contains(&key) => flag(value, path),
        "ActionType" => named(value, path, &ACTION_TYPES),
        "Quantity" => whole(value, path),
        "Derivative" => derivative(value, path),
        "Account" => account(value, path),
        "AttributeList" => attribute_map(value, path),
        "Addons" => addons(value, path),
        "BillingCycle" => object_of(value, path, |key, value, path| match key {
            "Duration" | "DurationType" => text(value, path),
            _ => Ok(()),
        }),
        "CustomFieldValues" | "ExtraDetails" => text_map(value, path),
        "RequestedBy" => object_of(value, path, |key, value, path| match key {
            "ID" => whole(value, path),
            "Type" => named(value, path, &REQUESTED_BY_TYPES),
            "FirstName" | "LastName" | "DisplayName" | "Email" => text(value, path),
            _ => Ok(()),
        }),
        _ => Ok(()),
    }
}

fn text(value: &mut Value, path: &str) -> Result<(), String> {
    match value {
        Value::String(_) | Value::Null => Ok(()),
        Value::Number(n) => {
            *value = json!(n.to_string());
            Ok(())
        }
        other => Err(format!("{path} must be text, got {}", kind_of(other))),
    }
}

fn flag(value: &mut Value, path: &str) -> Result<(), String> {
    match value {
        Value::Bool(_) => Ok(()),
        Value::String(s) if s == "true" || s == "false" => {
            *value = json!(s == "true");
            Ok(())
        }
        other => Err(format!("{path} must be true or false, got {}", kind_of(other))),
    }
}

fn whole(value: &mut Value, path: &str) -> Result<(), String> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s),
        _ => None,
    };
    match number {
        Some(n) if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) => {
            *value = json!(n as i64);
            Ok(())
        }
        _ => Err(format!("{path} must be a whole number, got {value}")),
    }
}

/// A .NET enum read as a string: its name (any case) or its number.
fn named(value: &mut Value, path: &str, names: &[&str]) -> Result<(), String> {
    let found = match &*value {
        Value::String(s) => names.iter().find(|n| n.eq_ignore_ascii_case(s.trim())),
        Value::Number(n) => n.as_u64().and_then(|i| names.get(i as usize)),
        _ => None,
    };
    match found {
        Some(name) => {
            *value = json!(name);
            Ok(())
        }
        None => Err(format!("{path} must be one of {}, got {value}", names.join(", "))),
    }
}

/// Derivative goes out as its number (NULL=0 … RESERVEDINSTANCE=4); its name is accepted too.
fn derivative(value: &mut Value, path: &str) -> Result<(), String> {
    let squash = |s: &str| s.to_ascii_uppercase().replace([' ', '_'], "");
    let found = match &*value {
        Value::Number(n) => n.as_i64().filter(|i| (0..=4).contains(i)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|i| (0..=4).contains(i))
            .or_else(|| DERIVATIVES.iter().find(|(name, _)| squash(name) == squash(s)).map(|(_, number)| *number)),
        _ => None,
    };
    match found {
        Some(number) => {
            *value = json!(number);
            Ok(())
        }
        None => Err(format!(
            "{path} must be 0 to 4 (NULL, SUBSCRIPTION, RESERVATION, LICENSE, RESERVEDINSTANCE), got {value}"
        )),
    }
}

fn object_of(
    value: &mut Value,
    path: &str,
    field: impl Fn(&str, &mut Value, &str) -> Result<(), String>,
) -> Result<(), String> {
    let Value::Object(object) = value else {
        return Err(format!("{path} must be an object, got {}", kind_of(value)));
    };
    for (key, value) in object.iter_mut().filter(|(_, v)| !v.is_null()) {
        field(key, value, &format!("{path}.{key}"))?;
    }
    Ok(())
}

fn text_map(value: &mut Value, path: &str) -> Result<(), String> {
    object_of(value, path, |_, value, path| match value {
        Value::Bool(b) => {
            *value = json!(b.to_string());
            Ok(())
        }
        _ => text(value, path),
    })
}

fn account(value: &mut Value, path: &str) -> Result<(), String> {
    object_of(value, path, |key, value, path| match key {
        "IsTest" => flag(value, path),
        "ExtraDetails" => text_map(value, path),
        "SyncOptions" => object_of(value, path, |_, _, _| Ok(())),
        "ContactDetails" => object_of(value, path, |_, value, path| text(value, path)),
        "Address" => object_of(value, path, |key, value, path| match key {
            "State" | "Country" => object_of(value, path, |_, value, path| text(value, path)),
            _ => text(value, path),
        }),
        _ => text(value, path),
    })
}

/// `AttributeList`: a map keyed by attribute ID → {ID, Name, Value, Code, QuantityLinked, ExtraParameters}.
fn attribute_map(value: &mut Value, path: &str) -> Result<(), String> {
    if value.is_array() {
        return Err(format!("{path} must be an object keyed by attribute ID, not a list"));
    }
    object_of(value, path, |id, attribute, path| {
        object_of(attribute, path, |key, value, path| match key {
            "QuantityLinked" => flag(value, path),
            "ExtraParameters" => text_map(value, path),
            _ => text(value, path),
        })?;
        let attribute = attribute.as_object_mut().expect("checked above");
        if attribute.get("QuantityLinked").is_some_and(Value::is_null) {
            attribute.remove("QuantityLinked");
        }
        match attribute.get("ID").and_then(Value::as_str) {
            None => {
                attribute.insert("ID".into(), json!(id));
                Ok(())
            }
            Some(given) if given == id => Ok(()),
            Some(given) => Err(format!("{path}.ID is \"{given}\", but its key is \"{id}\"")),
        }
    })
}

fn addons(value: &mut Value, path: &str) -> Result<(), String> {
    let Value::Array(addons) = value else {
        return Err(format!("{path} must be a list of add-ons, got {}", kind_of(value)));
    };
    for (i, addon) in addons.iter_mut().enumerate() {
        let at = format!("{path}[{i}]");
        let Value::Object(fields) = addon else {
            return Err(format!("{at} must be an object, got {}", kind_of(addon)));
        };
        check_fields(fields, &format!("{at}."))?;
        if fields.get("ProductID").and_then(Value::as_str).is_none_or(|id| id.trim().is_empty()) {
            return Err(format!("{at}.ProductID is required"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(value: Value) -> Result<Value, String> {
        let mut map = value.as_object().unwrap().clone();
        check_definition(&mut map).map(|()| Value::Object(map))
    }

    #[test]
    fn the_sample_passes_unchanged() {
        let sample = json!({
            "ID": "3f2c", "SubscriptionID": "12345", "OriginalSubscriptionID": null, "ActionType": "None", "Quantity": 10,
            "Account": { "ID": "1001", "IsTest": false, "ExtraDetails": {}, "SyncOptions": {},
                "ContactDetails": { "FirstName": "John" }, "Address": { "City": "Athens", "State": { "Code": null }, "Country": { "Code": "GR" } } },
            "AttributeList": { "Plan": { "ID": "Plan", "Value": "Pro", "QuantityLinked": false, "ExtraParameters": {} } },
            "Addons": [{ "ID": null, "ParentID": "3f2c", "ProductID": "P", "ActionType": "Provision", "Quantity": 1, "ExtraDetails": {} }],
            "BillingCycle": { "Duration": "1", "DurationType": "Month" }, "Derivative": 1, "CustomFieldValues": {},
            "IsTrial": false, "CheckOnly": false, "RequestedBy": { "ID": 42, "Type": "BSS" }
        });
        assert_eq!(checked(sample.clone()).unwrap(), sample);
    }

    #[test]
    fn normalises_what_dotnet_reads_alike() {
        let out = checked(json!({
            "ID": 7, "ActionType": 2, "Quantity": "3", "Derivative": "reserved instance", "IsTrial": null,
            "AttributeList": { "a": { "Value": 5 } }, "CustomFieldValues": { "x": true },
            "Addons": [{ "ProductID": "P", "ActionType": "provision" }], "RequestedBy": { "Type": 1 }
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "ID": "7", "ActionType": "Cancel", "Quantity": 3, "Derivative": 4,
                "AttributeList": { "a": { "ID": "a", "Value": "5" } }, "CustomFieldValues": { "x": "true" },
                "Addons": [{ "ProductID": "P", "ActionType": "Provision" }], "RequestedBy": { "Type": "Storefront" }
            })
        );
    }

    #[test]
    fn names_the_wrong_field_by_its_wire_path() {
        let cases = [
            (
                json!({ "AttributeList": [{ "ID": "a" }] }),
                "AttributeList must be an object keyed by attribute ID, not a list",
            ),
            (
                json!({ "Addons": [{ "ProductID": "P", "Quantity": 1.5 }] }),
                "Addons[0].Quantity must be a whole number, got 1.5",
            ),
            (json!({ "Addons": [{ "Name": "x" }] }), "Addons[0].ProductID is required"),
            (json!({ "Addons": {} }), "Addons must be a list of add-ons, got an object"),
            (json!({ "ActionType": "Explode" }), "ActionType must be one of None, Provision"),
            (json!({ "Derivative": 9 }), "Derivative must be 0 to 4"),
            (json!({ "Account": { "ContactDetails": [] } }), "Account.ContactDetails must be an object, got a list"),
            (json!({ "AttributeList": { "a": { "ID": "b" } } }), "AttributeList.a.ID is \"b\", but its key is \"a\""),
            (json!({ "CustomFieldValues": { "a": [1] } }), "CustomFieldValues.a must be text, got a list"),
            (json!({ "headers": {}, "body": {} }), "Webhook item"),
        ];
        for (input, expected) in cases {
            let problem = checked(input.clone()).unwrap_err();
            assert!(problem.contains(expected), "{input} → {problem}");
        }
    }

    const UPDATE: Rules = Rules { parent: "None", marked: "Provision", addons: AddonRole::Subject("to update") };

    #[test]
    fn rules_set_the_parent_and_keep_add_ons_to_the_call() {
        let mut definition = json!({ "ActionType": "Cancel", "Addons": [
            { "ProductID": "A" }, { "ProductID": "B", "ActionType": "None" }, { "ProductID": "C", "ActionType": "Provision" }
        ] })
        .as_object()
        .unwrap()
        .clone();
        apply_rules(&mut definition, UPDATE).unwrap();
        let actions: Vec<_> =
            definition["Addons"].as_array().unwrap().iter().map(|a| a["ActionType"].clone()).collect();
        assert_eq!(actions, [json!("Provision"), json!("None"), json!("Provision")]);
        assert_eq!(definition["ActionType"], "None");

        let mut cancel_in_update =
            json!({ "Addons": [{ "ProductID": "A", "ActionType": "Cancel" }] }).as_object().unwrap().clone();
        let problem = apply_rules(&mut cancel_in_update, UPDATE).unwrap_err();
        assert!(problem.starts_with("Addons[0].ActionType is \"Cancel\""), "{problem}");

        let mut nothing_changed =
            json!({ "Addons": [{ "ProductID": "A", "ActionType": "None" }] }).as_object().unwrap().clone();
        assert_eq!(apply_rules(&mut nothing_changed, UPDATE).unwrap_err(), "needs at least one add-on to update");

        let context = Rules { parent: "Suspend", marked: "Suspend", addons: AddonRole::Context };
        let mut suspend = json!({ "Addons": [{ "ProductID": "A" }] }).as_object().unwrap().clone();
        apply_rules(&mut suspend, context).unwrap();
        assert_eq!(suspend["Addons"][0]["ActionType"], "None");
        assert_eq!(suspend["ActionType"], "Suspend");
    }
}
