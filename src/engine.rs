//! One execution of a node over all its items:
//! input items → parameters → validated plans → (concurrently, paced) session → answers → output items.
//!
//! Every item is validated before anything is sent. Items then start in input order, at most
//! `concurrency` at a time (in batches when asked), and their requests share one `Pace`. Outputs keep
//! the input order. Without Continue On Fail the first failure stops the run: items that have not sent
//! anything are dropped, those that have finish, and side effects among them are reported.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;

use serde_json::{json, Value};

use crate::boundary::{ExecuteRequest, ExecuteResult, ItemIn, ItemOut, OutJson};
use crate::credential::{Credential, Values};
use crate::error::NodeError;
use crate::host::{Host, LocalFuture};
use crate::limits::Limits;
use crate::limits::PaceSettings;
use crate::node::{Expect, Input, Node, Plan, Poll as PollPlan, Polled};
use crate::options;
use crate::output::{answer_of, error_json, file_of, Out};
use crate::pace::Pace;
use crate::paginator::{collect, items_of};
use crate::params::Params;
use crate::redact::{redact_error, redact_text, redact_value};
use crate::registry::Registry;
use crate::session::{secrets_of, Budget, Reach, Session};
use crate::unicode::has_lone_surrogate;

/// Runs the request; the result carries either all output items or the error that stopped the run.
pub async fn execute(registry: &Registry, request: ExecuteRequest, host: &dyn Host) -> ExecuteResult {
    let secrets = RefCell::new(secrets_of(registry, &request.node, request.credentials.as_ref()));
    let mut result = match run(registry, &request, host, &secrets).await {
        Ok(items) => ExecuteResult { items, error: None },
        Err(error) => ExecuteResult { items: Vec::new(), error: Some(error) },
    };
    let mut secrets = secrets.into_inner();
    secrets.extend(crate::token::issued());
    let mut files = 0;
    for item in &mut result.items {
        // A passed-on answer was let through only without secrets in it.
        if let OutJson::Value(json) = &mut item.json {
            redact_value(json, &secrets);
        }
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

type Outcome = Result<Vec<Out>, NodeError>;

async fn run(
    registry: &Registry,
    request: &ExecuteRequest,
    host: &dyn Host,
    secrets: &RefCell<Vec<String>>,
) -> Result<Vec<ItemOut>, NodeError> {
    let form = [options::property()];
    // The run's pace is read from the first item; a bad value there is that item's error.
    let (settings, pace_error) = match request.items.first() {
        Some(first) => match options::of(&first.parameters, 0, &form).and_then(|o| request.pace.for_run(&o)) {
            Ok(settings) => (settings, None),
            Err(error) if request.continue_on_fail => (request.pace, Some(error)),
            Err(error) => return Err(error),
        },
        None => (request.pace, None),
    };
    let pace = Pace::new(host, &settings);
    let reach = Reach {
        credentials: request.credentials.as_ref(),
        base_url: request.base_url.as_deref(),
        retry: request.retry,
        pace: &pace,
    };
    let session = Session::open(registry, &request.node, reach, host)?;
    let (node, credential, values) = (session.node, session.credential, session.values);

    // Every item is validated before anything is sent, so bad input never leaves a half-done run.
    let missing_credential = credential.filter(|_| !session.authenticated());
    let run_id = run_id(host);
    let mut pace_error = pace_error;
    let plans: Vec<Result<(Plan, Limits), NodeError>> = request
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            if let Some(error) = pace_error.take() {
                return Err(error);
            }
            let plan = prepare(node, missing_credential, (item, index), values, secrets, run_id)?;
            let limits = request.limits.for_item(&options::of(&item.parameters, index, &form)?)?;
            Ok((plan, limits))
        })
        .collect();
    if !request.continue_on_fail {
        if let Some(Err(error)) = plans.iter().find(|p| p.is_err()) {
            return Err(error.clone());
        }
    }
    // All items are prepared: the secrets are all known (a copy, as nothing may hold the cell across awaits).
    let secrets = secrets.borrow().clone();
    let outcomes = drive(&session, plans, &settings, request.continue_on_fail, &secrets).await?;
    let mut output = Vec::with_capacity(outcomes.len());
    for (index, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(values) => output.extend(values.into_iter().map(|out| out.into_item(index))),
            Err(error) => output.push(Out::Json(error_json(&error)).into_item(index)),
        }
    }
    Ok(output)
}

