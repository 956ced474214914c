use crate::prelude::*;

use super::{endpoint, result_of};

const DERIVATIVES: [(&str, i64); 5] =
    [("Null", 0), ("Subscription", 1), ("Reservation", 2), ("License", 3), ("Reserved Instance", 4)];

/// Addon Create: the parent subscription is unchanged (`None`), every add-on in the order is `Provision`.
pub fn create() -> Operation {
    Operation::new("addonCreate", "Create", "Create add-ons on a subscription", |input| {
        let p = &input.params;
        let mut definition = Map::new();
        definition.insert("ID".into(), json!(p.required_text("subscriptionId")?));
        definition.insert("ActionType".into(), json!("None"));
        let addons = p.entries("addons", "addon")?;
        if addons.is_empty() {
            return Err(p.invalid("addons", "needs at least one add-on to create"));
        }
        let addons = addons.iter().map(|addon| addon_definition(addon, "Provision")).collect::<Result<Vec<_>, _>>()?;
        definition.insert("Addons".into(), Value::Array(addons));
        service_fields(&p.group("additionalFields")?, &mut definition)?;

        let request =
            Request::post(endpoint(input, "addonCreatePath", "Addon/Create")?).json(Value::Object(definition));
        Ok(Plan::shaped(request, result_of))
    })
    .describe("Add add-ons to a subscription in the vendor's system (Addon Create)")
    .fields(vec![
        Property::string("subscriptionId", "Subscription ID")
            .required()
            .describe("The subscription's ID in the vendor's system: the Result of its Subscription Create"),
        Property::repeated("addons", "Add-Ons", "addon", "Add-On", addon_fields()).placeholder("Add Add-On"),
        Property::collection("additionalFields", "Additional Fields", service_field_properties()),
    ])
}

fn addon_fields() -> Vec<Property> {
    vec![
        Property::string("productId", "Product ID").required().describe("The add-on's product ID in your system"),
        Property::string("name", "Name"),
        Property::number("quantity", "Quantity", 1.0).type_option("minValue", 1),
        Property::string("id", "External ID").describe("The add-on's ID in the vendor's system, if it has one"),
        attribute_list_property(),
    ]
}

fn attribute_list_property() -> Property {
    Property::repeated(
        "attributes",
        "Attributes",
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
    let mut definition = json!({
        "ProductID": addon.required_text("productId")?,
        "ActionType": action,
        "Quantity": addon.integer("quantity", 1, i32::MAX as i64)?.unwrap_or(1),
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

fn service_field_properties() -> Vec<Property> {
    vec![
        Property::json("account", "Account", "{}")
            .describe("AccountDefinition: ID, Name, Email, ContactDetails, Address…"),
        Property::json("attributeList", "Subscription Attributes", "{}")
            .describe("The subscription's AttributeList: a JSON object keyed by attribute ID"),
        Property::string("billingCycleDuration", "Billing Cycle Duration").placeholder("1"),
        Property::options(
            "billingCycleDurationType",
            "Billing Cycle Duration Type",
            ["Month", "Year", "Day"].iter().map(|t| Choice::new(*t, *t)).collect(),
        ),
        Property::json("customFieldValues", "Custom Field Values", "{}"),
        Property::options(
            "derivative",
            "Derivative",
            DERIVATIVES.iter().map(|(name, value)| Choice::new(*name, *value)).collect(),
        ),
        Property::boolean("isTrial", "Is Trial", false),
        Property::string("platformSubscriptionId", "Platform Subscription ID")
            .describe("The platform's SubscriptionID"),
        Property::string("productId", "Product ID").describe("The subscription's product ID (ProductID)"),
        Property::number("quantity", "Quantity", 1.0).describe("The subscription's quantity"),
        Property::string("serviceType", "Service Type"),
        Property::string("subscriptionName", "Subscription Name"),
    ]
}

/// The optional ServiceDefinition fields: only what the user added is sent.
fn service_fields(fields: &Params, definition: &mut Map<String, Value>) -> Result<(), NodeError> {
    for (field, wire) in [
        ("subscriptionName", "Name"),
        ("productId", "ProductID"),
        ("serviceType", "ServiceType"),
        ("platformSubscriptionId", "SubscriptionID"),
    ] {
        if let Some(text) = fields.text(field)? {
            definition.insert(wire.into(), json!(text));
        }
    }
    if let Some(quantity) = fields.integer("quantity", 0, i32::MAX as i64)? {
        definition.insert("Quantity".into(), json!(quantity));
    }
    for (field, wire) in
        [("account", "Account"), ("attributeList", "AttributeList"), ("customFieldValues", "CustomFieldValues")]
    {
        if let Some(object) = fields.object(field)?.filter(|o| !o.is_empty()) {
            definition.insert(wire.into(), Value::Object(object));
        }
    }
    let duration = fields.text("billingCycleDuration")?;
    let duration_type = fields.choice("billingCycleDurationType")?;
    if duration.is_some() || duration_type.is_some() {
        definition.insert("BillingCycle".into(), json!({ "Duration": duration, "DurationType": duration_type }));
    }
    if let Some(derivative) = fields.choice("derivative")? {
        definition.insert("Derivative".into(), derivative);
    }
    if fields.boolean("isTrial", false)? {
        definition.insert("IsTrial".into(), json!(true));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepare(params: Value, settings: Value) -> Result<Plan, NodeError> {
        crate::testing::prepare(&create(), 0, params, settings)
    }

    #[test]
    fn builds_the_service_definition_with_action_types_and_attribute_map() {
        let plan = prepare(
            json!({
                "subscriptionId": "sub-1",
                "addons": { "addon": [{ "productId": "P1", "name": "Domain", "quantity": 2,
                    "attributes": { "attribute": [{ "id": "plan", "value": "Pro", "quantityLinked": true }] } }] },
                "additionalFields": { "derivative": 1, "billingCycleDuration": "1", "billingCycleDurationType": "Month",
                    "account": "{\"ID\":\"1001\"}" }
            }),
            json!({ "addonCreatePath": "/api/Example/Addons/Create/" }),
        )
        .unwrap();
        assert_eq!(plan.request().unwrap().path, "api/Example/Addons/Create");
        assert_eq!(
            plan.request().unwrap().body.clone().unwrap(),
            json!({
                "ID": "sub-1", "ActionType": "None",
                "Addons": [{ "ProductID": "P1", "Name": "Domain", "ActionType": "Provision", "Quantity": 2,
                    "AttributeList": { "plan": { "ID": "plan", "Value": "Pro", "QuantityLinked": true } } }],
                "Derivative": 1, "BillingCycle": { "Duration": "1", "DurationType": "Month" }, "Account": { "ID": "1001" }
            })
        );
    }

    #[test]
    fn refuses_missing_parts_before_sending() {
        let error = prepare(json!({ "addons": {} }), json!({})).err().unwrap();
        assert_eq!(error.message, "Parameter \"Subscription ID\" of item 0 is required");
        let error = prepare(json!({ "subscriptionId": "s" }), json!({})).err().unwrap();
        assert!(error.message.contains("\"Add-Ons\""), "{}", error.message);
        let error = prepare(
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P", "quantity": 0 }] } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("\"Quantity\""), "{}", error.message);
        let error = prepare(
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P" }] } }),
            json!({ "addonCreatePath": "../admin" }),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("plain path"));
    }
}
