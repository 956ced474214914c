//! One execution of a node over all its items:
//! input item → parameters → validated request plan → transport → response → output item.

use std::cell::{Cell, RefCell};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::credential::{Credential, Values};
use crate::error::NodeError;
use crate::fields::Fields;
use crate::host::{Auth, Host, LocalFuture, Outgoing};
use crate::host::{Cause, Failure};
use crate::http::{header_problem, is_header_name, snippet, Encoding, Request, Response};
use crate::limits::{self, Limits};
use crate::node::{Expect, File, Input, Node, Paging, Plan, Poll, Polled};
use crate::params::{grouped, Params};
use crate::redact::{redact_error, redact_text, redact_value};
use crate::retry::{self, Deadline, RetryPolicy};
use crate::transport::failure_error;
use crate::unicode::has_lone_surrogate;

/// Every node and credential type the module offers.
pub struct Registry {
    pub nodes: Vec<Node>,
    pub credentials: Vec<Credential>,
}

impl Registry {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn credential(&self, name: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.name == name)
    }

    /// What the package embeds: `{ "nodes": [INodeTypeDescription…], "credentials": [ICredentialType…] }`.
    pub fn descriptors_json(&self) -> String {
        let nodes: Vec<String> = self.nodes.iter().map(Node::description_json).collect();
        let credentials: Vec<Value> = self.credentials.iter().map(Credential::description).collect();
        format!(r#"{{"nodes":[{}],"credentials":{}}}"#, nodes.join(","), Value::Array(credentials))
    }
}

/// What the host asks to run (docs/boundary.md): `{ node, items, credentials?, baseUrl?, continueOnFail?, retry?, limits? }`.
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
    pub json: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<BinaryOut>,
    pub paired_item: PairedItem,
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

/// Runs the request; the result carries either all output items or the error that stopped the run.
pub async fn execute(registry: &Registry, request: ExecuteRequest, host: &dyn Host) -> ExecuteResult {
    let secrets = RefCell::new(secrets_of(registry, &request.node, request.credentials.as_ref()));
    let mut result = match run(registry, &request, host, &secrets).await {
        Ok(items) => ExecuteResult { items, error: None },
        Err(error) => ExecuteResult { items: Vec::new(), error: Some(error) },
    };
    let secrets = secrets.into_inner();
    let mut files = 0;
    for item in &mut result.items {
        redact_value(&mut item.json, &secrets);
        if let Some(binary) = &mut item.binary {
            redact_text(&mut binary.file_name, &secrets);
            binary.file = files;
            files += 1;
        }
    }
    if let Some(error) = &mut result.error {
        redact_error(error, &secrets);
    }
    result
}

/// What every request of one call into the runtime shares: the node, where it sends, how it
/// authenticates, how it retries.
pub(crate) struct Session<'a> {
    pub node: &'a Node,
    host: &'a dyn Host,
    /// Checked only when a request is about to go out: operations that send nothing need none.
    base_url: Result<String, NodeError>,
    auth: Option<Auth>,
    retry: RetryPolicy,
    /// The node's credential type, and the values the caller gave for it (empty if none).
    pub credential: Option<&'a Credential>,
    pub values: &'a Values,
}

impl<'a> Session<'a> {
    pub(crate) fn open(
        registry: &'a Registry,
        node: &str,
        credentials: Option<&'a Values>,
        base_url_override: Option<&str>,
        retry: RetryPolicy,
        host: &'a dyn Host,
    ) -> Result<Self, NodeError> {
        static NO_VALUES: std::sync::OnceLock<Values> = std::sync::OnceLock::new();
        let node = registry.node(node).ok_or_else(|| NodeError::input(format!("Unknown node \"{node}\"")))?;
        let values = credentials.unwrap_or_else(|| NO_VALUES.get_or_init(Values::new));
        let credential = node.credential.and_then(|name| registry.credential(name));
        let auth = match credential {
            Some(credential) if credentials.is_some() => Some(Auth {
                credential_type: credential.name.to_string(),
                headers: credential.checked_headers(values)?,
            }),
            _ => None,
        };
        let base_url = base_url(node, credential, values, base_url_override);
        Ok(Session { node, host, base_url, auth, retry, credential, values })
    }
}

/// Every value of the caller's credential that must never be shown.
pub(crate) fn secrets_of(registry: &Registry, node: &str, credentials: Option<&Values>) -> Vec<String> {
    let credential = registry.node(node).and_then(|n| n.credential).and_then(|c| registry.credential(c));
    match (credential, credentials) {
        (Some(credential), Some(values)) => credential.secrets(values),
        _ => Vec::new(),
    }
}

