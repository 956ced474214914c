//! What crosses the wasm ↔ JS boundary, as docs/boundary.md describes it: the requests a host sends
//! in and the results it gets back.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::credential::Values;
use crate::error::NodeError;
use crate::fields::Fields;
use crate::limits::Limits;
use crate::limits::PaceSettings;
use crate::retry::RetryPolicy;
use crate::search::Entry;

/// `{ node, items, credentials?, baseUrl?, continueOnFail?, retry?, limits?, pace? }`.
#[derive(Debug)]
pub struct ExecuteRequest {
    pub node: String,
    pub items: Vec<ItemIn>,
    pub credentials: Option<Values>,
    pub base_url: Option<String>,
    pub continue_on_fail: bool,
    pub retry: RetryPolicy,
    /// Every item's limits unless its "Request Options" say otherwise.
    pub limits: Limits,
    /// How many requests may be in flight, and batching, unless the first item's "Request Options"
    /// say otherwise.
    pub pace: PaceSettings,
}

#[derive(Debug)]
pub struct ItemIn {
    pub json: Value,
    pub parameters: Map<String, Value>,
    /// n8n's binary properties of the item, described (`mimeType`, `fileName`…) but without contents:
    /// those come from the host's `binary` when a request sends them.
    pub binary: Map<String, Value>,
}

impl ExecuteRequest {
    pub fn from_json(value: Value) -> Result<Self, String> {
        let mut fields = Fields::new(value, "execute request")?;
        let items = fields.list("items")?.into_iter().map(ItemIn::from_json).collect::<Result<_, _>>()?;
        Ok(ExecuteRequest {
            node: fields.required_text("node")?,
            items,
            credentials: fields.object("credentials")?,
            base_url: fields.text("baseUrl")?,
            continue_on_fail: fields.flag("continueOnFail")?,
            retry: RetryPolicy::from_json(fields.value("retry"))?,
            limits: Limits::from_json(fields.value("limits"))?,
            pace: PaceSettings::from_json(fields.value("pace"))?,
        })
    }
}

