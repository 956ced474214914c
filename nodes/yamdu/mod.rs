//! Webgate Yamdu orders (seed: shared/seeds/001_…): order a Webgate product, read an order, and wait
//! until Webgate has packed it. Every answer is an envelope `{status, status_message, info, data}`;
//! the order is `data.order`.

mod order;

use crate::error::snippet;
use crate::prelude::*;

pub fn node() -> Node {
    Node {
        name: "yamdu",
        display_name: "Webgate Yamdu",
        description: "Order Webgate products (Yamdu) and wait until they are packed",
        icon: "yamdu.svg",
        icon_dark: Some("yamdu.dark.svg"),
        credential: Some("yamduApi"),
        default_base_url: None,
        resources: vec![Resource { value: "order", name: "Order", operations: vec![order::create(), order::get()] }],
        vendor_error,
        polling: None,
        docs_url: crate::nodes::docs!("webgate-yamdu"),
        aliases: &["Webgate", "Yamdu", "order", "marketplace"],
    }
}

pub fn credential() -> Credential {
    Credential {
        name: "yamduApi",
        display_name: "Webgate Yamdu API",
        documentation_url: crate::nodes::docs!("webgate-yamdu"),
        properties: vec![
            Property::string("baseUrl", "Base URL")
                .required()
                .placeholder("https://yamdu.example.com")
                .describe("The address of your Yamdu server, without /api: orders go to <Base URL>/api/orders"),
            Property::password("accessToken", "Access Token")
                .required()
                .describe("The bearer token Webgate gave you for its orders API"),
            Property::notice(
                "noTest",
                "Yamdu's orders API has no call that reads without an order to read, so this credential cannot be \
                 tested here: the first real call tells whether Yamdu accepts the token.",
            ),
        ],
        test: None,
        base_url_field: Some("baseUrl"),
        headers: |credential, values| {
            Ok(vec![("Authorization".into(), format!("Bearer {}", credential.field(values, "accessToken")?))])
        },
        oauth2: None,
        icon: ("yamdu.svg", Some("yamdu.dark.svg")),
    }
}

/// What a refused token means for the user.
const UNAUTHORIZED: &str =
    "Check the credential's Access Token (the one Webgate gave you) and that its Base URL is your Yamdu server's, without /api";

/// The field in which Yamdu echoes the admin's OAuth token; it never reaches an output.
const ADMIN_TOKEN_FIELD: &str = "admin_user_access_token";

/// Masks every `admin_user_access_token` value, however deep.
fn mask_admin_token(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == ADMIN_TOKEN_FIELD && !inner.is_null() {
                    *inner = json!("[redacted]");
                } else {
                    mask_admin_token(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_admin_token),
        _ => {}
    }
}

/// The order inside a success envelope. An envelope whose own `status` is an error fails even when
/// it came with HTTP 2xx.
fn order_of(mut answer: Value) -> Result<Value, NodeError> {
    if let Some(status) = answer["status"].as_u64().filter(|s| *s >= 400) {
        let error = envelope_error(&answer, status);
        let mut error = NodeError::api(error.message).with_description(error.description.unwrap_or_default());
        error.http_code = Some(status.to_string());
        return Err(error);
    }
    match answer.pointer_mut("/data/order") {
        Some(order) if order.is_object() => Ok(order.take()),
        _ => Err(NodeError::api("Yamdu answered without an order (expected {\"data\": {\"order\": …}})")
            .with_description(snippet(&answer.to_string()))),
    }
}