async fn run(
    registry: &Registry,
    request: &ExecuteRequest,
    host: &dyn Host,
    secrets: &RefCell<Vec<String>>,
) -> Result<Vec<ItemOut>, NodeError> {
    let session = Session::open(
        registry,
        &request.node,
        request.credentials.as_ref(),
        request.base_url.as_deref(),
        request.retry,
        host,
    )?;
    let (node, credential, values) = (session.node, session.credential, session.values);

    // Every item is validated before anything is sent, so bad input never leaves a half-done run.
    let option_fields = [limits::options_property()];
    let plans: Vec<Result<(Plan, Limits), NodeError>> = request
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let missing_credential = credential.filter(|_| session.auth.is_none());
            let plan = prepare(node, missing_credential, item, index, values, secrets)?;
            let limits = request.limits.for_item(&Params::new(&item.parameters, index, &option_fields))?;
            Ok((plan, limits))
        })
        .collect();
    if !request.continue_on_fail {
        if let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
            return Err(error.clone());
        }
    }

    let mut output = Vec::new();
    for (index, plan) in plans.into_iter().enumerate() {
        let outcome = match plan {
            Ok((plan, limits)) => {
                let budget = Budget::new(host, limits);
                match session.load_files(plan, index).await {
                    Ok(plan) => session.run(plan, &budget).await.map_err(|e| e.at_item(index)),
                    Err(error) => Err(error.at_item(index)),
                }
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(values) => output.extend(values.into_iter().map(|out| out.into_item(index))),
            Err(error) if request.continue_on_fail => output.push(Out::Json(error_json(&error)).into_item(index)),
            Err(error) => return Err(error),
        }
    }
    Ok(output)
}

