//! The engine under concurrency, on a simulated clock (`TimedHost`): what runs together, in what
//! order outputs come, how a 429 pauses the run, how a failure stops it.

use serde_json::{json, Value};

use crate::boundary::{ExecuteRequest, ExecuteResult};
use crate::engine::execute;
use crate::http::{Request, Response};
use crate::node::{Operation, Plan, Resource};
use crate::registry::Registry;
use crate::testing::{demo_node, TimedHost};

fn registry() -> Registry {
    let get = Operation::new("get", "Get", "Get a thing", |input| {
        let id = input.params.required_text("id")?;
        Ok(Plan::item(Request::get("/things/{id}").path_param("id", &id)?))
    })
    .public();
    let make = Operation::new("make", "Make", "Make a thing", |input| {
        let id = input.params.required_text("id")?;
        Ok(Plan::item(Request::post("/things").json(json!({ "id": id }))))
    })
    .public();
    let node = demo_node(None, vec![Resource { value: "thing", name: "Thing", operations: vec![get, make] }]);
    Registry { nodes: vec![node], credentials: vec![] }
}

fn items(operation: &str, count: usize, options: Value) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({ "parameters": { "resource": "thing", "operation": operation, "id": format!("t{i}"), "requestOptions": options } })
        })
        .collect()
}

fn run(host: &TimedHost, items: Vec<Value>, extra: Value) -> ExecuteResult {
    let mut request = json!({ "node": "demo", "items": items, "retry": { "baseDelayMs": 100 } });
    request.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    host.run(execute(&registry(), ExecuteRequest::from_json(request).unwrap(), host))
}

fn ok(body: Value) -> Result<Response, crate::host::Failure> {
    Ok(Response { status: 200, headers: vec![], body: body.to_string().into_bytes() })
}

fn status(code: u16, headers: &[(&str, &str)]) -> Result<Response, crate::host::Failure> {
    let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    Ok(Response { status: code, headers, body: b"{}".to_vec() })
}

/// The id a request is about: its path's last part, or its JSON body's `id`.
fn id_of(request: &crate::host::Outgoing) -> String {
    match &request.body {
        Some(body) => serde_json::from_slice::<Value>(body).unwrap()["id"].as_str().unwrap().to_string(),
        None => request.url.rsplit('/').next().unwrap().to_string(),
    }
}

fn ids(result: &ExecuteResult) -> Vec<String> {
    result.items.iter().map(|i| i.json.value()["id"].as_str().unwrap_or("-").to_string()).collect()
}

#[test]
fn items_overlap_up_to_the_limit_and_come_back_in_input_order() {
    // Later items answer sooner, so completion order is the reverse of input order.
    let host = TimedHost::new(|request, _, _| {
        let n: u64 = id_of(request)[1..].parse().unwrap();
        (200 - n * 5, ok(json!({ "id": id_of(request) })))
    });
    let result = run(&host, items("get", 30, json!({})), json!({}));
    assert_eq!(result.error, None);
    let expected: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
    assert_eq!(ids(&result), expected);
    let paired: Vec<usize> = result.items.iter().map(|i| i.paired_item.item).collect();
    assert_eq!(paired, (0..30).collect::<Vec<_>>());
    assert!(host.most_in_flight() > 4, "the limit grows: {}", host.most_in_flight());
    assert!(host.most_in_flight() <= 32);
    assert!(host.now() < 30 * 100, "far faster than one after the other: {} ms", host.now());
}

#[test]
fn the_concurrency_option_caps_what_is_in_flight() {
    let host = TimedHost::new(|request, _, _| (20, ok(json!({ "id": id_of(request) }))));
    run(&host, items("get", 20, json!({ "concurrency": 3 })), json!({}));
    assert_eq!(host.most_in_flight(), 3);
    let host = TimedHost::new(|request, _, _| (20, ok(json!({ "id": id_of(request) }))));
    run(&host, items("get", 20, json!({})), json!({ "pace": { "concurrency": 1 } }));
    assert_eq!(host.most_in_flight(), 1);
    assert_eq!(host.now(), 20 * 20);
}

