//! Interworks Cloud service-management connector (wire notes: shared/specs/interworks/WIRE.md).
//! The platform and a connector exchange a ServiceDefinition; success and failure both come back as
//! HTTP 200, told apart only by `Code`. A workflow can also *be* the connector: `platform` checks the
//! calls the platform makes to it.

mod addon;
mod definition;
mod platform;
mod subscription;

use base64::Engine;

use crate::prelude::*;

pub fn node() -> Node {
    Node {
        name: "interworksCloud",
        display_name: "Interworks Cloud",
        description: "Call an Interworks Cloud service-management connector",
        icon: "interworks.svg",
        icon_dark: Some("interworks.dark.svg"),
        credential: Some("interworksCloudApi"),
        default_base_url: None,
        resources: vec![
            Resource {
                value: "addon",
                name: "Addon",
                operations: addon::CALLS.iter().map(|c| c.operation()).collect(),
            },
            Resource {
                value: "subscription",
                name: "Subscription",
                operations: subscription::CALLS.iter().map(|c| c.operation()).collect(),
            },
            Resource { value: "platform", name: "Incoming Platform Call", operations: vec![platform::verify()] },
        ],
        vendor_error,
        polling: None,
        docs_url: crate::nodes::docs!("interworks-cloud"),
        aliases: &["Interworks", "cloud connector", "marketplace", "subscription", "addon"],
    }
}

/// Every connector endpoint the node calls.
fn calls() -> impl Iterator<Item = &'static definition::Call> {
    addon::CALLS.into_iter().chain(subscription::CALLS)
}

pub fn credential() -> Credential {
    let mut properties = vec![
        Property::string("baseUrl", "Connector Base URL")
            .required()
            .placeholder("https://connector.example.com/API")
            .describe("The root the connector's endpoints are mounted under"),
        Property::string("applicationId", "Application ID")
            .required()
            .describe("X-CloudPlatform-ApplicationId (a GUID)"),
        Property::password("apiKey", "API Key").required(),
        Property::options(
            "apiKeyEncoding",
            "API Key Header",
            vec![
                Choice::new("Base64 of the Key", "base64").describe("What the Interworks SDK expects"),
                Choice::new("Key as Is", "plain"),
            ],
        ),
    ];
    properties.push(Property::notice(
        "noTest",
        "The connector has no call that reads without changing anything, so this credential cannot be \
             tested here: the first real call tells whether the connector accepts it.",
    ));
    properties.push(
        Property::boolean(CUSTOM_PATHS, "Custom Endpoint Paths", false)
            .describe("Turn on only if your connector serves its calls under other paths than the documented ones"),
    );
    properties.extend(calls().map(|call| {
        Property::string(call.setting, &format!("{} Path", call.title))
            .default_value(call.default_path)
            .describe(format!("Path of the {} endpoint under the base URL", call.title))
            .show_when(CUSTOM_PATHS, &[json!(true)])
    }));
    Credential {
        name: "interworksCloudApi",
        display_name: "Interworks Cloud Connector",
        documentation_url: crate::nodes::docs!("interworks-cloud"),
        properties,
        test: None,
        base_url_field: Some("baseUrl"),
        headers: |credential, values| {
            let key = credential.field(values, "apiKey")?;
            let key = match values.get("apiKeyEncoding").and_then(Value::as_str) {
                Some("plain") => key.to_string(),
                _ => base64::engine::general_purpose::STANDARD.encode(key),
            };
            Ok(vec![
                ("X-CloudPlatform-ApplicationId".into(), credential.field(values, "applicationId")?.into()),
                ("X-CloudPlatform-APIKey".into(), key),
            ])
        },
        oauth2: None,
        icon: ("interworks.svg", Some("interworks.dark.svg")),
    }
}

/// A connector's answer: only `Code == 0` is success, whatever the HTTP status said.
fn result_of(answer: Value) -> Result<Value, NodeError> {
    match answer["Code"].as_i64() {
        Some(0) => Ok(answer),
        code => {
            let code = code.map_or_else(|| "no Code".to_string(), |c| format!("Code {c}"));
            let message =
                answer["Message"].as_str().filter(|m| !m.is_empty()).unwrap_or("The connector reported an error");
            Err(NodeError::api(message)
                .with_description(format!("The connector answered {code}; only Code 0 means success")))
        }
    }
}

fn vendor_error(response: &Response) -> VendorError {
    if response.status == 401 || response.status == 403 {
        return VendorError {
            message: format!("The connector refused the application ID / API key (HTTP {})", response.status),
            description: Some("Check the Application ID, the API key and its header encoding in the credential".into()),
        };
    }
    let message = response.json().ok().and_then(|b| b["Message"].as_str().map(String::from)).unwrap_or_default();
    let description = matches!(response.status, 401 | 403).then(|| {
        format!(
            "The connector refused the credential (HTTP {}): check the Application ID, the API Key and whether \
             the connector expects the key Base64-encoded (API Key Header)",
            response.status
        )
    });
    VendorError { message, description }
}

/// The credential's switch for its endpoint paths.
const CUSTOM_PATHS: &str = "customPaths";

/// An endpoint path from the credential, kept under the base URL whatever was typed. With the switch
/// off the documented path is used; a credential from before the switch (no such field) keeps its paths.
fn endpoint(input: &Input, setting: &str, default: &str) -> Result<String, NodeError> {
    let custom = !matches!(input.credentials.get(CUSTOM_PATHS), Some(Value::Bool(false)));
    let given = input.setting(setting).filter(|_| custom);
    let path = given.unwrap_or(default).trim_matches('/');
    if path.contains("://")
        || path.split('/').any(|segment| segment == ".." || segment == ".")
        || path.contains(['?', '#'])
    {
        return Err(NodeError::input(format!(
            "The credential's path \"{path}\" must be a plain path under the base URL"
        )));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_zero_is_success() {
        assert!(result_of(json!({"Code": 0, "Result": "x"})).is_ok());
        let error = result_of(json!({"Code": -1, "Message": "AddonsCreate functionality is not supported by default"}))
            .unwrap_err();
        assert_eq!(error.message, "AddonsCreate functionality is not supported by default");
        assert!(error.description.unwrap().contains("Code -1"));
        assert!(result_of(json!({})).is_err());
    }

    #[test]
    fn the_key_header_is_base64_unless_asked_otherwise() {
        let credential = credential();
        let mut values = json!({"applicationId": "app", "apiKey": "secret"}).as_object().unwrap().clone();
        let headers = (credential.headers)(&credential, &values).unwrap();
        assert_eq!(headers[1], ("X-CloudPlatform-APIKey".into(), "c2VjcmV0".into()));
        values.insert("apiKeyEncoding".into(), json!("plain"));
        assert_eq!((credential.headers)(&credential, &values).unwrap()[1].1, "secret");
        values.remove("apiKey");
        let error = (credential.headers)(&credential, &values).unwrap_err();
        assert!(error.message.contains("API Key"));
    }
}
