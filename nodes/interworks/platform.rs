//! Verify Platform Call, for a workflow that *is* the connector (Webhook → this → … → Respond to
//! Webhook). Nothing is sent: the platform's headers are checked against the credential, its
//! ServiceDefinition is read, and the output says what to provision, update and cancel, with the
//! `{Code, Message, Result}` answer to give back.

use base64::Engine;

use crate::prelude::*;

use super::calls;
use super::definition::{apply_rules, check_definition, object_or_item, Call};

const APPLICATION_ID_HEADER: &str = "X-CloudPlatform-ApplicationId";
const API_KEY_HEADER: &str = "X-CloudPlatform-APIKey";

pub fn verify() -> Operation {
    let mut calls_choices = vec![Choice::new("Any (Tell From Its ActionTypes)", "any")];
    calls_choices.extend(calls().map(|call| Choice::new(call.title, call.value)));
    Operation::new("verifyPlatformCall", "Verify Platform Call", "Verify an incoming platform call", |input| {
        let p = &input.params;
        let no_headers = Value::Object(Map::new());
        let item_headers = input.json.get("headers").unwrap_or(&no_headers);
        let headers = object_or_item(p, "headers", item_headers, "the item's headers")?;
        check_caller(&headers, input)?;

        let mut definition = object_or_item(p, "body", &body_of(input.json), "the item's body")?;
        check_definition(&mut definition)
            .map_err(|problem| p.invalid("body", format!("is not a valid ServiceDefinition: {problem}")))?;
        let call = match p.choice("expectedCall")?.as_ref().and_then(Value::as_str) {
            None | Some("any") => infer(&definition),
            Some(expected) => {
                let call = calls().find(|c| c.value == expected).expect("a declared choice");
                fits(call, &mut definition)
                    .map_err(|problem| p.invalid("body", format!("does not fit {}: {problem}", call.title)))?;
                Some(call)
            }
        };
        Ok(Plan::Done(vec![outcome(&definition, call, &headers)]))
    })
    .describe(
        "Check an incoming call's application ID and API key against the credential and say what it asks for \
         (for a workflow that is the connector; sends nothing)",
    )
    .fields(vec![
        Property::options("expectedCall", "Expected Call", calls_choices).describe(
            "The endpoint this webhook serves; the call's ActionTypes must fit it. Any: tell it from its ActionTypes.",
        ),
        Property::json("headers", "Headers", "={{ $json.headers }}").describe(
            "The call's HTTP headers, names in any case. Empty: the incoming item's headers (as the Webhook \
             node gives them).",
        ),
        Property::json("body", "Subscription Details (Body)", "={{ $json.body }}")
            .describe("The body the platform sent. Empty: the incoming item's body."),
    ])
}

/// The Webhook node's body: an object, or JSON text when the body was kept raw.
fn body_of(item: &Value) -> Value {
    match item.get("body") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        Some(body) => body.clone(),
        None => Value::Null,
    }
}

fn header<'h>(headers: &'h Map<String, Value>, name: &str) -> Option<&'h str> {
    let (_, value) = headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name))?;
    match value {
        Value::String(text) => Some(text.trim()),
        Value::Array(values) if values.len() == 1 => values[0].as_str().map(str::trim),
        _ => None,
    }
    .filter(|text| !text.is_empty())
}