/// An item in progress: its budget (what it has sent, what it changed) and its work.
struct Running<'a> {
    index: usize,
    budget: Rc<Budget>,
    work: LocalFuture<'a, Outcome>,
}

/// Runs the items' plans, each to an outcome in input order; without `continue_on_fail`, the first
/// failure (with what other items carried out meanwhile) instead.
async fn drive<'a>(
    session: &'a Session<'a>,
    plans: Vec<Result<(Plan, Limits), NodeError>>,
    settings: &PaceSettings,
    continue_on_fail: bool,
    secrets: &'a [String],
) -> Result<Vec<Outcome>, NodeError> {
    let host = session.host;
    let count = plans.len();
    let mut outcomes: Vec<Option<Outcome>> = (0..count).map(|_| None).collect();
    let mut effects = vec![false; count];
    let mut waiting = std::collections::VecDeque::with_capacity(count);
    for (index, plan) in plans.into_iter().enumerate() {
        match plan {
            Ok(plan) => waiting.push_back((index, plan)),
            Err(error) => outcomes[index] = Some(Err(error)),
        }
    }
    let width = settings.concurrency.max(1) as usize;
    let mut running: Vec<Running<'a>> = Vec::with_capacity(width);
    let mut failure: Option<(usize, NodeError)> = None;
    let mut in_batch = 0u64;
    let mut between_batches: Option<LocalFuture<'a, ()>> = None;

    std::future::poll_fn(|cx| loop {
        let mut progressed = false;
        if let Some(pause) = &mut between_batches {
            if pause.as_mut().poll(cx).is_ready() {
                between_batches = None;
                progressed = true;
            }
        }
        while failure.is_none() && between_batches.is_none() && running.len() < width && !waiting.is_empty() {
            if settings.batch_size > 0 && in_batch == settings.batch_size {
                if !running.is_empty() {
                    break; // the batch is still at work
                }
                in_batch = 0;
                if settings.batch_interval_ms > 0 {
                    between_batches = Some(host.sleep(settings.batch_interval_ms));
                    progressed = true;
                    break;
                }
            }
            let Some((index, (plan, limits))) = waiting.pop_front() else { break };
            let budget = Rc::new(Budget::new(host, limits));
            let work = run_item(session, plan, index, budget.clone(), secrets);
            running.push(Running { index, budget, work });
            in_batch += 1;
            progressed = true;
        }
        let mut at = 0;
        while at < running.len() {
            let Poll::Ready(outcome) = running[at].work.as_mut().poll(cx) else {
                at += 1;
                continue;
            };
            let done = running.swap_remove(at);
            effects[done.index] = done.budget.effect.get();
            match outcome {
                Err(error) if !continue_on_fail => {
                    failure.get_or_insert((done.index, error));
                }
                outcome => outcomes[done.index] = Some(outcome),
            }
            progressed = true;
        }
        if failure.is_some() {
            // Nothing more goes out; what already went out finishes, so its effects are known.
            waiting.clear();
            between_batches = None;
            running.retain(|item| item.budget.sent.get());
        }
        if running.is_empty() && waiting.is_empty() && between_batches.is_none() {
            return Poll::Ready(());
        }
        if !progressed {
            return Poll::Pending;
        }
    })
    .await;

    if let Some((index, error)) = failure {
        return Err(stopped(error.at_item(index), &outcomes, &effects));
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| {
            Ok(outcome
                .unwrap_or_else(|| Err(NodeError::internal(format!("item {index} was never run")).at_item(index))))
        })
        .collect()
}