impl ItemIn {
    fn from_json(value: Value) -> Result<Self, String> {
        let mut fields = Fields::new(value, "item")?;
        Ok(ItemIn {
            json: fields.value("json"),
            parameters: fields.object("parameters")?.unwrap_or_default(),
            binary: fields.object("binary")?.unwrap_or_default(),
        })
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ExecuteResult {
    pub items: Vec<ItemOut>,
    pub error: Option<NodeError>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ItemOut {
    pub json: OutJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<BinaryOut>,
    pub paired_item: PairedItem,
}

/// An output item's JSON: built here, or a vendor's answer passed on as the text it came as (valid JSON,
/// an object, without escapes or secrets in it), which spares parsing it into a tree and writing it
/// out again. `ExecuteResult::to_json` writes such text as it is.
#[derive(Debug)]
pub enum OutJson {
    Value(Value),
    Raw(String),
}

impl OutJson {
    /// The JSON as a value (a passed-on answer is parsed).
    pub fn value(&self) -> Value {
        match self {
            OutJson::Value(value) => value.clone(),
            OutJson::Raw(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

impl PartialEq for OutJson {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl From<Value> for OutJson {
    fn from(value: Value) -> Self {
        OutJson::Value(value)
    }
}

/// Through serde (tools, tests), a passed-on answer is written from its parsed value: the same JSON.
impl Serialize for OutJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OutJson::Value(value) => value.serialize(serializer),
            OutJson::Raw(_) => self.value().serialize(serializer),
        }
    }
}

impl ExecuteResult {
    /// The result as JSON text, with passed-on answers copied in as they came.
    pub fn to_json(&self) -> String {
        fn text<T: Serialize>(value: &T) -> String {
            serde_json::to_string(value).expect("results serialize")
        }
        let mut out = String::from(r#"{"items":["#);
        for (at, item) in self.items.iter().enumerate() {
            if at > 0 {
                out.push(',');
            }
            out.push_str(r#"{"json":"#);
            match &item.json {
                OutJson::Raw(raw) => out.push_str(raw),
                OutJson::Value(value) => out.push_str(&text(value)),
            }
            if let Some(binary) = &item.binary {
                out.push_str(r#","binary":"#);
                out.push_str(&text(binary));
            }
            out.push_str(r#","pairedItem":"#);
            out.push_str(&text(&item.paired_item));
            out.push('}');
        }
        out.push_str(r#"],"error":"#);
        out.push_str(&text(&self.error));
        out.push('}');
        out
    }
}

/// A file as it crosses the boundary: n8n's binary-data fields in the JSON, and `file`, the index of
/// its bytes among the result's files. The bytes themselves travel beside the JSON (a `Uint8Array`
/// each), never inside it: no Base64, no copy of a large file in a JSON string.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BinaryOut {
    #[serde(skip)]
    pub data: Vec<u8>,
    pub file: usize,
    pub mime_type: String,
    pub file_name: String,
    pub file_size: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct PairedItem {
    pub item: usize,
}

/// One poll of a trigger: `{ node, parameters, credentials?, baseUrl?, state?, now, manual? }`; `state`
/// is what the last poll returned (none on the first), `now` the host's wall clock (epoch ms).
#[derive(Debug)]
pub struct PollRequest {
    pub node: String,
    pub parameters: Map<String, Value>,
    pub credentials: Option<Values>,
    pub base_url: Option<String>,
    pub state: Value,
    pub now: u64,
    /// A test run from the editor: show what there is, whatever the state.
    pub manual: bool,
}

impl PollRequest {
    pub fn from_json(value: Value) -> Result<Self, String> {
        let mut fields = Fields::new(value, "poll request")?;
        let now = fields.value("now");
        Ok(PollRequest {
            node: fields.required_text("node")?,
            parameters: fields.object("parameters")?.unwrap_or_default(),
            credentials: fields.object("credentials")?,
            base_url: fields.text("baseUrl")?,
            state: fields.value("state"),
            now: now
                .as_f64()
                .filter(|n| *n >= 0.0)
                .map(|n| n as u64)
                .ok_or("poll request: \"now\" must be epoch milliseconds")?,
            manual: fields.flag("manual")?,
        })
    }
}

/// One page of a picker: `{ node, method, filter?, paginationToken?, credentials?, baseUrl? }`.
#[derive(Debug)]
pub struct SearchRequest {
    pub node: String,
    pub method: String,
    pub filter: Option<String>,
    pub pagination_token: Option<String>,
    pub credentials: Option<Values>,
    pub base_url: Option<String>,
    /// The node's current parameters, for lists that depend on another field (a product's editions).
    pub parameters: Map<String, Value>,
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
            parameters: fields.object("parameters")?.unwrap_or_default(),
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

/// What the module asks a host's `request` to send (`HostRequest` in docs/boundary.md); the host adds
/// the credential named by `credentialType`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    #[serde(serialize_with = "as_object")]
    pub headers: &'a [(String, String)],
    /// A `Uint8Array`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_bytes")]
    pub body: Option<&'a [u8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<&'a str>,
    /// The host settles the attempt within this, rejecting with a timeout error.
    pub timeout_ms: u64,
    /// The host rejects a larger answer with an error whose `code` is `ERR_RESPONSE_TOO_LARGE`.
    pub max_response_bytes: u64,
}

fn as_bytes<S: serde::Serializer>(body: &Option<&[u8]>, serializer: S) -> Result<S::Ok, S::Error> {
    match body {
        Some(bytes) => serializer.serialize_bytes(bytes),
        None => serializer.serialize_none(),
    }
}

/// Header pairs as one JS object (a later pair of the same name wins).
fn as_object<S: serde::Serializer>(headers: &&[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(headers.iter().map(|(name, value)| (name, value)))
}