/// The caller must present this connector's application ID and key, compared in constant time.
fn check_caller(headers: &Map<String, Value>, input: &Input) -> Result<(), NodeError> {
    let refused = |why: String| {
        NodeError::input(format!("The platform call was refused: {why}"))
            .with_description(
                "Do not act on it; answer it with HTTP 401. The credential's Application ID, API Key and API Key \
                 Header must be what the platform was given for this connector.",
            )
            .with_http_code(401)
    };
    let presented_id = header(headers, APPLICATION_ID_HEADER)
        .ok_or_else(|| refused(format!("it has no {APPLICATION_ID_HEADER} header")))?;
    let presented_key =
        header(headers, API_KEY_HEADER).ok_or_else(|| refused(format!("it has no {API_KEY_HEADER} header")))?;
    let missing = |field: &str| NodeError::input(format!("The credential has no {field} to check the call against"));
    let application_id = input.setting("applicationId").ok_or_else(|| missing("Application ID"))?;
    let api_key = input.setting("apiKey").ok_or_else(|| missing("API Key"))?;
    let presented_key = match input.setting("apiKeyEncoding") {
        Some("plain") => presented_key.as_bytes().to_vec(),
        // What the SDK does: the header is Base64 of the key. Not Base64 → matches nothing.
        _ => base64::engine::general_purpose::STANDARD.decode(presented_key).unwrap_or_default(),
    };
    let same_id =
        same_bytes(presented_id.to_ascii_lowercase().as_bytes(), application_id.to_ascii_lowercase().as_bytes());
    let same_key = same_bytes(&presented_key, api_key.as_bytes());
    if same_id & same_key {
        Ok(())
    } else {
        Err(refused(format!("its {APPLICATION_ID_HEADER} / {API_KEY_HEADER} do not match the credential")))
    }
}

/// Compares without stopping at the first difference, so the time taken says nothing about where it is.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        difference |= usize::from(std::hint::black_box(x ^ y));
    }
    difference == 0
}

fn action_type(value: &Value) -> &str {
    value.get("ActionType").and_then(Value::as_str).unwrap_or("None")
}

/// An `ID` that is set (the platform sends `null` or nothing for what the vendor has not created yet).
fn external_id(id: Option<&Value>) -> Option<&str> {
    id.and_then(Value::as_str).map(str::trim).filter(|id| !id.is_empty())
}

fn addons(definition: &Map<String, Value>) -> &[Value] {
    definition.get("Addons").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The call's ActionTypes must be the ones `call` sends.
fn fits(call: &Call, definition: &mut Map<String, Value>) -> Result<(), String> {
    let given = definition.get("ActionType").and_then(Value::as_str).unwrap_or("nothing");
    if given != call.rules.parent {
        return Err(format!("its ActionType is {given}; {} sends {}", call.title, call.rules.parent));
    }
    apply_rules(definition, call.rules)
}

/// Which call this is, told from the ActionTypes alone (`None`: none of the nine, e.g. an Upgrade).
fn infer(definition: &Map<String, Value>) -> Option<&'static Call> {
    let parent = definition.get("ActionType").and_then(Value::as_str).unwrap_or("None");
    let addons = addons(definition);
    let any = |action: &str, with_id: Option<bool>| {
        addons
            .iter()
            .any(|a| action_type(a) == action && with_id.is_none_or(|w| external_id(a.get("ID")).is_some() == w))
    };
    let value = match parent {
        "Provision" if external_id(definition.get("ID")).is_none() => "subscriptionCreate",
        "Provision" => "subscriptionUpdate",
        "Cancel" => "subscriptionCancel",
        "Suspend" => "subscriptionSuspend",
        "Activate" => "subscriptionActivate",
        "UpgradeToPaid" => "subscriptionUpgradeToPaid",
        "None" if any("Cancel", None) => "addonCancel",
        "None" if any("Provision", Some(true)) && !any("Provision", Some(false)) => "addonUpdate",
        "None" if any("Provision", None) => "addonCreate",
        _ => return None,
    };
    calls().find(|call| call.value == value)
}