/// The error that stopped the run, saying which other items had carried out a side effect by then.
fn stopped(error: NodeError, outcomes: &[Option<Outcome>], effects: &[bool]) -> NodeError {
    // One entry per output item, as n8n pairs them: `{ item, json }`.
    let carried: Vec<Value> = outcomes
        .iter()
        .enumerate()
        .filter(|(index, _)| effects[*index])
        .flat_map(|(index, outcome)| {
            match outcome {
                Some(Ok(values)) => values.as_slice(),
                _ => &[],
            }
            .iter()
            .map(move |out| match out {
                Out::Json(json) => json!({ "item": index, "json": json }),
                Out::Raw(raw) => json!({ "item": index, "json": OutJson::Raw(raw.clone()).value() }),
                Out::File(file) => json!({ "item": index, "json": { "fileName": file.file_name } }),
            })
        })
        .collect();
    if carried.is_empty() {
        return error;
    }
    let mut items: Vec<String> = carried.iter().map(|c| c["item"].to_string()).collect();
    items.dedup();
    let (noun, verb, them, they) =
        if items.len() == 1 { ("Item", "was", "it", "it") } else { ("Items", "were", "them", "they") };
    let note = format!(
        "{noun} {} {verb} carried out before the run stopped (already sent when item {} failed): do not run {them} \
         again. What {they} answered is in carriedOut.",
        crate::params::listed(&items),
        error.item_index.unwrap_or_default(),
    );
    let mut error = error.noting(&note);
    error.carried_out = Some(Box::new(Value::Array(carried)));
    error
}

/// `missing_credential`: the node's credential type, when the caller gave none.
fn prepare(
    node: &Node,
    missing_credential: Option<&Credential>,
    (item, index): (&ItemIn, usize),
    credentials: &Values,
    secrets: &RefCell<Vec<String>>,
    run: u64,
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
        let mut message = format!("\"{}\" needs a \"{}\" credential", operation.name, credential.display_name);
        if item.parameters.get(crate::node::AUTHENTICATION).and_then(Value::as_str) == Some(crate::node::NO_CREDENTIAL)
        {
            message
                .push_str(": set Authentication to \"Credential\" and choose one (None runs only public operations)");
        }
        return Err(NodeError::input(message).at_item(index));
    }
    let input = Input {
        params: Params::new(&item.parameters, index, &operation.properties),
        json: &item.json,
        binary: &item.binary,
        credentials,
        secrets,
        run,
    };
    (operation.prepare)(&input).map_err(|e| e.at_item(index))
}

/// A number no other run of this module instance shares, and other instances almost surely not:
/// the host's entropy with a count of runs.
fn run_id(host: &dyn Host) -> u64 {
    thread_local! { static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }
    let count = RUNS.with(|runs| {
        runs.set(runs.get().wrapping_add(1));
        runs.get()
    });
    host.entropy() ^ count.wrapping_mul(0x9e37_79b9_7f4a_7c15)
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

fn run_item<'a>(
    session: &'a Session<'a>,
    plan: Plan,
    index: usize,
    budget: Rc<Budget>,
    secrets: &'a [String],
) -> LocalFuture<'a, Outcome> {
    Box::pin(async move {
        let plan = session.load_files(plan, index).await.map_err(|e| e.at_item(index))?;
        interpret(session, plan, &budget, secrets).await.map_err(|e| e.at_item(index))
    })
}

