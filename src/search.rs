//! Pickers: the lists n8n shows in a resource-locator field ("From List"), as a node declares them.
//! `picker` loads them.

use serde::Serialize;
use serde_json::Value;

use crate::paging::Pages;

/// One picker of a node: a paged list endpoint and how to name its entries. A `static`, owned by the
/// resource-locator fields that offer it (`Property::locator`).
#[derive(Debug)]
pub struct Search {
    /// n8n's `searchListMethod` name.
    pub method: &'static str,
    pub path: &'static str,
    /// The query parameter the vendor filters by, if it has one; otherwise the page is filtered here.
    pub filter_param: Option<&'static str>,
    pub pages: Pages,
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