#[test]
fn a_429_with_retry_after_pauses_every_item_and_loses_nothing() {
    let host = TimedHost::new(|request, number, _| {
        if number == 6 {
            (20, status(429, &[("retry-after", "2")]))
        } else {
            (20, ok(json!({ "id": id_of(request) })))
        }
    });
    let result = run(&host, items("make", 20, json!({})), json!({}));
    assert_eq!(result.error, None);
    assert_eq!(result.items.len(), 20);
    let log = host.log();
    let refused = log.iter().find(|t| t.status == 429).unwrap();
    let answered_at = refused.started + 20;
    let during: Vec<_> = log.iter().filter(|t| t.started >= answered_at && t.started < answered_at + 2000).collect();
    assert!(during.is_empty(), "nothing is sent while the run is paused: {during:?}");
    let resumed = log.iter().find(|t| t.started >= answered_at + 2000).unwrap();
    assert_eq!(id_of(&resumed.request), id_of(&refused.request), "the refused request goes first");
    // Every item's POST succeeded exactly once; the refused one was sent again.
    let mut made: Vec<String> = log.iter().filter(|t| t.status == 200).map(|t| id_of(&t.request)).collect();
    made.sort();
    made.dedup();
    assert_eq!(made.len(), 20);
    assert_eq!(log.iter().filter(|t| t.status == 200).count(), 20);
}

#[test]
fn a_leaky_bucket_is_met_without_failing_an_item_and_without_a_429_storm() {
    // Burst 20, leaking 4 a second; beyond it a 429 saying when a place frees.
    let level = std::cell::Cell::new(0f64);
    let last = std::cell::Cell::new(0u64);
    let host = TimedHost::new(move |request, _, now| {
        let drained = (level.get() - (now - last.get()) as f64 * 4.0 / 1000.0).max(0.0);
        last.set(now);
        if drained + 1.0 > 20.0 {
            level.set(drained);
            let wait = ((drained + 1.0 - 20.0) / 4.0).ceil().max(1.0) as u64;
            return (5, status(429, &[("retry-after", &wait.to_string())]));
        }
        level.set(drained + 1.0);
        (20, ok(json!({ "id": id_of(request) })))
    });
    let result = run(&host, items("make", 200, json!({})), json!({}));
    assert_eq!(result.error, None);
    assert!(result.items.iter().all(|i| i.json.value().get("error").is_none()));
    let log = host.log();
    assert_eq!(log.iter().filter(|t| t.status == 200).count(), 200, "each POST carried out once");
    let refused = log.iter().filter(|t| t.status == 429).count();
    // The burst fills the bucket; from then on the run learns the rate and keeps to it.
    assert!(refused <= 30, "the run slows down instead of storming: {refused} refusals");
    // 180 orders beyond the burst at 4 a second take 45 s at best.
    assert!(host.now() < 50_000, "and keeps close to the rate allowed: {} ms", host.now());
}

#[test]
fn a_failure_stops_new_items_and_reports_side_effects_already_carried_out() {
    // Item 1 fails at once; items 0 and 2 (already sent) are slow and succeed.
    let host = TimedHost::new(|request, _, _| match id_of(request).as_str() {
        "t1" => (5, status(500, &[])),
        id => (50, ok(json!({ "id": id }))),
    });
    let result = run(&host, items("make", 40, json!({ "concurrency": 3 })), json!({}));
    let error = result.error.unwrap();
    assert_eq!(error.item_index, Some(1));
    assert!(host.log().len() < 10, "no new item starts after the failure: {}", host.log().len());
    let carried = error.carried_out.unwrap();
    let carried_items: Vec<u64> = carried.as_array().unwrap().iter().map(|c| c["item"].as_u64().unwrap()).collect();
    assert!(carried_items.contains(&0) && carried_items.contains(&2), "{carried}");
    assert_eq!(carried[0]["json"]["id"], "t0");
    let description = error.description.unwrap();
    assert!(description.starts_with("Items 0 and 2 were carried out before the run stopped"), "{description}");
}

#[test]
fn continue_on_fail_gives_one_output_per_item_in_place() {
    let host = TimedHost::new(|request, _, _| match id_of(request).as_str() {
        "t3" | "t7" => (5, status(500, &[])),
        id => (30, ok(json!({ "id": id }))),
    });
    let result = run(&host, items("get", 10, json!({})), json!({ "continueOnFail": true }));
    assert_eq!(result.items.len(), 10);
    for (index, item) in result.items.iter().enumerate() {
        assert_eq!(item.paired_item.item, index);
        assert_eq!(item.json.value().get("error").is_some(), index == 3 || index == 7);
    }
}

