//! Loads one page of a picker's list for n8n's "From List", narrowed by what the user typed.

use crate::boundary::{SearchRequest, SearchResult};
use crate::error::NodeError;
use crate::host::Host;
use crate::http::Request;
use crate::limits::Limits;
use crate::limits::PaceSettings;
use crate::pace::Pace;
use crate::paginator;
use crate::redact::{redact_error, redact_text};
use crate::registry::Registry;
use crate::search::Entry;
use crate::session::{secrets_of, Budget, Reach, Session};

pub async fn search(registry: &Registry, request: SearchRequest, host: &dyn Host) -> SearchResult {
    let mut secrets = secrets_of(registry, &request.node, request.credentials.as_ref());
    let mut result = match page(registry, &request, host).await {
        Ok(result) => result,
        Err(error) => SearchResult { error: Some(error), ..SearchResult::default() },
    };
    secrets.extend(crate::token::issued());
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
    let pace = Pace::new(host, &PaceSettings::default());
    let reach = Reach::single(request.credentials.as_ref(), request.base_url.as_deref(), &pace);
    let session = Session::open(registry, &request.node, reach, host)?;
    let search = session
        .node
        .searches()
        .into_iter()
        .find(|s| s.method == request.method)
        .ok_or_else(|| NodeError::input(format!("Node \"{}\" has no list \"{}\"", request.node, request.method)))?;
    if let (false, None, Some(credential)) = (search.public, &request.credentials, session.credential) {
        return Err(NodeError::input(format!("Choose a \"{}\" credential to load this list", credential.display_name)));
    }
    let at = request.pagination_token.clone().unwrap_or_else(|| paginator::start(&search.pages));
    let filter = request.filter.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let mut http = Request::get(search.path);
    // A list under another record (`/products/{applicationId}/…`) takes that record from the form.
    let current = crate::params::Params::new(&request.parameters, 0, &[]);
    for name in placeholders(search.path) {
        let value = current
            .text(name)?
            .ok_or_else(|| NodeError::input(format!("Choose \"{name}\" first: this list depends on it")))?;
        http = http.path_param(name, &value)?;
    }
    if let (Some(param), Some(filter)) = (search.filter_param, filter) {
        http = http.query(param, filter);
    }
    let size = search.pages.page_size;
    let budget = Budget::new(host, Limits::default());
    let page = paginator::page(&session, &http, &search.pages, &at, size, &budget).await?;
    let received = page.items.len() as u64;
    let mut results: Vec<Entry> = page.items.iter().filter_map(search.entry).collect();
    if let (None, Some(filter)) = (search.filter_param, filter) {
        let needle = folded(filter);
        results.retain(|e| folded(&e.name).contains(&needle) || folded(&e.value).contains(&needle));
    }
    let more = page.more.unwrap_or(received >= size);
    Ok(SearchResult { results, pagination_token: (more && received > 0).then_some(page.next), error: None })
}

/// The `{name}`s of a path.
fn placeholders(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
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
    use crate::boundary::SearchRequest;
    use crate::describe::Property;
    use crate::node::{Operation, Plan, Resource};
    use crate::paging::{Pages, Strategy};
    use crate::search::Search;
    use crate::testing::{block_on, demo_node, MockHost};
    use serde_json::{json, Value};

    const OFFSET: Strategy = Strategy::Offset { limit: "limit", offset: "skip", total_header: Some("x-total") };

    fn entry(v: &Value) -> Option<Entry> {
        Some(Entry { name: v["name"].as_str()?.into(), value: v["id"].as_str()?.into(), url: None })
    }

    const THINGS: Search = Search {
        method: "searchThings",
        path: "/things",
        filter_param: None,
        pages: Pages::new(OFFSET, 2),
        public: true,
        entry,
    };
    static FILTERED: Search = Search { filter_param: Some("q"), ..THINGS };
    static UNFILTERED: Search = THINGS;
    static NUMBERED: Search = Search {
        pages: Pages::new(
            Strategy::Page { page: "page", size: "size", first: 0, total_pages: Some("/page/totalPages") },
            2,
        )
        .items_at("/content"),
        ..THINGS
    };
    static CURSORED: Search = Search {
        pages: Pages::new(Strategy::Cursor { cursor: "after", limit: "first", next: "/next" }, 2).items_at("/items"),
        ..THINGS
    };

    /// A node whose one field picks from `search`: the field owns its list.
    fn registry(search: &'static Search) -> Registry {
        let pick = Operation::new("pick", "Pick", "Pick a thing", |_| Ok(Plan::Done(vec![])))
            .fields(vec![Property::locator("thing", "Thing", search, "")]);
        let node = demo_node(None, vec![Resource { value: "thing", name: "Thing", operations: vec![pick] }]);
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
            &[("x-total", "3")],
            r#"[{"id":"a","name":"Alpha"},{"id":"b","name":"Beta"}]"#,
        )]);
        let result = block_on(search(&registry(&FILTERED), request("al", Some("0")), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?q=al&limit=2&skip=0");
        assert_eq!(result.results.len(), 2);
        assert_eq!(result.pagination_token.as_deref(), Some("2"));
    }

    #[test]
    fn a_huge_page_token_never_overflows() {
        let reply = MockHost::reply(200, &[("x-total", "3")], r#"[{"id":"a","name":"A"}]"#);
        let host = MockHost::new(vec![reply]);
        let result = block_on(search(&registry(&UNFILTERED), request("", Some(&u64::MAX.to_string())), &host));
        assert_eq!(result.error, None);
        assert_eq!(result.pagination_token, None);
    }

    #[test]
    fn filters_locally_when_the_vendor_cannot_and_stops_at_the_end() {
        let host = MockHost::new(vec![MockHost::reply(200, &[("x-total", "3")], r#"[{"id":"c","name":"Gamma"}]"#)]);
        let result = block_on(search(&registry(&UNFILTERED), request("GAM", Some("2")), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?limit=2&skip=2");
        assert_eq!(result.results, vec![Entry { name: "Gamma".into(), value: "c".into(), url: None }]);
        assert_eq!(result.pagination_token, None);
    }

    #[test]
    fn pages_by_number_and_by_cursor_as_the_list_declares() {
        let body = r#"{"content":[{"id":"a","name":"A"},{"id":"b","name":"B"}],"page":{"totalPages":2}}"#;
        let host = MockHost::new(vec![MockHost::reply(200, &[], body)]);
        let result = block_on(search(&registry(&NUMBERED), request("", None), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?size=2&page=0");
        assert_eq!((result.results.len(), result.pagination_token.as_deref()), (2, Some("1")));
        let host = MockHost::new(vec![MockHost::reply(200, &[], body)]);
        let result = block_on(search(&registry(&NUMBERED), request("", Some("1")), &host));
        assert_eq!(result.pagination_token, None, "page 1 of 2 was the last");

        let host = MockHost::new(vec![MockHost::reply(200, &[], r#"{"items":[{"id":"a","name":"A"}],"next":"c2"}"#)]);
        let result = block_on(search(&registry(&CURSORED), request("", None), &host));
        assert_eq!(host.sent()[0].url, "http://demo.test/things?first=2");
        assert_eq!(result.pagination_token.as_deref(), Some("c2"));
    }
}