/// `secrets`: what must not be passed on unredacted (an answer holding one is read, not passed on).
fn interpret<'b>(
    session: &'b Session<'b>,
    plan: Plan,
    budget: &'b Budget,
    secrets: &'b [String],
) -> LocalFuture<'b, Outcome> {
    // Boxed: a `Then` step runs the plan its answer produced.
    Box::pin(async move {
        let (request, expect) = match plan {
            Plan::Done(values) => return Ok(values.into_iter().map(Out::Json).collect()),
            Plan::Call { request, expect } => (request, expect),
        };
        let json = |values: Vec<Value>| values.into_iter().map(Out::Json).collect();
        match expect {
            Expect::Answer => {
                let response = session.send(&request, budget).await?;
                // Tokens the session fetched meanwhile are secrets too.
                let mut secrets = secrets.to_vec();
                secrets.extend(crate::token::issued());
                match answer_of(&response, &secrets) {
                    Ok(out) => Ok(vec![out]),
                    Err(error) if !request.method.is_idempotent() => {
                        let what = format!("{} {}", request.method.as_str(), request.path);
                        Err(error.after_side_effect(&what, Value::String(crate::error::snippet(&response.text()))))
                    }
                    Err(error) => Err(error),
                }
            }
            Expect::Item(shape) => Ok(vec![Out::Json(shape(session.send_json(&request, budget).await?.1)?)]),
            Expect::List(None) => items_of(&mut session.send(&request, budget).await?.json()?, "").map(json),
            Expect::List(Some(paging)) => collect(session, &request, &paging, budget).await.map(json),
            Expect::Then(next) => {
                let (effect, answer) = session.send_json(&request, budget).await?;
                // What a create answered is kept, so a failing follow-up can say it happened.
                let created = effect.map(|what| (what, answer.clone()));
                let outcome = match next(answer) {
                    Ok(plan) => interpret(session, plan, budget, secrets).await,
                    Err(error) => Err(error),
                };
                outcome.map_err(|error| match created {
                    Some((what, answer)) => error.after_side_effect(&what, answer),
                    None => error,
                })
            }
            Expect::Headers => {
                let response = session.send(&request, budget).await?;
                let headers = response.headers.into_iter().map(|(name, value)| (name, Value::String(value)));
                Ok(vec![Out::Json(Value::Object(headers.collect()))])
            }
            Expect::Poll(poll) => poll_until_settled(session, &request, &poll, budget).await.map(json),
            Expect::File { file_name } => {
                Ok(vec![Out::File(file_of(session.send(&request, budget).await?, file_name))])
            }
        }
    })
}