#[test]
fn batches_start_one_after_the_other_with_the_interval_between() {
    let host = TimedHost::new(|request, _, _| (20, ok(json!({ "id": id_of(request) }))));
    run(&host, items("get", 7, json!({ "batchSize": 3, "batchInterval": 100 })), json!({}));
    let starts: Vec<u64> = host.log().iter().map(|t| t.started).collect();
    assert_eq!(starts, [0, 0, 0, 120, 120, 120, 240]);
}

#[test]
fn pace_settings_are_checked_before_anything_is_sent() {
    let host = TimedHost::new(|_, _, _| panic!("nothing may be sent"));
    let result = run(&host, items("get", 2, json!({ "concurrency": 0 })), json!({}));
    assert_eq!(
        result.error.unwrap().message,
        "Parameter \"Concurrency\" of item 0 must be a whole number from 1 to 100, got 0"
    );
    let error =
        ExecuteRequest::from_json(json!({ "node": "demo", "items": [], "pace": { "concurrency": 101 } })).unwrap_err();
    assert_eq!(error, "pace.concurrency must be a whole number from 1 to 100, got 101");
}

#[test]
fn return_all_reads_pages_ahead_once_the_total_is_known_and_keeps_their_order() {
    use crate::paging::{Pages, Paging, Strategy};
    const PAGES: Strategy = Strategy::Offset { limit: "limit", offset: "skip", total_header: Some("x-total") };
    let list = Operation::new("list", "List", "List things", |input| {
        Ok(Plan::list(Request::get("/things"), Some(Paging::from_params(&input.params, Pages::new(PAGES, 10))?)))
    })
    .public();
    let node = demo_node(None, vec![Resource { value: "thing", name: "Thing", operations: vec![list] }]);
    let registry = Registry { nodes: vec![node], credentials: vec![] };
    // 95 things, 10 a page; later pages answer sooner.
    let host = TimedHost::new(|request, _, _| {
        let skip: u64 = request.url.split("skip=").nth(1).unwrap().parse().unwrap();
        let page: Vec<u64> = (skip..(skip + 10).min(95)).collect();
        let headers = vec![("x-total".to_string(), "95".to_string())];
        (100 - skip / 2, Ok(Response { status: 200, headers, body: serde_json::to_vec(&page).unwrap() }))
    });
    let request = json!({ "node": "demo", "items": [{ "parameters": { "resource": "thing", "operation": "list", "returnAll": true } }] });
    let result = host.run(execute(&registry, ExecuteRequest::from_json(request).unwrap(), &host));
    let values: Vec<u64> = result.items.iter().map(|i| i.json.value()["value"].as_u64().unwrap()).collect();
    assert_eq!(values, (0..95).collect::<Vec<_>>());
    assert_eq!(host.log().len(), 10, "each page once");
    assert!(host.most_in_flight() > 1, "pages after the first are read together");
    assert!(host.most_in_flight() <= 4);
    // A server ignoring the offset (the same full page, a huge total) is still caught at once.
    let host = TimedHost::new(|_, _, _| {
        let headers = vec![("x-total".to_string(), "1000000".to_string())];
        (10, Ok(Response { status: 200, headers, body: serde_json::to_vec(&(0..10).collect::<Vec<u64>>()).unwrap() }))
    });
    let request = json!({ "node": "demo", "items": [{ "parameters": { "resource": "thing", "operation": "list", "returnAll": true } }] });
    let result = host.run(execute(&registry, ExecuteRequest::from_json(request).unwrap(), &host));
    assert_eq!(result.items.len(), 10);
    assert_eq!(host.log().len(), 2, "the repeat is seen before anything is read ahead");
}

#[test]
fn a_rate_limit_header_saying_nothing_is_left_pauses_the_run_until_its_reset() {
    // Five requests a window; the fifth answer says none are left for 3 s.
    let host = TimedHost::new(|request, number, _| {
        let headers: &[(&str, &str)] =
            if number == 4 { &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "3")] } else { &[] };
        let mut reply = ok(json!({ "id": id_of(request) }));
        if let Ok(response) = &mut reply {
            response.headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        }
        (20, reply)
    });
    let result = run(&host, items("get", 12, json!({ "concurrency": 1 })), json!({}));
    assert_eq!(result.error, None);
    let starts: Vec<u64> = host.log().iter().map(|t| t.started).collect();
    assert_eq!(starts[4], 80);
    assert_eq!(starts[5], 100 + 3000, "the run waits for the reset, without a single 429");
    assert!(host.log().iter().all(|t| t.status == 200));
}