/// What the call asks for, grouped so each group can drive its own branch of the workflow.
fn outcome(definition: &Map<String, Value>, call: Option<&Call>, headers: &Map<String, Value>) -> Value {
    let id = external_id(definition.get("ID"));
    let creates = |addon: &Value| match call.map(|c| c.value) {
        Some("addonCreate" | "subscriptionCreate") => true,
        Some("addonUpdate" | "subscriptionUpdate") => false,
        _ => external_id(addon.get("ID")).is_none(),
    };
    let mut groups = json!({ "provision": [], "update": [], "cancel": [], "unchanged": [], "other": [] });
    for addon in addons(definition) {
        let group = match action_type(addon) {
            "Provision" if creates(addon) => "provision",
            "Provision" => "update",
            "Cancel" => "cancel",
            "None" => "unchanged",
            _ => "other",
        };
        groups[group].as_array_mut().expect("a list").push(addon.clone());
    }
    let parent = definition.get("ActionType").and_then(Value::as_str).unwrap_or("None");
    let subscription_action = match parent {
        "Provision" if call.is_some_and(|c| c.value == "subscriptionCreate") || id.is_none() => "create".to_string(),
        "Provision" => "update".to_string(),
        other => other[..1].to_ascii_lowercase() + &other[1..],
    };
    const SETTING: &str = "x-cloudplatform-setting-";
    let mut settings = Map::new();
    for (name, value) in headers {
        if name.len() > SETTING.len() && name[..SETTING.len()].eq_ignore_ascii_case(SETTING) {
            settings.insert(name[SETTING.len()..].to_string(), value.clone());
        }
    }
    json!({
        "verified": true,
        "call": call.map(|c| c.value),
        "subscriptionId": id,
        "subscriptionAction": subscription_action,
        "addons": groups,
        "checkOnly": definition.get("CheckOnly").and_then(Value::as_bool).unwrap_or(false),
        "trackId": header(headers, "X-CloudPlatform-TrackId"),
        "platformBaseUri": header(headers, "X-CloudPlatform-BaseUri"),
        "settings": settings,
        "answer": { "Code": 0, "Message": "", "Result": id },
        "serviceDefinition": definition,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{block_on, MockHost};

    const APP: &str = "6f1c2a9e-1111-4a2b-9c3d-5e6f7a8b9c0d";

    /// One item through the whole runtime, as a host would run it; nothing may be sent.
    fn run(item: Value, params: Value, credentials: Value) -> Result<Value, NodeError> {
        let mut parameters = params;
        parameters["resource"] = json!("platform");
        parameters["operation"] = json!("verifyPlatformCall");
        let mut credentials = credentials;
        credentials["baseUrl"] = json!("http://connector.test/API");
        let request = crate::boundary::ExecuteRequest::from_json(json!({
            "node": "interworksCloud",
            "items": [{ "json": item, "parameters": parameters }],
            "credentials": credentials,
        }))
        .unwrap();
        let host = MockHost::new(vec![]);
        let result = block_on(crate::engine::execute(&crate::nodes::registry(), request, &host));
        assert!(host.sent().is_empty(), "Verify Platform Call must not send anything");
        match result.error {
            Some(error) => Err(error),
            None => Ok(result.items[0].json.value()),
        }
    }

    fn credentials() -> Value {
        json!({ "applicationId": APP, "apiKey": "s3cret-key" })
    }

    fn webhook_item(app: &str, key: &str, body: Value) -> Value {
        json!({ "headers": { "x-cloudplatform-applicationid": app, "x-cloudplatform-apikey": key,
            "x-cloudplatform-trackid": "t-1", "x-cloudplatform-setting-region": "eu|us", "content-type": "application/json" },
            "params": {}, "query": {}, "body": body, "webhookUrl": "http://n8n/webhook/x", "executionMode": "production" })
    }

    fn addon_update() -> Value {
        json!({ "ID": "ext-1", "ActionType": "None", "Addons": [
            { "ID": "a-1", "ProductID": "P1", "ActionType": "Provision", "Quantity": 5 },
            { "ID": "a-2", "ProductID": "P2", "ActionType": "None", "Quantity": 1 }
        ] })
    }

    #[test]
    fn a_call_with_this_connectors_key_says_what_to_do() {
        let item = webhook_item(&APP.to_uppercase(), "czNjcmV0LWtleQ==", addon_update());
        let out = run(item, json!({}), credentials()).unwrap();
        assert_eq!(out["verified"], true);
        assert_eq!(out["call"], "addonUpdate");
        assert_eq!(out["subscriptionAction"], "none");
        assert_eq!(out["addons"]["update"][0]["ID"], "a-1");
        assert_eq!(out["addons"]["unchanged"][0]["ID"], "a-2");
        assert_eq!(out["addons"]["provision"], json!([]));
        assert_eq!(out["answer"], json!({ "Code": 0, "Message": "", "Result": "ext-1" }));
        assert_eq!(out["trackId"], "t-1");
        assert_eq!(out["settings"], json!({ "region": "eu|us" }));
    }

    #[test]
    fn a_wrong_or_missing_key_is_refused_never_passed() {
        let cases = [
            (webhook_item(APP, "d3Jvbmc=", addon_update()), "do not match"),
            (webhook_item(APP, "s3cret-key", addon_update()), "do not match"), // plain where Base64 is expected
            (webhook_item(APP, "!!not base64!!", addon_update()), "do not match"),
            (webhook_item("00000000-0000-4000-8000-000000000000", "czNjcmV0LWtleQ==", addon_update()), "do not match"),
            (
                json!({ "headers": { "x-cloudplatform-applicationid": APP }, "body": addon_update() }),
                "no X-CloudPlatform-APIKey",
            ),
            (json!({ "body": addon_update() }), "no X-CloudPlatform-ApplicationId"),
        ];
        for (item, expected) in cases {
            let error = run(item, json!({}), credentials()).unwrap_err();
            assert!(error.message.starts_with("The platform call was refused"), "{}", error.message);
            assert!(error.message.contains(expected), "{}", error.message);
            assert_eq!(error.http_code.as_deref(), Some("401"));
            assert!(!error.message.contains("s3cret"));
        }
        let plain = json!({ "applicationId": APP, "apiKey": "s3cret-key", "apiKeyEncoding": "plain" });
        assert!(run(webhook_item(APP, "s3cret-key", addon_update()), json!({}), plain.clone()).is_ok());
        assert!(run(webhook_item(APP, "czNjcmV0LWtleQ==", addon_update()), json!({}), plain).is_err());
    }

    #[test]
    fn the_expected_call_must_fit_the_action_types() {
        let item = webhook_item(APP, "czNjcmV0LWtleQ==", addon_update());
        let error = run(item.clone(), json!({ "expectedCall": "addonCancel" }), credentials()).unwrap_err();
        assert!(
            error.message.ends_with(
                "does not fit Addon Cancel: Addons[0].ActionType is \"Provision\"; this call has only \"Cancel\" \
                 (the add-ons it acts on) and \"None\" (the others)"
            ),
            "{}",
            error.message
        );
        let error = run(item.clone(), json!({ "expectedCall": "subscriptionCreate" }), credentials()).unwrap_err();
        assert!(error.message.contains("its ActionType is None"), "{}", error.message);
        assert_eq!(error.http_code, None);
        let out = run(item, json!({ "expectedCall": "addonUpdate" }), credentials()).unwrap();
        assert_eq!(out["call"], "addonUpdate");
    }

    #[test]
    fn headers_and_body_may_come_from_parameters_and_raw_text() {
        let headers = json!({ "X-CloudPlatform-ApplicationId": APP, "X-CloudPlatform-APIKey": ["czNjcmV0LWtleQ=="] });
        let body = json!({ "ActionType": "Provision", "ProductID": "P", "Quantity": 3, "CheckOnly": true });
        let out = run(json!({}), json!({ "headers": headers, "body": body.to_string() }), credentials()).unwrap();
        assert_eq!(out["call"], "subscriptionCreate");
        assert_eq!(out["subscriptionAction"], "create");
        assert_eq!(out["checkOnly"], true);
        assert_eq!(out["answer"]["Result"], Value::Null);

        let raw = webhook_item(APP, "czNjcmV0LWtleQ==", json!(r#"{"ID":"s","ActionType":"Suspend"}"#));
        let out = run(raw, json!({ "headers": "={{ $json.headers }}" }), credentials()).unwrap();
        assert_eq!(out["call"], "subscriptionSuspend");
        assert_eq!(out["subscriptionAction"], "suspend");

        let bad = webhook_item(APP, "czNjcmV0LWtleQ==", json!({ "AttributeList": [] }));
        let error = run(bad, json!({}), credentials()).unwrap_err();
        assert!(
            error.message.contains("\"Subscription Details (Body)\" of item 0 is not a valid ServiceDefinition"),
            "{}",
            error.message
        );
    }

    #[test]
    fn comparing_takes_every_byte() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"abcd"));
        assert!(!same_bytes(b"", b"a"));
        assert!(same_bytes(b"", b""));
    }
}