/// Reads until settled. Time is counted in the pauses taken, so no clock is needed and a slow vendor
/// cannot stretch the bound by much more than one request.
async fn poll_until_settled(
    session: &Session<'_>,
    request: &crate::http::Request,
    poll: &PollPlan,
    budget: &Budget,
) -> Result<Vec<Value>, NodeError> {
    budget.extend(poll.max_wait_ms);
    let host = session.host;
    let mut waited = 0u64;
    let mut delay = poll.first_delay_ms;
    loop {
        match (poll.check)(session.send(request, budget).await?.json()?)? {
            Polled::Ready(value) => return Ok(vec![value]),
            Polled::Pending(state) if waited >= poll.max_wait_ms => {
                return Err(NodeError::api(format!("Still {state} after waiting {} s", waited / 1000))
                    .with_description("Raise the maximum wait, or look at it again later with a Get"));
            }
            Polled::Pending(_) => {
                let left = budget.deadline().left_ms(host);
                if left == 0 {
                    return Err(budget.deadline().exceeded());
                }
                let pause = delay.min(poll.max_wait_ms - waited).min(left);
                host.sleep(pause).await;
                waited += pause;
                delay = (delay.saturating_mul(3) / 2).min(poll.max_delay_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;
    use crate::describe::Property;
    use crate::http::Request;
    use crate::node::{Operation, Resource, VendorError};
    use crate::paging::{Pages, Paging, Strategy};
    use crate::retry::RetryPolicy;
    use crate::testing::{block_on, demo_node, MockHost};

    const PAGES: Strategy =
        Strategy::Offset { limit: "limit", offset: "skip", total_header: Some("x-pagination-totalcount") };

    fn registry() -> Registry {
        let get = Operation::new("get", "Get", "Get a thing", |input| {
            let id = input.params.required_text("id")?;
            Ok(Plan::item(Request::get("/things/{id}").path_param("id", &id)?))
        })
        .fields(vec![Property::string("id", "Thing ID").required()]);
        let list = Operation::new("list", "List", "List things", |input| {
            Ok(Plan::list(Request::get("/things"), Some(Paging::from_params(&input.params, Pages::new(PAGES, 2))?)))
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
                let poll = PollPlan { check: Box::new(check), first_delay_ms: 100, max_delay_ms: 200, max_wait_ms };
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
                oauth2: None,
                icon: ("demo.svg", None),
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
        let out: Vec<_> = result.items.iter().map(|i| (i.paired_item.item, i.json.value())).collect();
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
        let values: Vec<_> = result.items.iter().map(|i| i.json.value()["value"].clone()).collect();
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
        // Chosen in the form ("Authentication: None"): the message says what to choose instead.
        let item =
            json!({ "parameters": { "resource": "thing", "operation": "get", "id": "a", "authentication": "none" } });
        let mut without = request(json!([item]), false);
        without.credentials = None;
        let error = block_on(execute(&registry(), without, &host)).error.unwrap();
        assert_eq!(
            error.message,
            "\"Get\" needs a \"Demo API\" credential: set Authentication to \"Credential\" and choose one (None runs only public operations)"
        );
        assert_eq!(host.sent().len(), 1, "nothing more was sent");
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
        assert_eq!(result.items[0].json.value()["state"], "ready");
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
        result.items.iter().map(|i| i.json.value()["value"].clone()).collect()
    }

    #[test]
    fn return_all_stops_on_a_page_that_repeats_the_one_before() {
        // A server that ignores the offset and claims a huge total.
        let page = MockHost::reply(200, &[("x-pagination-totalcount", "1000000000")], "[1, 2]");
        let host = MockHost::new(vec![page; 10]);
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
        let item = &result.items[0].json.value();
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
        assert_eq!(result.items[0].json.value(), json!({ "a": 1 }));
        assert!(host.sent().is_empty());
    }

    #[test]
    fn answers_pass_through_as_they_came_unless_they_could_hold_a_secret() {
        let run = |body: &str| {
            let host = MockHost::new(vec![MockHost::reply(200, &[], body)]);
            let result = block_on(execute(&registry(), request(json!([get("a")]), false), &host));
            result.items.into_iter().next().unwrap()
        };
        let out = run(r#"{"id":"a","n":[1,{"b":null}]}"#);
        assert!(matches!(out.json, OutJson::Raw(_)), "passed on as its text");
        let result = ExecuteResult { items: vec![out], error: None };
        assert_eq!(
            result.to_json(),
            r#"{"items":[{"json":{"id":"a","n":[1,{"b":null}]},"pairedItem":{"item":0}}],"error":null}"#
        );
        let through_serde: Value = serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
        assert_eq!(through_serde, serde_json::from_str::<Value>(&result.to_json()).unwrap());

        // The token in it, plainly or spelled with an escape, is read and redacted.
        assert_eq!(run(r#"{"echo":"sekret-token"}"#).json.value(), json!({ "echo": "[redacted]" }));
        assert_eq!(run(r#"{"echo":"\u0073ekret-token"}"#).json.value(), json!({ "echo": "[redacted]" }));
        // Not an object, or not JSON at all: as before.
        assert_eq!(run("[1]").json.value(), json!({ "value": [1] }));
        let host = MockHost::new(vec![MockHost::reply(200, &[], "{\"id\": ")]);
        let result = block_on(execute(&registry(), request(json!([get("a")]), false), &host));
        assert!(result.error.unwrap().message.starts_with("The service answered with something that is not JSON"));
    }
}