fn base_url(
    node: &Node,
    credential: Option<&Credential>,
    values: &Values,
    given: Option<&str>,
) -> Result<String, NodeError> {
    let url = given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| credential.and_then(|c| c.base_url(values)))
        .or(node.default_base_url)
        .ok_or_else(|| NodeError::input("No base URL: set one on the credential"))?;
    // `http://` alone or `https:///x` would leave the host to each client's own guess.
    if !(url.starts_with("http://") || url.starts_with("https://")) || crate::url::origin(url).is_none() {
        return Err(NodeError::input(format!(
            "The base URL must be an http:// or https:// address with a host, got \"{url}\""
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `missing_credential`: the node's credential type, when the caller gave none.
fn prepare(
    node: &Node,
    missing_credential: Option<&Credential>,
    item: &ItemIn,
    index: usize,
    credentials: &Values,
    secrets: &RefCell<Vec<String>>,
) -> Result<Plan, NodeError> {
    if let Some(name) = item.parameters.iter().find(|(_, value)| holds_broken_text(value)).map(|(name, _)| name) {
        // Labelled as the item's own operation shows the field (when resource and operation are readable).
        let text = |key: &str| item.parameters.get(key).and_then(Value::as_str);
        let chosen = text("resource").zip(text("operation")).and_then(|(r, o)| node.operation(r, o));
        let properties = chosen.map_or(&[][..], |o| &o.properties);
        return Err(Params::new(&item.parameters, index, properties).invalid(
            name,
            "contains text that is not valid Unicode (a lone UTF-16 surrogate, often from cutting an emoji in half)",
        ));
    }
    let selector = Params::new(&item.parameters, index, &[]);
    let resource = selector.required_text("resource")?;
    let operation_name = selector.required_text("operation")?;
    let operation = node.operation(&resource, &operation_name).ok_or_else(|| {
        NodeError::input(format!(
            "Unknown operation \"{operation_name}\" for resource \"{resource}\" of node \"{}\"",
            node.name
        ))
        .at_item(index)
    })?;
    if let Some(credential) = missing_credential.filter(|_| !operation.public) {
        let message = format!("\"{}\" needs a \"{}\" credential", operation.name, credential.display_name);
        return Err(NodeError::input(message).at_item(index));
    }
    let input = Input {
        params: Params::new(&item.parameters, index, &operation.properties),
        json: &item.json,
        binary: &item.binary,
        credentials,
        secrets,
    };
    (operation.prepare)(&input).map_err(|e| e.at_item(index))
}

/// Whether any text in `value` (keys included) had a lone UTF-16 surrogate (see `unicode`).
fn holds_broken_text(value: &Value) -> bool {
    match value {
        Value::String(text) => has_lone_surrogate(text),
        Value::Array(items) => items.iter().any(holds_broken_text),
        Value::Object(map) => map.iter().any(|(key, value)| has_lone_surrogate(key) || holds_broken_text(value)),
        _ => false,
    }
}

/// One item's limits and the time it has left.
pub(crate) struct Budget {
    limits: Limits,
    deadline: Cell<Deadline>,
}

impl Budget {
    pub(crate) fn new(host: &dyn Host, limits: Limits) -> Self {
        Budget { limits, deadline: Cell::new(Deadline::start(host, limits.item_timeout_ms)) }
    }
}

impl Session<'_> {
    /// A multipart body's file parts name binary properties of the input item (checked to exist when
    /// the item was prepared); their contents are read from the host only now, just before sending.
    async fn load_files(&self, mut plan: Plan, item: usize) -> Result<Plan, NodeError> {
        let Plan::Call { request, .. } = &mut plan else { return Ok(plan) };
        let (Encoding::Multipart { files }, Some(body)) = (&request.encoding, &request.body) else { return Ok(plan) };
        let wanted: Vec<(String, String)> =
            files.iter().filter_map(|field| Some((field.clone(), body.get(field)?.as_str()?.to_string()))).collect();
        for (field, property) in wanted {
            let file = self.host.binary(item, &property).await.map_err(|why| {
                NodeError::input(format!("The binary property \"{property}\" of item {item} could not be read: {why}"))
            })?;
            request.files.push((field, file));
        }
        Ok(plan)
    }

    fn run<'b>(&'b self, plan: Plan, budget: &'b Budget) -> LocalFuture<'b, Result<Vec<Out>, NodeError>> {
        // Boxed: a `Then` step runs the plan its answer produced.
        Box::pin(async move {
            let (request, expect) = match plan {
                Plan::Done(values) => return Ok(values.into_iter().map(Out::Json).collect()),
                Plan::Call { request, expect } => (request, expect),
            };
            let json = |values: Vec<Value>| values.into_iter().map(Out::Json).collect();
            match expect {
                Expect::Item(shape) => Ok(vec![Out::Json(shape(self.send_json(&request, budget).await?.1)?)]),
                Expect::List(None) => list_elements(self.send(&request, budget).await?).map(json),
                Expect::List(Some(paging)) => self.paginate(*request, &paging, budget).await.map(json),
                Expect::Then(next) => {
                    let (effect, answer) = self.send_json(&request, budget).await?;
                    // What a create answered is kept, so a failing follow-up can say it happened.
                    let created = effect.map(|what| (what, answer.clone()));
                    let outcome = match next(answer) {
                        Ok(plan) => self.run(plan, budget).await,
                        Err(error) => Err(error),
                    };
                    outcome.map_err(|error| match created {
                        Some((what, answer)) => error.after_side_effect(&what, answer),
                        None => error,
                    })
                }
                Expect::Poll(poll) => self.poll(&request, &poll, budget).await.map(json),
                Expect::File { file_name } => {
                    Ok(vec![Out::File(file_of(self.send(&request, budget).await?, file_name))])
                }
            }
        })
    }

    /// Sends and reads the JSON answer; for a request that is not safe to repeat, also says what it
    /// was (`POST /api/orders`), since its success is a side effect that happened.
    async fn send_json(&self, request: &Request, budget: &Budget) -> Result<(Option<String>, Value), NodeError> {
        let response = self.send(request, budget).await?;
        let effect = (!request.method.is_idempotent()).then(|| format!("{} {}", request.method.as_str(), request.path));
        match (response.json(), effect) {
            (Ok(answer), effect) => Ok((effect, answer)),
            (Err(error), Some(what)) => Err(error.after_side_effect(&what, Value::String(snippet(&response.text())))),
            (Err(error), None) => Err(error),
        }
    }

    /// Reads until settled. Time is counted in the pauses taken, so no clock is needed and a
    /// slow vendor cannot stretch the bound by much more than one request.
    async fn poll(&self, request: &Request, poll: &Poll, budget: &Budget) -> Result<Vec<Value>, NodeError> {
        budget.deadline.set(budget.deadline.get().extended(poll.max_wait_ms));
        let mut waited = 0u64;
        let mut delay = poll.first_delay_ms;
        loop {
            match (poll.check)(self.send(request, budget).await?.json()?)? {
                Polled::Ready(value) => return Ok(vec![value]),
                Polled::Pending(state) if waited >= poll.max_wait_ms => {
                    return Err(NodeError::api(format!("Still {state} after waiting {} s", waited / 1000))
                        .with_description("Raise the maximum wait, or look at it again later with a Get"));
                }
                Polled::Pending(_) => {
                    let left = budget.deadline.get().left_ms(self.host);
                    if left == 0 {
                        return Err(budget.deadline.get().exceeded());
                    }
                    let pause = delay.min(poll.max_wait_ms - waited).min(left);
                    self.host.sleep(pause).await;
                    waited += pause;
                    delay = (delay.saturating_mul(3) / 2).min(poll.max_delay_ms);
                }
            }
        }
    }

    /// Follows offset pages until the list ends: an empty page, the total count, a page repeating the
    /// one before (a server ignoring the offset), or a short page once the server's page size is known.
    /// Pages advance by what arrived, so a server capping the page size below the one asked works; a
    /// list that never ends stops at the item's page and item caps, with an error.
    async fn paginate(&self, mut request: Request, paging: &Paging, budget: &Budget) -> Result<Vec<Value>, NodeError> {
        let limits = budget.limits;
        let mut collected: Vec<Value> = Vec::new();
        let (mut skip, mut pages, mut previous, mut largest) = (0u64, 0u64, 0usize, 0u64);
        loop {
            if pages >= limits.max_pages {
                return Err(unfinished(
                    format!("after {} pages", grouped(pages)),
                    collected.len(),
                    "Max Pages",
                    "maxPages",
                ));
            }
            let wanted =
                paging.max_items.map_or(paging.page_size, |max| (max - collected.len() as u64).min(paging.page_size));
            request.set_query(paging.limit_param, wanted.to_string());
            request.set_query(paging.skip_param, skip.to_string());
            let response = self.send(&request, budget).await?;
            pages += 1;
            let total = response.header(paging.total_header).and_then(|t| t.trim().parse::<u64>().ok());
            let page = list_elements(response)?;
            let received = page.len() as u64;
            let repeated =
                previous == page.len() && collected.get(collected.len().saturating_sub(previous)..) == Some(&page[..]);
            if received == 0 || repeated {
                break;
            }
            previous = page.len();
            collected.extend(page);
            skip += received;
            if let Some(max) = paging.max_items {
                collected.truncate(max as usize);
                if collected.len() as u64 >= max {
                    break;
                }
            }
            if collected.len() as u64 > limits.max_items {
                let at = format!("at {} items", grouped(limits.max_items));
                return Err(unfinished(at, collected.len(), "Max Items", "maxItems"));
            }
            let more = match total {
                Some(total) => skip < total,
                None => received >= wanted || received >= largest,
            };
            largest = largest.max(received);
            if !more {
                break;
            }
        }
        Ok(collected)
    }

    /// Sends with retries; a non-2xx answer becomes an error in the vendor's own words.
    pub(crate) async fn send(&self, request: &Request, budget: &Budget) -> Result<Response, NodeError> {
        for (name, value) in &request.headers {
            if !is_header_name(name) {
                return Err(NodeError::input(format!("The header name \"{name}\" cannot be sent")));
            }
            if let Some((_, problem)) = header_problem(value) {
                return Err(NodeError::input(format!(
                    "The header \"{name}\" contains {problem}, which cannot be sent in an HTTP header"
                )));
            }
        }
        let mut headers = Vec::new();
        if !request.headers.iter().any(|(name, _)| name == "accept") {
            headers.push(("accept".to_string(), "application/json".to_string()));
        }
        let body = match &request.body {
            Some(body) => {
                let (bytes, content_type) = request.encoding.encode(body, &request.files)?;
                headers.push(("content-type".to_string(), content_type));
                Some(bytes)
            }
            None => None,
        };
        headers.extend(request.headers.iter().cloned());
        let outgoing = Outgoing {
            method: request.method,
            url: request.url(self.base_url.as_ref().map_err(Clone::clone)?),
            headers,
            body,
            auth: self.auth.clone(),
            timeout_ms: budget.limits.timeout_ms,
            max_response_bytes: budget.limits.max_response_bytes,
        };
        let retry::Answer { response, gave_up } =
            retry::send(self.host, &outgoing, &self.retry, &budget.deadline.get()).await?;
        // Hosts refuse large answers while they arrive; this holds for any host.
        if response.body.len() as u64 > outgoing.max_response_bytes {
            return Err(failure_error(&Failure::new(Cause::TooLarge, ""), &outgoing));
        }
        if response.is_success() {
            return Ok(response);
        }
        let vendor = (self.node.vendor_error)(&response);
        let message = if vendor.message.is_empty() {
            format!("The service answered HTTP {}", response.status)
        } else {
            vendor.message
        };
        let description = vendor.description.unwrap_or_else(|| snippet(&response.text()));
        let error = NodeError::api(message).with_description(description).with_http_code(response.status);
        Err(match gave_up {
            Some(note) => error.noting(&note),
            None => error,
        })
    }
}

pub(crate) fn list_elements(response: Response) -> Result<Vec<Value>, NodeError> {
    match response.json()? {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(NodeError::api("Expected a list from the service, got something else")
            .with_description(snippet(&other.to_string()))),
    }
}

/// Return All stopped before the list ended: say how far it got and what to change.
fn unfinished(at: String, collected: usize, option: &str, js_option: &str) -> NodeError {
    NodeError::api(format!(
        "Return All stopped {at} with {} items collected, before the service said the list had ended",
        grouped(collected as u64)
    ))
    .with_description(format!(
        "The service kept sending pages. Raise {option} (Request Options), or {js_option} in plain JS, or use Limit \
         to take fewer."
    ))
}

/// n8n items are objects; an empty answer is reported as a plain success.
/// What one plan produced, before it is paired with its input item.
enum Out {
    Json(Value),
    File(File),
}

impl Out {
    fn into_item(self, item: usize) -> ItemOut {
        let (json, binary) = match self {
            Out::Json(json) => (as_object(json), None),
            Out::File(file) => {
                let json =
                    json!({ "fileName": file.file_name, "mimeType": file.mime_type, "fileSize": file.data.len() });
                let binary = BinaryOut {
                    file_size: file.data.len(),
                    data: file.data,
                    file: 0, // numbered once all items are known
                    mime_type: file.mime_type,
                    file_name: file.file_name,
                };
                (json, Some(binary))
            }
        };
        ItemOut { json, binary, paired_item: PairedItem { item } }
    }
}

fn file_of(response: Response, fallback_name: String) -> File {
    let mime_type = response
        .header("content-type")
        .map(|t| t.split(';').next().unwrap_or(t).trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let file_name = response
        .header("content-disposition")
        .and_then(disposition_file_name)
        .unwrap_or_else(|| format!("{fallback_name}.{}", extension(&mime_type)));
    File { data: response.body, mime_type, file_name }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "application/json" => "json",
        "application/zip" => "zip",
        _ => "bin",
    }
}

/// `attachment; filename="invoice.pdf"` → `invoice.pdf` (path parts dropped: a name, never a path).
fn disposition_file_name(header: &str) -> Option<String> {
    let raw = header.split(';').map(str::trim).find_map(|part| part.strip_prefix("filename="))?;
    let name = raw.trim_matches('"').rsplit(['/', '\\']).next()?.trim();
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}

fn as_object(value: Value) -> Value {
    match value {
        Value::Object(_) => value,
        Value::Null => json!({ "success": true }),
        other => json!({ "value": other }),
    }
}

fn error_json(error: &NodeError) -> Value {
    let mut json = json!({ "error": error.message });
    if let Some(description) = &error.description {
        json["description"] = json!(description);
    }
    if let Some(code) = &error.http_code {
        json["httpCode"] = json!(code);
    }
    if let Some(reason) = error.reason {
        json["reason"] = json!(reason);
    }
    if error.possibly_carried_out {
        json["possiblyCarriedOut"] = json!(true);
    }
    if let Some(created) = &error.created {
        json["created"] = (**created).clone();
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;
    use crate::describe::Property;
    use crate::node::{Operation, Resource, VendorError};
    use crate::testing::{block_on, demo_node, MockHost};

    fn registry() -> Registry {
        let get = Operation::new("get", "Get", "Get a thing", |input| {
            let id = input.params.required_text("id")?;
            Ok(Plan::item(Request::get("/things/{id}").path_param("id", &id)?))
        })
        .fields(vec![Property::string("id", "Thing ID").required()]);
        let list = Operation::new("list", "List", "List things", |input| {
            Ok(Plan::list(Request::get("/things"), Some(Paging::from_params(&input.params, 2)?)))
        })
        .public();
        let make = Operation::new("make", "Make", "Make a thing and wait for it", |input| {
            let max_wait_ms = input.params.integer("maxWait", 0, 100_000)?.unwrap_or(1000) as u64;
            Ok(Plan::then(Request::post("/things").json(json!({})), move |made| {
                let id = made["id"].as_str().unwrap_or_default().to_string();
                let check = |thing: Value| match thing["state"].as_str() {
                    Some("ready") => Ok(Polled::Ready(thing)),
                    Some("broken") => Err(NodeError::api("broken")),
                    other => Ok(Polled::Pending(other.unwrap_or("unknown").to_string())),
                };
                let poll = Poll { check: Box::new(check), first_delay_ms: 100, max_delay_ms: 200, max_wait_ms };
                Ok(Plan::poll(Request::get("/things/{id}").path_param("id", &id)?, poll))
            }))
        });
        let echo = Operation::new("echo", "Echo", "Echo the item", |input| Ok(Plan::Done(vec![input.json.clone()])));
        let mut node = demo_node(
            Some("demoApi"),
            vec![Resource { value: "thing", name: "Thing", operations: vec![get, list, make, echo] }],
        );
        node.vendor_error = |r| VendorError {
            message: r.json().ok().and_then(|b| b["msg"].as_str().map(String::from)).unwrap_or_default(),
            description: None,
        };
        Registry {
            nodes: vec![node],
            credentials: vec![Credential {
                name: "demoApi",
                display_name: "Demo API",
                documentation_url: "",
                properties: vec![Property::password("token", "Token")],
                test: None,
                base_url_field: None,
                headers: |c, v| Ok(vec![("x-token".into(), c.field(v, "token")?.into())]),
            }],
        }
    }

    fn request(items: Value, continue_on_fail: bool) -> ExecuteRequest {
        ExecuteRequest::from_json(json!({
            "node": "demo",
            "items": items,
            "credentials": { "token": "sekret-token" },
            "continueOnFail": continue_on_fail,
        }))
        .unwrap()
    }

    fn get(id: &str) -> Value {
        json!({ "parameters": { "resource": "thing", "operation": "get", "id": id } })
    }

    #[test]
    fn a_bad_item_stops_the_run_before_any_request() {
        let host = MockHost::new(vec![]);
        let result = block_on(execute(&registry(), request(json!([get("a"), get("")]), false), &host));
        assert!(host.sent().is_empty());
        let error = result.error.unwrap();
        assert_eq!(error.message, "Parameter \"Thing ID\" of item 1 is required");
        assert_eq!(error.item_index, Some(1));
    }

    #[test]
    fn continue_on_fail_keeps_every_item_in_place() {
        let host = MockHost::new(vec![
            MockHost::reply(200, &[], r#"{"id":"a"}"#),
            MockHost::reply(404, &[], r#"{"msg":"no thing sekret-token"}"#),
        ]);
        let items = json!([get("a"), get(""), get("b")]);
        let result = block_on(execute(&registry(), request(items, true), &host));
        assert_eq!(result.error, None);
        let out: Vec<_> = result.items.iter().map(|i| (i.paired_item.item, i.json.clone())).collect();
        assert_eq!(out[0], (0, json!({"id": "a"})));
        assert_eq!(out[1].0, 1);
        assert!(out[1].1["error"].as_str().unwrap().contains("Thing ID"));
        assert_eq!(
            out[2],
            (
                2,
                json!({"error": "no thing [redacted]", "description": "{\"msg\":\"no thing [redacted]\"}", "httpCode": "404"})
            )
        );
        assert_eq!(
            host.sent()[0].auth.as_ref().unwrap().headers,
            vec![("x-token".to_string(), "sekret-token".to_string())]
        );
    }

    #[test]
    fn return_all_follows_the_total_count_even_when_pages_come_back_short() {
        let host = MockHost::new(vec![
            MockHost::reply(200, &[("x-pagination-totalcount", "3")], "[1]"),
            MockHost::reply(200, &[("x-pagination-totalcount", "3")], "[2, 3]"),
        ]);
        let items = json!([{ "parameters": { "resource": "thing", "operation": "list", "returnAll": true } }]);
        let result = block_on(execute(&registry(), request(items, false), &host));
        let values: Vec<_> = result.items.iter().map(|i| i.json["value"].clone()).collect();
        assert_eq!(values, [json!(1), json!(2), json!(3)]);
        let urls: Vec<_> = host.sent().iter().map(|o| o.url.clone()).collect();
        assert_eq!(urls, ["http://demo.test/things?limit=2&skip=0", "http://demo.test/things?limit=2&skip=1"]);
    }

    #[test]
    fn public_operations_run_without_a_credential_and_others_ask_for_it() {
        let host = MockHost::new(vec![MockHost::reply(200, &[], "[]")]);
        let mut without =
            request(json!([{ "parameters": { "resource": "thing", "operation": "list", "limit": 5 } }]), false);
        without.credentials = None;
        let result = block_on(execute(&registry(), without, &host));
        assert_eq!(result.error, None);
        assert_eq!(host.sent()[0].auth, None);
        let mut without = request(json!([get("a")]), false);
        without.credentials = None;
        let result = block_on(execute(&registry(), without, &host));
        assert_eq!(result.error.unwrap().message, "\"Get\" needs a \"Demo API\" credential");
        assert_eq!(host.sent().len(), 1);
    }

    fn make(max_wait: u64) -> Value {
        json!([{ "parameters": { "resource": "thing", "operation": "make", "maxWait": max_wait } }])
    }

    #[test]
    fn a_create_is_sent_once_then_read_until_ready_with_growing_pauses() {
        let host = MockHost::new(vec![
            MockHost::reply(201, &[], r#"{"id":"t1","state":"new"}"#),
            MockHost::reply(200, &[], r#"{"id":"t1","state":"busy"}"#),
            MockHost::reply(200, &[], r#"{"id":"t1","state":"busy"}"#),
            MockHost::reply(200, &[], r#"{"id":"t1","state":"busy"}"#),
            MockHost::reply(200, &[], r#"{"id":"t1","state":"ready"}"#),
        ]);
        let result = block_on(execute(&registry(), request(make(1000), false), &host));
        assert_eq!(result.items[0].json["state"], "ready");
        let methods: Vec<_> = host.sent().iter().map(|o| o.method.as_str()).collect();
        assert_eq!(methods, ["POST", "GET", "GET", "GET", "GET"]);
        assert_eq!(host.sleeps(), vec![100, 150, 200]);
    }

    #[test]
    fn polling_gives_up_after_the_maximum_wait_and_says_the_last_state() {
        let busy = MockHost::reply(200, &[], r#"{"id":"t1","state":"busy"}"#);
        let host = MockHost::new(vec![MockHost::reply(201, &[], r#"{"id":"t1"}"#), busy.clone(), busy.clone(), busy]);
        let result = block_on(execute(&registry(), request(make(250), false), &host));
        assert_eq!(result.error.unwrap().message, "Still busy after waiting 0 s");
        assert_eq!(host.sleeps(), vec![100, 150]);
        assert_eq!(host.sent().iter().filter(|o| o.method == crate::http::Method::Post).count(), 1);
    }

    fn list_all(extra: Value) -> Value {
        let mut parameters = json!({ "resource": "thing", "operation": "list", "returnAll": true });
        parameters.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!([{ "parameters": parameters }])
    }

    fn values(result: &ExecuteResult) -> Vec<Value> {
        result.items.iter().map(|i| i.json["value"].clone()).collect()
    }

    #[test]
    fn return_all_stops_on_a_page_that_repeats_the_one_before() {
        // A server that ignores the offset and claims a huge total.
        let page = MockHost::reply(200, &[("x-pagination-totalcount", "1000000000")], "[1, 2]");
        let host = MockHost::new(vec![page.clone(), page.clone(), page]);
        let result = block_on(execute(&registry(), request(list_all(json!({})), false), &host));
        assert_eq!(values(&result), [json!(1), json!(2)]);
        assert_eq!(host.sent().len(), 2);
    }

    #[test]
    fn return_all_stops_at_the_page_cap_and_says_what_it_collected() {
        let pages: Vec<_> =
            (0..10).map(|i| MockHost::reply(200, &[], &format!("[{}, {}]", 2 * i, 2 * i + 1))).collect();
        let host = MockHost::new(pages);
        let items = list_all(json!({ "requestOptions": { "maxPages": 3 } }));
        let error = block_on(execute(&registry(), request(items, false), &host)).error.unwrap();
        assert_eq!(
            error.message,
            "Return All stopped after 3 pages with 6 items collected, before the service said the list had ended"
        );
        assert!(error.description.unwrap().contains("Max Pages"));
        assert_eq!(host.sent().len(), 3);
    }

    #[test]
    fn a_server_capping_the_page_size_still_gives_every_item() {
        // Asked for 2 a page, it sends 1: without a total, the list ends only on an empty page.
        let host = MockHost::new(vec![
            MockHost::reply(200, &[], "[1]"),
            MockHost::reply(200, &[], "[2]"),
            MockHost::reply(200, &[], "[]"),
        ]);
        let result = block_on(execute(&registry(), request(list_all(json!({})), false), &host));
        assert_eq!(values(&result), [json!(1), json!(2)]);
        let urls: Vec<_> = host.sent().iter().map(|o| o.url.clone()).collect();
        assert_eq!(urls[2], "http://demo.test/things?limit=2&skip=2");
        // Once a full page was seen, a shorter one is the last.
        let host = MockHost::new(vec![MockHost::reply(200, &[], "[1, 2]"), MockHost::reply(200, &[], "[3]")]);
        let result = block_on(execute(&registry(), request(list_all(json!({})), false), &host));
        assert_eq!(values(&result).len(), 3);
        assert_eq!(host.sent().len(), 2);
    }

    #[test]
    fn a_create_whose_follow_up_fails_is_named_with_what_it_created() {
        let host = MockHost::new(vec![
            MockHost::reply(201, &[], r#"{"id":"t1","state":"new"}"#),
            MockHost::reply(503, &[], r#"{"msg":"maintenance"}"#),
        ]);
        let mut run = request(make(1000), true);
        run.retry = RetryPolicy { max_retries: 0, ..RetryPolicy::default() };
        let result = block_on(execute(&registry(), run, &host));
        let item = &result.items[0].json;
        assert_eq!(item["error"], "maintenance");
        assert_eq!(item["created"], json!({ "id": "t1", "state": "new" }));
        assert_eq!(item["possiblyCarriedOut"], true);
        assert!(item["description"]
            .as_str()
            .unwrap()
            .starts_with("POST /things was carried out before this step failed"));
        assert_eq!(host.sent().iter().filter(|o| o.method == crate::http::Method::Post).count(), 1);
    }

    #[test]
    fn every_attempt_carries_the_item_limits() {
        let host = MockHost::new(vec![MockHost::reply(200, &[], "{}")]);
        let mut item = get("a");
        item["parameters"]["requestOptions"] = json!({ "timeout": 250, "maxResponseMb": 1 });
        block_on(execute(&registry(), request(json!([item]), false), &host));
        let sent = &host.sent()[0];
        assert_eq!((sent.timeout_ms, sent.max_response_bytes), (250, 1024 * 1024));
        let host = MockHost::new(vec![MockHost::reply(200, &[], &format!("\"{}\"", "x".repeat(2000)))]);
        let mut item = get("a");
        item["parameters"]["requestOptions"] = json!({ "maxResponseMb": 1 });
        let mut run = request(json!([item]), false);
        run.limits.max_response_bytes = 1000; // only a host default: the item's option wins
        assert_eq!(block_on(execute(&registry(), run, &host)).error, None);
        let host = MockHost::new(vec![MockHost::reply(200, &[], &"x".repeat(2000))]);
        let mut run = request(json!([get("a")]), false);
        run.limits.max_response_bytes = 1000;
        let error = block_on(execute(&registry(), run, &host)).error.unwrap();
        assert_eq!(error.reason, Some("too-large"));
    }

    #[test]
    fn bad_credential_and_broken_text_are_input_errors_before_anything_is_sent() {
        let host = MockHost::new(vec![]);
        let mut run = request(json!([get("a")]), false);
        run.credentials = Some(json!({ "token": "abc\r\nX-Evil: 1" }).as_object().unwrap().clone());
        let error = block_on(execute(&registry(), run, &host)).error.unwrap();
        assert_eq!(
            error.message,
            "The credential \"Demo API\" field \"Token\" contains a line break, which cannot be sent in an HTTP header"
        );
        let mut run = request(json!([get("a")]), false);
        run.credentials = Some(json!({ "token": "t\u{20ac}ken" }).as_object().unwrap().clone());
        assert!(block_on(execute(&registry(), run, &host)).error.unwrap().message.contains("outside Latin-1"));
        let marked = crate::unicode::mark_lone_surrogates(
            r#"{"node":"demo","items":[{"parameters":{"resource":"thing","operation":"get","id":"a\ud800b"}}]}"#,
        );
        let run = ExecuteRequest::from_json(serde_json::from_str(&marked).unwrap()).unwrap();
        let error = block_on(execute(&registry(), run, &host)).error.unwrap();
        assert!(
            error.message.starts_with("Parameter \"Thing ID\" of item 0 contains text that is not valid Unicode"),
            "{}",
            error.message
        );
        assert!(host.sent().is_empty());
    }

    #[test]
    fn a_plan_without_a_request_sends_nothing() {
        let host = MockHost::new(vec![]);
        let items = json!([{ "json": { "a": 1 }, "parameters": { "resource": "thing", "operation": "echo" } }]);
        let result = block_on(execute(&registry(), request(items, false), &host));
        assert_eq!(result.items[0].json, json!({ "a": 1 }));
        assert!(host.sent().is_empty());
    }
}