/// Yamdu's errors come in the same envelope: `info` (or `status_message`) says what, and `errors`
/// (in `data` or at the top) may list the details, as strings or as `{field: [messages]}`.
fn envelope_error(body: &Value, status: u64) -> VendorError {
    let text = |v: &Value| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let said = ["info", "error", "message", "status_message"].iter().find_map(|k| text(&body[k]));
    let errors = if body["data"]["errors"].is_null() { &body["errors"] } else { &body["data"]["errors"] };
    let details: Vec<String> = match errors {
        Value::Array(list) => list.iter().map(|e| text(e).unwrap_or_else(|| e.to_string())).collect(),
        Value::Object(fields) => fields
            .iter()
            .map(|(field, messages)| match messages {
                Value::Array(list) => {
                    format!("{field}: {}", list.iter().filter_map(text).collect::<Vec<_>>().join(", "))
                }
                other => format!("{field}: {}", text(other).unwrap_or_else(|| other.to_string())),
            })
            .collect(),
        _ => Vec::new(),
    };
    if status == 401 || status == 403 {
        return VendorError {
            message: format!("Yamdu refused the access token (HTTP {status})"),
            description: Some(said.unwrap_or_else(|| "Check the Access Token of the Webgate Yamdu credential".into())),
        };
    }
    VendorError {
        message: said.unwrap_or_default(),
        description: Some(if details.is_empty() { snippet(&body.to_string()) } else { details.join("\n") }),
    }
}

fn vendor_error(response: &Response) -> VendorError {
    match response.json() {
        Ok(mut body) if !body.is_null() => {
            mask_admin_token(&mut body);
            let mut error = envelope_error(&body, u64::from(response.status));
            if response.status == 401 {
                let said = error.description.take().map(|d| format!("{d}\n")).unwrap_or_default();
                error.description = Some(format!("{said}{UNAUTHORIZED}"));
            }
            error
        }
        _ if response.status == 401 => VendorError { message: String::new(), description: Some(UNAUTHORIZED.into()) },
        _ => VendorError::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response { status, headers: vec![], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn the_order_comes_out_of_its_envelope() {
        let answer = json!({ "status": 201, "status_message": "Created", "info": "", "data": { "order": { "order_hash": "ab" } } });
        assert_eq!(order_of(answer).unwrap(), json!({ "order_hash": "ab" }));
        let error = order_of(json!({ "status": 200, "data": {} })).unwrap_err();
        assert!(error.message.starts_with("Yamdu answered without an order"), "{}", error.message);
        let error = order_of(json!({ "status": 422, "info": "product is not accepted", "data": {} })).unwrap_err();
        assert_eq!((error.message.as_str(), error.http_code.as_deref()), ("product is not accepted", Some("422")));
    }

    #[test]
    fn vendor_errors_list_their_details_and_never_the_admin_token() {
        let error = vendor_error(&response(
            422,
            r#"{"status":422,"status_message":"Unprocessable Entity","info":"Order is invalid",
                "data":{"errors":{"client_id":["must not be given with client_name"]}}}"#,
        ));
        assert_eq!(error.message, "Order is invalid");
        assert_eq!(error.description.unwrap(), "client_id: must not be given with client_name");
        let error = vendor_error(&response(
            500,
            r#"{"status_message":"Internal Server Error","data":{"order":{"admin_user_access_token":"adm-secret"}}}"#,
        ));
        assert_eq!(error.message, "Internal Server Error");
        let description = error.description.unwrap();
        assert!(!description.contains("adm-secret") && description.contains("[redacted]"), "{description}");
        let error = vendor_error(&response(401, r#"{"status":401,"info":"Invalid token"}"#));
        assert_eq!(error.message, "Yamdu refused the access token (HTTP 401)");
        assert_eq!(error.description.unwrap(), format!("Invalid token\n{UNAUTHORIZED}"));
        assert_eq!(vendor_error(&response(502, "<html>bad gateway</html>")), VendorError::default());
    }

    #[test]
    fn the_credential_sends_a_bearer_token() {
        let credential = credential();
        let values = json!({ "baseUrl": "https://y.example", "accessToken": "tok" }).as_object().unwrap().clone();
        assert_eq!(
            (credential.headers)(&credential, &values).unwrap(),
            vec![("Authorization".into(), "Bearer tok".into())]
        );
        assert_eq!(credential.base_url(&values), Some("https://y.example"));
        let error = (credential.headers)(&credential, &Map::new()).unwrap_err();
        assert!(error.message.contains("Access Token"), "{}", error.message);
    }
}
