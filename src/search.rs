//! Pickers: the lists n8n shows in a resource-locator field ("From List"), loaded page by page from
//! the vendor and narrowed by what the user types.

use serde::Serialize;

use crate::fields::Fields;
use serde_json::Value;

use crate::credential::Values;
use crate::error::NodeError;
use crate::host::Host;
use crate::http::Request;
use crate::limits::Limits;
use crate::redact::{redact_error, redact_text};
use crate::retry::RetryPolicy;
use crate::run::{list_elements, secrets_of, Budget, Registry, Session};

/// One picker of a node: an offset-paged list endpoint and how to name its entries.
pub struct Search {
    /// n8n's `searchListMethod` name.
    pub method: &'static str,
    pub path: &'static str,
    /// The query parameter the vendor filters by, if it has one; otherwise the page is filtered here.
    pub filter_param: Option<&'static str>,
    pub page_size: u64,
    /// The vendor serves the list without a credential.
    pub public: bool,
    pub entry: fn(&Value) -> Option<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub name: String,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One page of a picker (docs/boundary.md): `{ node, method, filter?, paginationToken?, credentials?, baseUrl? }`.
#[derive(Debug)]
pub struct SearchRequest {
    pub node: String,
    pub method: String,
    pub filter: Option<String>,
    pub pagination_token: Option<String>,
    pub credentials: Option<Values>,
    pub base_url: Option<String>,
}

impl SearchRequest {
    pub fn from_json(value: Value) -> Result<Self, String> {
        let mut fields = Fields::new(value, "search request")?;
        Ok(SearchRequest {
            node: fields.required_text("node")?,
            method: fields.required_text("method")?,
            filter: fields.text("filter")?,
            pagination_token: fields.text("paginationToken")?,
            credentials: fields.object("credentials")?,
            base_url: fields.text("baseUrl")?,
        })
    }
}

/// n8n's `INodeListSearchResult`, plus the error that stopped the search.
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    pub results: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<NodeError>,
}

pub async fn search(registry: &Registry, request: SearchRequest, host: &dyn Host) -> SearchResult {
    let secrets = secrets_of(registry, &request.node, request.credentials.as_ref());
    let mut result = match page(registry, &request, host).await {
        Ok(result) => result,
        Err(error) => SearchResult { error: Some(error), ..SearchResult::default() },
    };
    for entry in &mut result.results {
        redact_text(&mut entry.name, &secrets);
        redact_text(&mut entry.value, &secrets);
        if let Some(url) = &mut entry.url {
            redact_text(url, &secrets);
        }
    }
    if let Some(error) = &mut result.error {
        redact_error(error, &secrets);
    }
    result
}

async fn page(registry: &Registry, request: &SearchRequest, host: &dyn Host) -> Result<SearchResult, NodeError> {
    let session = Session::open(
        registry,
        &request.node,
        request.credentials.as_ref(),
        request.base_url.as_deref(),
        RetryPolicy::default(),
        host,
    )?;
    let search = session
        .node
        .searches
        .iter()
        .find(|s| s.method == request.method)
        .ok_or_else(|| NodeError::input(format!("Node \"{}\" has no list \"{}\"", request.node, request.method)))?;
    if let (false, None, Some(credential)) = (search.public, &request.credentials, session.credential) {
        return Err(NodeError::input(format!("Choose a \"{}\" credential to load this list", credential.display_name)));
    }
    let skip: u64 = request.pagination_token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
    let filter = request.filter.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let mut http =
        Request::get(search.path).query("limit", search.page_size.to_string()).query("skip", skip.to_string());
    if let (Some(param), Some(filter)) = (search.filter_param, filter) {
        http = http.query(param, filter);
    }
    let response = session.send(&http, &Budget::new(host, Limits::default())).await?;
    let total = response.header("x-pagination-totalcount").and_then(|t| t.trim().parse::<u64>().ok());
    let items = list_elements(response)?;
    let received = items.len() as u64;
    let mut results: Vec<Entry> = items.iter().filter_map(search.entry).collect();
    if let (None, Some(filter)) = (search.filter_param, filter) {
        let needle = folded(filter);
        results.retain(|e| folded(&e.name).contains(&needle) || folded(&e.value).contains(&needle));
    }
    let more = match total {
        Some(total) => skip.saturating_add(received) < total,
        None => received >= search.page_size,
    };
    Ok(SearchResult {
        results,
        pagination_token: (more && received > 0).then(|| skip.saturating_add(received).to_string()),
        error: None,
    })
}

/// Text with the case of Latin letters (ASCII and Latin-1, so `Ä` finds `ä`) ignored. Full Unicode case
/// folding would bring ~15 KB of tables into the module for picker filters that only see names.
fn folded(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'À'..='Ö' | 'Ø'..='Þ' => char::from_u32(c as u32 + 32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters_ignore_the_case_of_latin_letters() {
        assert_eq!(super::folded("Müller GmbH ÄÖÜ"), "müller gmbh äöü");
        assert_eq!(super::folded("ß×"), "ß×");
    }

    use super::*;
    use crate::testing::{block_on, demo_node, MockHost};
    use serde_json::json;

    fn registry(filter_param: Option<&'static str>) -> Registry {
        let mut node = demo_node(None, vec![]);
        node.searches = vec![Search {
            method: "searchThings",
            path: "/things",
            filter_param,
            page_size: 2,
            public: true,
            entry: |v| Some(Entry { name: v["name"].as_str()?.into(), value: v["id"].as_str()?.into(), url: None }),
        }];
        Registry { nodes: vec![node], credentials: vec![] }
    }

    fn request(filter: &str, token: Option<&str>) -> SearchRequest {
        SearchRequest::from_json(
            json!({ "node": "demo", "method": "searchThings", "filter": filter, "paginationToken": token }),
        )
        .unwrap()
    }

    #[test]
    fn pages_by_offset_and_hands_back_the_next_offset() {
        let host = MockHost::new(vec![MockHost::reply(
            200,
            &[("x-pagination-totalcount", "3")],
            r#"[{"id":"a","name":"Alpha"},{"id":"b","name":"Beta"}]"#,
        )]);
        let result = block_on(search(&registry(Some("q")), request("al", Some("0")), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?limit=2&skip=0&q=al");
        assert_eq!(result.results.len(), 2);
        assert_eq!(result.pagination_token.as_deref(), Some("2"));
    }

    #[test]
    fn a_huge_page_token_never_overflows() {
        let reply = MockHost::reply(200, &[("x-pagination-totalcount", "3")], r#"[{"id":"a","name":"A"}]"#);
        let host = MockHost::new(vec![reply]);
        let result = block_on(search(&registry(None), request("", Some(&u64::MAX.to_string())), &host));
        assert_eq!(result.error, None);
        assert_eq!(result.pagination_token, None);
    }

    #[test]
    fn filters_locally_when_the_vendor_cannot_and_stops_at_the_end() {
        let host = MockHost::new(vec![MockHost::reply(
            200,
            &[("x-pagination-totalcount", "3")],
            r#"[{"id":"c","name":"Gamma"}]"#,
        )]);
        let result = block_on(search(&registry(None), request("GAM", Some("2")), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?limit=2&skip=2");
        assert_eq!(result.results, vec![Entry { name: "Gamma".into(), value: "c".into(), url: None }]);
        assert_eq!(result.pagination_token, None);
    }
}
