//! mittwald mStudio API v2, generated from `openapi.json` (see `openapi.PROVENANCE.md`).
//! Resources are the spec's tags, operation values its operationIds, field names its parameter names;
//! the three seed operations are written by hand where the spec alone would serve users less well.

mod article;
mod marketplace;
mod names;

/// Every current operation of `openapi.json`, as tables `build.rs` generated from it.
fn spec() -> crate::openapi::tables::Tables {
    crate::openapi::tables::decode(include_bytes!(concat!(env!("OUT_DIR"), "/mittwald_openapi.bin")))
}

use crate::prelude::*;

pub fn node() -> Node {
    Node {
        name: "mittwald",
        display_name: "mittwald",
        description: "Order extensions and browse articles in the mittwald mStudio marketplace",
        icon: "mittwald.svg",
        icon_dark: Some("mittwald.dark.svg"),
        credential: Some("mittwaldApi"),
        default_base_url: Some("https://api.mittwald.de"),
        resources: crate::openapi::resources(
            spec(),
            vec![marketplace::order_extension(), article::list(), article::get()],
            &PICKERS,
        ),
        vendor_error,
        polling: None,
        docs_url: crate::nodes::docs!("mittwald"),
        aliases: &["mStudio", "mittwald mStudio", "marketplace", "extension", "hosting"],
    }
}

/// How mittwald's lists page: `limit`/`skip`, with the total in a header.
const PAGES: Strategy =
    Strategy::Offset { limit: "limit", offset: "skip", total_header: Some("x-pagination-totalcount") };

/// The generated operations' parameters that get a "From List" picker.
static PICKERS: [(&str, &Search); 3] =
    [("projectId", &PROJECTS), ("customerId", &CUSTOMERS), ("extensionId", &EXTENSIONS)];

/// The "From List" pickers of the extension, article, customer and project fields.
pub(crate) static EXTENSIONS: Search = Search {
    method: "searchExtensions",
    path: "/v2/extensions",
    filter_param: Some("searchTerm"),
    pages: Pages::new(PAGES, 50),
    public: true,
    entry: |item| {
        let id = item["id"].as_str()?;
        let name = item["name"].as_str().unwrap_or(id);
        Some(Entry { name: name.into(), value: id.into(), url: None })
    },
};

/// The scopes an extension asks for, to consent to when ordering it.
pub(crate) static SCOPES: Search = Search {
    method: "listExtensionScopes",
    path: "/v2/extensions/{extensionId}",
    filter_param: None,
    pages: Pages::new(Strategy::Whole, 0).items_at("/scopes"),
    public: true,
    entry: |item| {
        let scope = item.as_str()?;
        Some(Entry { name: scope.into(), value: scope.into(), url: None })
    },
};

pub(crate) static ARTICLES: Search = Search {
    method: "searchArticles",
    path: "/v2/articles",
    filter_param: Some("name"),
    pages: Pages::new(PAGES, 50),
    public: true,
    entry: |item| {
        let id = item["articleId"].as_str()?;
        Some(Entry { name: label(item, "name", Some(id), id), value: id.into(), url: None })
    },
};

pub(crate) static CUSTOMERS: Search = Search {
    method: "searchCustomers",
    path: "/v2/customers",
    filter_param: Some("search"),
    pages: Pages::new(PAGES, 50),
    public: false,
    entry: |item| {
        let id = item["customerId"].as_str()?;
        Some(Entry {
            name: label(item, "name", item["customerNumber"].as_str(), id),
            value: id.into(),
            url: Some(format!("https://studio.mittwald.de/app/organizations/{id}")),
        })
    },
};

pub(crate) static PROJECTS: Search = Search {
    method: "searchProjects",
    path: "/v2/projects",
    filter_param: Some("searchTerm"),
    pages: Pages::new(PAGES, 50),
    public: false,
    entry: |item| {
        let id = item["id"].as_str()?;
        Some(Entry {
            name: label(item, "description", item["shortId"].as_str(), id),
            value: id.into(),
            url: Some(format!("https://studio.mittwald.de/app/projects/{id}")),
        })
    },
};

/// A list entry's name: `item[name_key] (detail)`, or the id when the item has no name.
fn label(item: &Value, name_key: &str, detail: Option<&str>, id: &str) -> String {
    match (item[name_key].as_str(), detail) {
        (Some(name), Some(detail)) => format!("{name} ({detail})"),
        (Some(name), None) => name.to_string(),
        (None, _) => id.to_string(),
    }
}

