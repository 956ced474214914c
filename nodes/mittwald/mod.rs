//! mittwald mStudio API v2 (spec: openapi.json beside this file's origin in shared/specs).
//! Resources are the spec's tags, operation values its operationIds, field names its parameter names.

mod article;
mod marketplace;

use crate::prelude::*;

pub fn node() -> Node {
    Node {
        name: "mittwald",
        display_name: "mittwald",
        description: "Order extensions and browse articles in the mittwald mStudio marketplace",
        icon: "mittwald.svg",
        credential: Some("mittwaldApi"),
        default_base_url: Some("https://api.mittwald.de"),
        resources: vec![
            Resource { value: "Marketplace", name: "Marketplace", operations: vec![marketplace::order_extension()] },
            Resource { value: "Article", name: "Article", operations: vec![article::list(), article::get()] },
        ],
        vendor_error,
    }
}

pub fn credential() -> Credential {
    Credential {
        name: "mittwaldApi",
        display_name: "mittwald API",
        documentation_url: "https://developer.mittwald.de/docs/v2/api/intro/",
        properties: vec![
            Property::password("apiToken", "API Token")
                .required()
                .describe("An mStudio API token (User settings → API tokens)"),
            base_url_property("https://api.mittwald.de"),
        ],
        test: Some(json!({
            "request": { "baseURL": "={{$credentials.baseUrl}}", "url": "/v2/projects", "qs": { "limit": 1 } }
        })),
        base_url_field: Some("baseUrl"),
        headers: |credential, values| Ok(vec![("x-access-token".into(), credential.field(values, "apiToken")?.into())]),
    }
}

/// mittwald errors are `{type, message, validationErrors?: [{path, message, type}]}`.
fn vendor_error(response: &Response) -> VendorError {
    let Ok(body) = response.json() else { return VendorError::default() };
    let message = body["message"].as_str().or(body["type"].as_str()).unwrap_or_default();
    let details: Vec<String> = body["validationErrors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let path = e["path"].as_str().filter(|p| !p.is_empty()).unwrap_or("(request)");
            format!("{path}: {}", e["message"].as_str().unwrap_or("invalid"))
        })
        .collect();
    VendorError {
        message: match response.status {
            429 => format!("mittwald rate limit reached: {message}"),
            _ => message.to_string(),
        },
        description: Some(if details.is_empty() {
            format!("mittwald answered HTTP {} ({})", response.status, body["type"].as_str().unwrap_or("error"))
        } else {
            details.join("\n")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_become_a_readable_list() {
        let response = Response {
            status: 400,
            headers: vec![],
            body: br#"{"type":"ValidationError","message":"Validation failed","validationErrors":[
                {"path":"customerId","message":"must be uuid","type":"format"},{"message":"bad","type":"x"}]}"#
                .to_vec(),
        };
        let error = vendor_error(&response);
        assert_eq!(error.message, "Validation failed");
        assert_eq!(error.description.unwrap(), "customerId: must be uuid\n(request): bad");
    }
}
