//! The generated form of a body with an object that holds a list of objects (AppDirect's order and
//! its order lines): what n8n shows, and the request read back from what n8n stores.

use serde_json::{json, Value};

use super::form::operation;
use super::spec::{Answer, BodySpec, Kind, OpSpec, Schema, SchemaId, Variant};
use crate::http::Method;
use crate::node::{Operation, Plan};

const BODY: SchemaId = 0;
const TEXT: SchemaId = 1;
const ORDER: SchemaId = 2;
const LINES: SchemaId = 3;
const LINE: SchemaId = 4;
const COUNT: SchemaId = 5;
const SETTINGS: SchemaId = 6;
const FLAG: SchemaId = 7;

static SCHEMAS: [Schema; 8] = [
    Schema {
        properties: &[("order", ORDER), ("note", TEXT)],
        property_labels: &["Order", "Note"],
        required: &["order"],
        ..Schema::of(Kind::Object)
    },
    Schema::of(Kind::String),
    Schema {
        properties: &[("paymentPlanId", TEXT), ("orderLines", LINES)],
        property_labels: &["Payment Plan ID", "Order Lines"],
        required: &["paymentPlanId"],
        ..Schema::of(Kind::Object)
    },
    Schema { items: Some(LINE), min_items: Some(1), ..Schema::of(Kind::Array) },
    Schema {
        properties: &[("unit", TEXT), ("quantity", COUNT), ("settings", SETTINGS), ("trial", FLAG)],
        property_labels: &["Unit", "Quantity", "Settings", "Trial"],
        required: &["unit"],
        ..Schema::of(Kind::Object)
    },
    Schema { minimum: Some(1.0), ..Schema::of(Kind::Integer) },
    // Three levels down: the form offers it as JSON.
    Schema { properties: &[("mode", TEXT)], property_labels: &["Mode"], ..Schema::of(Kind::Object) },
    Schema::of(Kind::Boolean),
];

static SPEC: OpSpec = OpSpec {
    id: "createSubscription",
    tag: "subscription",
    summary: "",
    description: "",
    name: "Create a subscription",
    resource: "Subscription",
    method: Method::Post,
    path: "/subscriptions",
    public: false,
    params: &[],
    body: Some(BodySpec {
        content_type: "application/json",
        required: true,
        variants: &[Variant { label: "body", title: "", schema: BODY }],
    }),
    fields: &[("order", "Order"), ("note", "Note")],
    answer: Answer::Object,
    paging: None,
};

fn create() -> Operation {
    operation(&SPEC, &SCHEMAS, &[])
}

fn body(params: Value) -> Result<Value, String> {
    match crate::testing::prepare(&create(), 0, params, json!({})) {
        Ok(Plan::Call { request, .. }) => Ok(request.body.clone().unwrap_or(Value::Null)),
        Ok(Plan::Done(_)) => Err("no request".into()),
        Err(error) => Err(error.message),
    }
}

#[test]
fn a_list_of_objects_inside_an_object_is_offered_as_entries_with_their_optional_fields_added_one_by_one() {
    let form = serde_json::to_value(&create().properties).unwrap();
    let order = form.as_array().unwrap().iter().find(|p| p["name"] == "order").unwrap();
    assert_eq!(order["type"], "collection");
    assert_eq!(order["required"], true);
    let lines = order["options"].as_array().unwrap().iter().find(|p| p["name"] == "orderLines").unwrap();
    assert_eq!(lines["type"], "fixedCollection");
    assert_eq!(lines["typeOptions"]["multipleValues"], true);
    assert_eq!(lines["placeholder"], "Add Order Line");
    let group = &lines["options"][0];
    assert_eq!((group["name"].as_str(), group["displayName"].as_str()), (Some("entry"), Some("Order Line")));
    let values: Vec<(&str, &str)> = group["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["type"].as_str().unwrap()))
        .collect();
    // The required field is shown; the optional ones wait in a collection, so no default is sent.
    assert_eq!(values, [("unit", "string"), ("additionalFields", "collection")]);
    assert_eq!(group["values"][0]["required"], true);
    let optional: Vec<(&str, &str)> = group["values"][1]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["type"].as_str().unwrap()))
        .collect();
    assert_eq!(optional, [("quantity", "number"), ("settings", "json"), ("trial", "boolean")]);
}

