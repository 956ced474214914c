//! One poll of a polling trigger: the events since the last poll, each once, oldest first, and the
//! state the next poll starts from. The state is the newest event time emitted and the ids of the
//! events at exactly that time (a later poll asks from that time again, inclusive, and skips them), so
//! nothing is emitted twice or skipped, even when several events share a millisecond.

use serde::Serialize;
use serde_json::{json, Value};

use crate::boundary::PollRequest;
use crate::error::NodeError;
use crate::host::Host;
use crate::http::Request;
use crate::limits::{Limits, PaceSettings};
use crate::pace::Pace;
use crate::paginator;
use crate::params::Params;
use crate::polling::{Polling, INCLUDE_PAST};
use crate::redact::{redact_error, redact_value};
use crate::registry::Registry;
use crate::session::{secrets_of, Budget, Reach, Session};

/// At most this many events per poll; the rest come with the next one (the state moves only as far
/// as what was emitted).
pub const MAX_EVENTS_PER_POLL: usize = 1000;
/// A test run from the editor shows at most this many of the newest events.
const MANUAL_EVENTS: usize = 10;

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct PollResult {
    pub items: Vec<Value>,
    /// What the next poll starts from: `{ newest, ids }` (keep it as it is).
    pub state: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<NodeError>,
}

pub async fn poll(registry: &Registry, request: PollRequest, host: &dyn Host) -> PollResult {
    let mut secrets = secrets_of(registry, &request.node, request.credentials.as_ref());
    let mut result = match events(registry, &request, host).await {
        Ok(result) => result,
        Err(error) => PollResult { error: Some(error), state: request.state.clone(), ..PollResult::default() },
    };
    secrets.extend(crate::token::issued());
    result.items.iter_mut().for_each(|item| redact_value(item, &secrets));
    if let Some(error) = &mut result.error {
        redact_error(error, &secrets);
    }
    result
}

/// Where the last poll stopped.
struct Mark {
    newest: u64,
    ids: Vec<String>,
}

impl Mark {
    fn from_state(state: &Value) -> Option<Mark> {
        let newest = state["newest"].as_u64()?;
        let ids = state["ids"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect();
        Some(Mark { newest, ids })
    }

    fn state(&self) -> Value {
        json!({ "newest": self.newest, "ids": self.ids })
    }

    fn seen(&self, time: u64, id: &str) -> bool {
        time < self.newest || (time == self.newest && self.ids.iter().any(|seen| seen == id))
    }

    fn advance(&mut self, time: u64, id: &str) {
        if time > self.newest {
            self.newest = time;
            self.ids.clear();
        }
        self.ids.push(id.to_string());
    }
}

async fn events(registry: &Registry, request: &PollRequest, host: &dyn Host) -> Result<PollResult, NodeError> {
    let pace = Pace::new(host, &PaceSettings::default());
    let reach = Reach::single(request.credentials.as_ref(), request.base_url.as_deref(), &pace);
    let session = Session::open(registry, &request.node, reach, host)?;
    let polling = session
        .node
        .polling
        .as_ref()
        .ok_or_else(|| NodeError::input(format!("Node \"{}\" is not a polling trigger", request.node)))?;
    let mut form = polling.properties.clone();
    form.extend(crate::polling::common_properties());
    let params = Params::new(&request.parameters, 0, &form);
    let filters = (polling.filters)(&params)?;
    let past = params.boolean(INCLUDE_PAST, false)?;
    let budget = Budget::new(host, Limits::default());
    let query = |order: &[(&str, &str)]| {
        let fixed = order.iter().map(|(n, v)| (n.to_string(), v.to_string()));
        fixed
            .chain(filters.query.iter().cloned())
            .fold(Request::get(polling.path), |http, (name, value)| http.query(&name, value))
    };
    if request.manual {
        // A test run shows the newest events as they are; the trigger's state stays as it was.
        let mut latest = latest(&session, polling, &query(polling.latest_query), &budget).await?;
        latest.retain(|event| (filters.keep)(event));
        latest.truncate(MANUAL_EVENTS);
        latest.reverse();
        return Ok(PollResult { items: latest, state: request.state.clone(), error: None });
    }
    let mut mark = match Mark::from_state(&request.state) {
        Some(mark) => mark,
        // First poll: start after the newest event there is now, by the service's own clock (no event
        // yet: from the beginning), unless the user wants what is already there.
        None if !past => {
            let mut mark = Mark { newest: 0, ids: Vec::new() };
            for event in latest(&session, polling, &query(polling.latest_query), &budget).await? {
                if let (Some(time), Some(id)) = (time_of(&event, polling), id_of(&event, polling)) {
                    if time >= mark.newest {
                        mark.advance(time, &id);
                    }
                }
            }
            return Ok(PollResult { state: mark.state(), ..PollResult::default() });
        }
        None => Mark { newest: 0, ids: Vec::new() },
    };
    let http = query(polling.fixed_query).query(polling.since_param, mark.newest.to_string());
    let items = read(&session, polling, &http, &budget).await?;
    let mut emitted = Vec::new();
    for event in items {
        let (Some(time), Some(id)) = (time_of(&event, polling), id_of(&event, polling)) else { continue };
        if mark.seen(time, &id) {
            continue;
        }
        mark.advance(time, &id);
        if (filters.keep)(&event) {
            emitted.push(event);
        }
        if emitted.len() == MAX_EVENTS_PER_POLL {
            break;
        }
    }
    Ok(PollResult { items: emitted, state: mark.state(), error: None })
}

/// The first page of `http` (the newest events first).
async fn latest(
    session: &Session<'_>,
    polling: &Polling,
    http: &Request,
    budget: &Budget,
) -> Result<Vec<Value>, NodeError> {
    let at = paginator::start(&polling.pages);
    Ok(paginator::page(session, http, &polling.pages, &at, polling.pages.page_size.max(1), budget).await?.items)
}

/// The events from `http` on, page by page, at most enough pages for one poll.
async fn read(
    session: &Session<'_>,
    polling: &Polling,
    http: &Request,
    budget: &Budget,
) -> Result<Vec<Value>, NodeError> {
    let size = polling.pages.page_size.max(1);
    let max_pages = (MAX_EVENTS_PER_POLL as u64).div_ceil(size) + 1;
    let mut at = paginator::start(&polling.pages);
    let mut events = Vec::new();
    for _ in 0..max_pages {
        let page = paginator::page(session, http, &polling.pages, &at, size, budget).await?;
        let received = page.items.len() as u64;
        events.extend(page.items);
        if !page.more.unwrap_or(received >= size) || received == 0 {
            break;
        }
        at = page.next;
    }
    // Oldest first, whatever order the pages came in (a stable sort keeps the service's order of ties).
    events.sort_by_key(|event| time_of(event, polling).unwrap_or(u64::MAX));
    Ok(events)
}

fn time_of(event: &Value, polling: &Polling) -> Option<u64> {
    let value = event.pointer(polling.time_at)?;
    value.as_u64().or_else(|| value.as_f64().filter(|t| *t >= 0.0).map(|t| t as u64))
}

fn id_of(event: &Value, polling: &Polling) -> Option<String> {
    match event.pointer(polling.id_at)? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}