pub fn credential() -> Credential {
    Credential {
        name: "mittwaldApi",
        display_name: "mittwald API",
        documentation_url: crate::nodes::docs!("mittwald"),
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
        oauth2: None,
        icon: ("mittwald.svg", Some("mittwald.dark.svg")),
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

#[cfg(test)]
mod spec_tests {
    use super::*;
    use crate::boundary::ExecuteRequest;
    use crate::engine::execute;
    use crate::testing::{block_on, MockHost};
    use std::collections::BTreeSet;

    fn upload(items: Value, continue_on_fail: bool) -> ExecuteRequest {
        ExecuteRequest::from_json(json!({
            "node": "mittwald",
            "items": items,
            "credentials": { "apiToken": "t0k3n-secret" },
            "continueOnFail": continue_on_fail,
        }))
        .unwrap()
    }

    fn upload_item(file_param: Option<&str>, binary: Value) -> Value {
        let mut parameters = json!({ "resource": "File", "operation": "file-create-file", "Token": "5b0f1c1e-9c2b-4d1a-8f7e-2a3b4c5d6e7f" });
        if let Some(name) = file_param {
            parameters["file"] = json!(name);
        }
        json!({ "parameters": parameters, "binary": binary })
    }

    #[test]
    fn file_parts_are_sent_from_the_input_items_binary_data() {
        let pdf = crate::http::File {
            data: vec![0x25, 0x50, 0xff, 0x00, 0x0a],
            mime_type: "application/pdf".into(),
            file_name: "invoice.pdf".into(),
        };
        let host = MockHost::new(vec![MockHost::reply(201, &[], r#"{"id":"f-1"}"#)]).with_file(0, "doc", pdf);
        let items = json!([
            upload_item(Some("doc"), json!({ "doc": { "mimeType": "application/pdf", "fileName": "invoice.pdf" } })),
            upload_item(None, json!({ "other": {} })),
        ]);
        let result = block_on(execute(&crate::nodes::registry(), upload(items, true), &host));
        assert_eq!(host.reads(), [(0, "doc".to_string())], "only the file that is sent is read");
        let sent = host.sent();
        assert_eq!(sent.len(), 1);
        let body = sent[0].body.clone().unwrap();
        let head = b"filename=\"invoice.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\x25\x50\xff\x00\x0a\r\n";
        assert!(body.windows(head.len()).any(|w| w == head), "{}", String::from_utf8_lossy(&body));
        assert_eq!(result.items[0].json.value()["id"], "f-1");
        let json = result.items[1].json.value();
        let error = json["error"].as_str().unwrap();
        assert!(error.contains("\"data\", which the input item lacks (it has: other)"), "{error}");
    }

    #[test]
    fn downloaded_files_keep_their_bytes_beside_the_json_numbered_in_order() {
        let pdf: &[u8] = &[0x25, 0x50, 0x44, 0x46, 0xff, 0x00];
        let reply = |body: &[u8]| {
            let mut reply = MockHost::reply(200, &[("content-type", "application/pdf")], "");
            if let Ok(response) = &mut reply {
                response.body = body.to_vec();
            }
            reply
        };
        let host = MockHost::new(vec![reply(pdf), reply(&pdf[..2])]);
        let get =
            |id: &str| json!({ "parameters": { "resource": "File", "operation": "file-get-file", "fileId": id } });
        let result =
            block_on(execute(&crate::nodes::registry(), upload(json!([get("f-1"), get("f-2")]), false), &host));
        let files: Vec<_> = result.items.iter().map(|item| item.binary.as_ref().unwrap()).collect();
        assert_eq!((files[0].file, files[0].data.as_slice(), files[0].file_size), (0, pdf, 6));
        assert_eq!((files[1].file, files[1].data.as_slice()), (1, &pdf[..2]));
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json["items"][1]["binary"],
            json!({ "file": 1, "mimeType": "application/pdf", "fileName": "file-get-file.pdf", "fileSize": 2 })
        );
    }

    #[test]
    fn a_missing_binary_property_stops_the_run_before_any_request_or_read() {
        let host = MockHost::new(vec![]);
        let items = json!([upload_item(Some("data"), json!({ "data": {} })), upload_item(Some("doc"), json!({}))]);
        let result = block_on(execute(&crate::nodes::registry(), upload(items, false), &host));
        let error = result.error.unwrap();
        assert!(error.message.contains("item 1"), "{}", error.message);
        assert!(error.message.contains("the input item has no binary data"), "{}", error.message);
        assert!(host.sent().is_empty() && host.reads().is_empty());
    }

    /// The expected set comes from the spec file itself, not from the generated tables.
    fn current_operations_in_spec() -> BTreeSet<(String, String)> {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/nodes/mittwald/openapi.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let mut expected = BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                if op["deprecated"] != json!(true) {
                    expected.insert((
                        op["tags"][0].as_str().unwrap().to_string(),
                        op["operationId"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        expected
    }

    #[test]
    fn offers_exactly_the_current_operations_of_the_spec_by_tag() {
        let node = node();
        let offered: BTreeSet<(String, String)> = node
            .resources
            .iter()
            .flat_map(|r| r.operations.iter().map(|o| (r.value.to_string(), o.value.clone())))
            .collect();
        let expected = current_operations_in_spec();
        assert_eq!(offered.len(), node.resources.iter().map(|r| r.operations.len()).sum::<usize>(), "no duplicates");
        assert_eq!(offered, expected);
    }

    #[test]
    fn resources_are_alphabetical_and_operations_ordered_by_name() {
        let node = node();
        let tags: Vec<&str> = node.resources.iter().map(|r| r.value).collect();
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "one resource per tag, alphabetically: {tags:?}");
        for resource in &node.resources {
            let names: Vec<&str> = resource.operations.iter().map(|o| o.name.as_str()).collect();
            assert!(names.windows(2).all(|w| w[0] <= w[1]), "{}: {names:?}", resource.value);
        }
    }

    #[test]
    #[cfg(feature = "describe")] // display conditions are editor details
    fn every_form_field_of_an_operation_has_a_unique_name_where_it_is_shown() {
        let description = node().description();
        let mut seen = BTreeSet::new();
        for property in description["properties"].as_array().unwrap() {
            let key = (property["name"].as_str().unwrap().to_string(), property["displayOptions"].to_string());
            assert!(seen.insert(key.clone()), "duplicate field {key:?}");
        }
    }
}