#[test]
fn entries_are_read_as_the_list_with_only_what_was_set() {
    // What n8n hands over: each entry with its plain fields filled, its collection as added.
    let sent = body(json!({
        "order": {
            "paymentPlanId": "plan-1",
            "orderLines": { "entry": [
                { "unit": "USER", "additionalFields": { "quantity": 3, "trial": false } },
                { "unit": "GIGABYTE", "additionalFields": {} },
                { "unit": "HOUR", "additionalFields": { "settings": "{\"mode\": \"fast\"}" } },
            ] },
        },
    }));
    assert_eq!(
        sent,
        Ok(json!({ "order": { "paymentPlanId": "plan-1", "orderLines": [
            { "unit": "USER", "quantity": 3, "trial": false },
            { "unit": "GIGABYTE" },
            { "unit": "HOUR", "settings": { "mode": "fast" } },
        ] } }))
    );
}

#[test]
fn a_list_given_as_json_text_or_by_an_expression_is_taken_as_the_list() {
    let wanted = Ok(json!({ "order": { "paymentPlanId": "p", "orderLines": [{ "unit": "USER", "quantity": 2 }] } }));
    let text = json!({ "order": { "paymentPlanId": "p", "orderLines": "[{\"unit\": \"USER\", \"quantity\": 2}]" } });
    assert_eq!(body(text), wanted);
    let list = json!({ "order": { "paymentPlanId": "p", "orderLines": [{ "unit": "USER", "quantity": 2 }] } });
    assert_eq!(body(list), wanted);
    // Added with no entries: nothing of the list is sent.
    let empty = json!({ "order": { "paymentPlanId": "p", "orderLines": {} } });
    assert_eq!(body(empty), Ok(json!({ "order": { "paymentPlanId": "p" } })));
}

#[test]
fn errors_inside_entries_name_the_object_the_entry_and_the_field() {
    let missing = json!({ "order": { "paymentPlanId": "p", "orderLines": { "entry": [
        { "unit": "USER" }, { "unit": " " },
    ] } } });
    assert_eq!(body(missing), Err("Parameter \"Order › Order Lines 2 › Unit\" of item 0 is required".to_string()));
    let bad = json!({ "order": { "paymentPlanId": "p", "orderLines": { "entry": [
        { "unit": "USER", "additionalFields": { "quantity": "many" } },
    ] } } });
    assert_eq!(
        body(bad),
        Err("Parameter \"Order › Order Lines 1 › Quantity\" of item 0 must be a number, got \"many\"".to_string())
    );
    let no_plan = json!({ "order": { "orderLines": { "entry": [{ "unit": "USER" }] } } });
    assert_eq!(body(no_plan), Err("Parameter \"Order › Payment Plan ID\" of item 0 is required".to_string()));
    // The spec's own limits still hold on the list: a quantity below its minimum.
    let below = json!({ "order": { "paymentPlanId": "p", "orderLines": { "entry": [
        { "unit": "USER", "additionalFields": { "quantity": 0 } },
    ] } } });
    let message = body(below).unwrap_err();
    assert!(message.starts_with("Parameter \"Order\" of item 0 ") && message.contains("quantity"), "{message}");
}

#[test]
fn entry_headings_are_the_singular_of_the_list_label() {
    for (plural, one) in [
        ("Order Lines", "Order Line"),
        ("Categories", "Category"),
        ("Addresses", "Address"),
        ("Boxes", "Box"),
        ("Access", "Access"),
        ("Data", "Data"),
    ] {
        assert_eq!(super::form::singular(plural), one);
    }
}
