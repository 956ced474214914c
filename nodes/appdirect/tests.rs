use super::*;
use crate::boundary::{ExecuteRequest, PollRequest};
use crate::engine::execute;
use crate::host::Outgoing;
use crate::testing::{block_on, MockHost, TimedHost};
use std::collections::BTreeSet;

const SECRET: &str = "s3cr3t-client-secret";
const TOKEN: &str = "tok-AAAA-1111";

fn credentials() -> Value {
    json!({ "marketplaceUrl": "http://ad.test/", "clientId": "client-1", "clientSecret": SECRET, "scope": "ROLE_PARTNER" })
}

fn run(items: Value, continue_on_fail: bool, host: &dyn crate::host::Host) -> crate::boundary::ExecuteResult {
    crate::token::clear_cache();
    let request = ExecuteRequest::from_json(json!({
        "node": "appDirect",
        "items": items,
        "credentials": credentials(),
        "continueOnFail": continue_on_fail,
    }))
    .unwrap();
    block_on(execute(&crate::nodes::registry(), request, host))
}

fn list_companies() -> Value {
    json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readAllCompanies_GET", "returnAll": true } })
}

fn token_reply(token: &str, expires_in: u64) -> Result<Response, crate::host::Failure> {
    MockHost::reply(
        200,
        &[],
        &format!(
            r#"{{"access_token":"{token}","token_type":"bearer","expires_in":{expires_in},"scope":"ROLE_PARTNER"}}"#
        ),
    )
}

fn header<'a>(request: &'a Outgoing, name: &str) -> Option<&'a str> {
    let in_auth = request.auth.iter().flat_map(|a| a.headers.iter());
    request.headers.iter().chain(in_auth).find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[test]
fn the_token_comes_from_the_marketplace_with_basic_auth_and_goes_out_as_bearer() {
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        MockHost::reply(200, &[], r#"{"content":[{"id":"c1"}],"page":{"totalPages":1,"number":0}}"#),
    ]);
    let result = run(json!([list_companies()]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    let sent = host.sent();
    assert_eq!(sent[0].url, "http://ad.test/oauth2/token");
    assert_eq!(sent[0].method, Method::Post);
    let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("client-1:{SECRET}"));
    assert_eq!(header(&sent[0], "authorization"), Some(format!("Basic {basic}").as_str()));
    assert_eq!(
        String::from_utf8(sent[0].body.clone().unwrap()).unwrap(),
        "grant_type=client_credentials&scope=ROLE_PARTNER"
    );
    assert!(sent[1].url.starts_with("http://ad.test/api/account/v2/companies?"), "{}", sent[1].url);
    assert!(sent[1].url.contains("page=0") && sent[1].url.contains("size="), "{}", sent[1].url);
    assert_eq!(header(&sent[1], "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(result.items[0].json.value()["id"], "c1");
}

#[test]
fn concurrent_items_share_one_token_fetch_and_later_calls_reuse_it_until_it_expires() {
    crate::token::clear_cache();
    let host = TimedHost::new(|request, _, _| {
        if request.url.ends_with("/oauth2/token") {
            (200, token_reply(TOKEN, 3600))
        } else {
            (20, MockHost::reply(200, &[], r#"{"id":"c1"}"#))
        }
    });
    let get = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readCompany_GET", "companyUuid": "c1" } });
    let call = || {
        let request = ExecuteRequest::from_json(json!({
            "node": "appDirect", "items": vec![get.clone(); 10], "credentials": credentials(),
        }))
        .unwrap();
        host.run(execute(&crate::nodes::registry(), request, &host))
    };
    let first = call();
    assert!(first.error.is_none(), "{:?}", first.error);
    let tokens = |host: &TimedHost| host.log().iter().filter(|t| t.request.url.ends_with("/oauth2/token")).count();
    assert_eq!(tokens(&host), 1, "ten concurrent items, one token request");
    call();
    assert_eq!(tokens(&host), 1, "the next call reuses the cached token");
    host.run(crate::host::Host::sleep(&host, 3_600_000));
    call();
    assert_eq!(tokens(&host), 2, "an expired token is fetched anew");
}

#[test]
fn a_refused_token_is_fetched_again_once_and_the_request_repeated() {
    let host = MockHost::new(vec![
        token_reply("old-token", 43199),
        MockHost::reply(401, &[], r#"[{"code":"UNAUTHORIZED","message":"Token expired"}]"#),
        token_reply("new-token", 43199),
        MockHost::reply(201, &[], r#"{"id":"c9","name":"Acme"}"#),
    ]);
    let create = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_createCompany_POST",
        "additionalFields": { "name": "Acme" } } });
    let result = run(json!([create]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    let sent = host.sent();
    assert_eq!(sent.len(), 4);
    assert_eq!(header(&sent[3], "authorization"), Some("Bearer new-token"));
    assert_eq!(result.items[0].json.value()["id"], "c9");
}

#[test]
fn a_refused_client_is_one_clear_error_without_the_secret_and_asks_the_token_endpoint_once() {
    let host = MockHost::new(vec![MockHost::reply(
        401,
        &[],
        r#"{"error":"invalid_client","error_description":"Bad client credentials"}"#,
    )]);
    let get = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readCompany_GET", "companyUuid": "c1" } });
    let result = run(json!([get.clone(), get.clone(), get]), true, &host);
    assert_eq!(host.sent().len(), 1, "one token request for the whole run");
    let text = serde_json::to_string(&result).unwrap();
    assert!(!text.contains(SECRET), "{text}");
    let error = result.items[0].json.value()["error"].as_str().unwrap().to_string();
    assert!(error.contains("invalid_client") && error.contains("Bad client credentials"), "{error}");
    assert!(result.items.iter().all(|item| item.json.value()["error"].is_string()));
}

#[test]
fn the_token_never_reaches_an_output_or_error() {
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        MockHost::reply(400, &[], &format!(r#"[{{"code":"BAD_REQUEST","message":"token {TOKEN} is odd"}}]"#)),
    ]);
    let get = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readCompany_GET", "companyUuid": "c1" } });
    let result = run(json!([get]), true, &host);
    let text = serde_json::to_string(&result).unwrap();
    assert!(text.contains("BAD_REQUEST"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    // Nor when an answer echoes it.
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        MockHost::reply(200, &[], &format!(r#"{{"seen":"Bearer {TOKEN}"}}"#)),
    ]);
    let get = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readCompany_GET", "companyUuid": "c1" } });
    let result = run(json!([get]), false, &host);
    let text = serde_json::to_string(&result).unwrap();
    assert!(text.contains("seen") && !text.contains(TOKEN), "{text}");
}

#[test]
fn billing_lists_page_by_start_and_count_over_bare_arrays() {
    let page = |ids: std::ops::Range<u32>| {
        let items: Vec<Value> = ids.map(|i| json!({ "id": i.to_string() })).collect();
        MockHost::reply(200, &[], &Value::Array(items).to_string())
    };
    let host = MockHost::new(vec![token_reply(TOKEN, 43199), page(0..100), page(100..130)]);
    let list = json!({ "parameters": { "resource": "Subscriptions", "operation": "resource_Subscription_readSubscriptions_GET", "returnAll": true } });
    let result = run(json!([list]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!(result.items.len(), 130);
    let sent = host.sent();
    assert!(sent[1].url.contains("start=0") && sent[1].url.contains("count=100"), "{}", sent[1].url);
    assert!(sent[2].url.contains("start=100"), "{}", sent[2].url);
}

#[test]
fn account_lists_page_by_zero_based_page_and_size_until_total_pages() {
    let page = |n: u32, total: u32| {
        MockHost::reply(
            200,
            &[],
            &json!({ "content": [{ "id": format!("u{n}") }], "page": { "number": n, "totalPages": total } })
                .to_string(),
        )
    };
    let host = MockHost::new(vec![token_reply(TOKEN, 43199), page(0, 3), page(1, 3), page(2, 3)]);
    let list = json!({ "parameters": { "resource": "User", "operation": "resource_User_readAllUsers_GET", "returnAll": true } });
    let result = run(json!([list]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!(result.items.len(), 3);
    let sent = host.sent();
    assert_eq!(sent.len(), 4, "stops after the last page the service announced");
    assert!(sent[3].url.contains("page=2"), "{}", sent[3].url);
}

#[test]
fn shopping_carts_page_by_one_based_number_and_size() {
    let page = |n: u32, total: u32| {
        let body = json!({ "content": [{ "id": format!("cart{n}") }], "page": { "number": n, "totalPages": total } });
        MockHost::reply(200, &[], &body.to_string())
    };
    let host = MockHost::new(vec![token_reply(TOKEN, 43199), page(1, 2), page(2, 2)]);
    let list =
        json!({ "parameters": { "resource": "ShoppingCarts", "operation": "listShoppingCarts", "returnAll": true } });
    let result = run(json!([list]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!(result.items.len(), 2);
    let sent = host.sent();
    assert_eq!(sent.len(), 3, "the two announced pages, no third");
    assert!(sent[1].url.contains("number=1&") || sent[1].url.ends_with("number=1"), "starts at 1: {}", sent[1].url);
    assert!(sent[1].url.contains("size="), "{}", sent[1].url);
    assert!(sent[2].url.contains("number=2"), "{}", sent[2].url);
    assert!(!sent[1].url.contains("page="), "{}", sent[1].url);
}

#[test]
fn vendor_errors_in_all_three_shapes_keep_their_words_and_status() {
    let of = |status, body: &str| vendor_error(&Response { status, headers: vec![], body: body.as_bytes().to_vec() });
    let list = of(404, r#"[{"code":"Not Found","message":"Company not found"}]"#);
    assert_eq!(list.message, "Company not found (Not Found)");
    let checkout = of(
        400,
        r#"{"code":"PRICING_PLAN_NOT_FOUND","message":"No such plan","messageParameters":[{"key":"pricingPlanId","value":"p-9"}]}"#,
    );
    assert_eq!(checkout.message, "No such plan (PRICING_PLAN_NOT_FOUND) [pricingPlanId=p-9]");
    let cart = of(
        400,
        r#"{"blockingErrors":[{"itemId":"i1","code":"MISSING_FIELD","message":"Field x is required"},{"code":"DISCOUNT_NOT_VALID","message":"Discount expired"}],"warnings":[{"code":"W1","message":"Price changed"}]}"#,
    );
    assert_eq!(cart.message, "The cart is not valid: item i1: Field x is required (MISSING_FIELD)");
    let description = cart.description.unwrap();
    assert!(
        description.contains("HTTP 400")
            && description.contains("Discount expired")
            && description.contains("Price changed"),
        "{description}"
    );
    assert!(of(429, r#"[{"code":"TOO_MANY","message":"Slow down"}]"#)
        .message
        .starts_with("AppDirect rate limit reached"));
}

#[test]
fn account_identifiers_may_be_a_uuid_an_id_or_an_external_id() {
    for (given, wire) in [
        ("9a6d0b38-1d0a-4c0e-9f8e-0f5b2d6e8c11", "9a6d0b38-1d0a-4c0e-9f8e-0f5b2d6e8c11"),
        ("id:9a6d0b38-1d0a-4c0e-9f8e-0f5b2d6e8c11", "id:9a6d0b38-1d0a-4c0e-9f8e-0f5b2d6e8c11"),
        ("externalId:crm-42", "externalId:crm-42"),
    ] {
        let host = MockHost::new(vec![token_reply(TOKEN, 43199), MockHost::reply(200, &[], r#"{"id":"c1"}"#)]);
        let get = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_readCompany_GET", "companyUuid": given } });
        let result = run(json!([get]), false, &host);
        assert!(result.error.is_none(), "{:?}", result.error);
        assert_eq!(host.sent()[1].url, format!("http://ad.test/api/account/v2/companies/{wire}"));
    }
}

#[test]
fn graphql_errors_and_user_errors_become_readable_errors() {
    let errors = graphql::answer_of(
        json!({ "errors": [{ "message": "Field 'x' missing", "path": ["cart", "x"], "extensions": { "code": "BAD_REQUEST" } }] }),
    );
    assert_eq!(errors.unwrap_err().message, "GraphQL error: Field 'x' missing (BAD_REQUEST) at cart.x");
    let refused = graphql::answer_of(
        json!({ "data": { "addItemsToCart": { "cart": null, "userErrors": [{ "message": "Plan not found", "field": ["pricingPlanId"] }] } } }),
    );
    assert_eq!(
        refused.unwrap_err().message,
        "The mutation was refused: addItemsToCart: Plan not found at pricingPlanId"
    );
    let fine = graphql::answer_of(json!({ "data": { "products": { "nodes": [] } } })).unwrap();
    assert_eq!(fine, json!({ "products": { "nodes": [] } }));
}

#[test]
fn graphql_goes_to_the_chosen_endpoint_with_query_and_variables() {
    let host = MockHost::new(vec![token_reply(TOKEN, 43199), MockHost::reply(200, &[], r#"{"data":{"a":1}}"#)]);
    let item = json!({ "parameters": { "resource": "GraphQL", "operation": "executeGraphql", "endpoint": "preview",
        "query": "query($n: Int) { a(n: $n) }", "variables": "{\"n\": 2}" } });
    let result = run(json!([item]), false, &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    let sent = &host.sent()[1];
    assert_eq!(sent.url, "http://ad.test/api/graphql/preview");
    let body: Value = serde_json::from_slice(sent.body.as_ref().unwrap()).unwrap();
    assert_eq!(body, json!({ "query": "query($n: Int) { a(n: $n) }", "variables": { "n": 2 } }));
    assert_eq!(result.items[0].json.value(), json!({ "a": 1 }));
}

#[test]
fn the_trigger_emits_each_event_once_oldest_first_across_polls() {
    crate::token::clear_cache();
    let events =
        |list: Value| MockHost::reply(200, &[], &json!({ "content": list, "page": { "totalPages": 1 } }).to_string());
    let poll = |state: Value, host: &MockHost| {
        let request = PollRequest::from_json(json!({
            "node": "appDirectTrigger", "parameters": {}, "credentials": credentials(), "state": state, "now": 5_000,
        }))
        .unwrap();
        block_on(crate::trigger::poll(&crate::nodes::registry(), request, host))
    };
    // First poll: only from the newest event there is now, by the marketplace's clock.
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        events(json!([{ "uuid": "e0", "creationDate": 5000 }, { "uuid": "e-old", "creationDate": 4000 }])),
    ]);
    let first = poll(Value::Null, &host);
    assert!(first.items.is_empty() && first.error.is_none(), "{:?}", first.error);
    assert!(host.sent()[1].url.contains("sortOrder=DESC"), "{}", host.sent()[1].url);
    assert_eq!(first.state, json!({ "newest": 5000, "ids": ["e0"] }));
    let host = MockHost::new(vec![events(
        json!([{ "uuid": "e2", "creationDate": 6000 }, { "uuid": "e1", "creationDate": 5500 }, { "uuid": "e3", "creationDate": 6000 }]),
    )]);
    let second = poll(first.state, &host);
    let ids: Vec<&str> = second.items.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    assert!(host.sent()[0].url.contains("fromDate=5000") && host.sent()[0].url.contains("sortOrder=ASC"));
    assert_eq!(second.state, json!({ "newest": 6000, "ids": ["e2", "e3"] }));
    // The service repeats the events at the newest time (fromDate is inclusive): none comes again.
    let host = MockHost::new(vec![events(
        json!([{ "uuid": "e2", "creationDate": 6000 }, { "uuid": "e3", "creationDate": 6000 }, { "uuid": "e4", "creationDate": 6000 }]),
    )]);
    let third = poll(second.state, &host);
    let ids: Vec<&str> = third.items.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(ids, ["e4"]);
    assert_eq!(third.state, json!({ "newest": 6000, "ids": ["e2", "e3", "e4"] }));
}

#[test]
fn metered_usage_v2_gets_one_idempotency_key_per_item_and_checks_the_limits_before_sending() {
    let node = node();
    let operation = node.resources.iter().flat_map(|r| &r.operations).find(|o| o.value == "reportUsageV2");
    let Some(operation) = operation else { panic!("the supplement describes metered usage V2") };
    let usage = |events: usize| {
        let list: Vec<Value> = (0..events)
            .map(|i| json!({ "eventId": format!("e{i}"), "pricingUnit": "USER", "quantity": "1" }))
            .collect();
        json!([{ "accountId": "a1", "usageList": list }])
    };
    let plan = |item: usize, events: usize| {
        crate::testing::prepare(operation, item, json!({ "billable": true, "usages": usage(events) }), json!({}))
    };
    let key = |plan: Plan| {
        plan.request().and_then(|r| r.body.clone()).unwrap()["idempotencyKey"].as_str().unwrap().to_string()
    };
    let (a, b) = (key(plan(0, 2).unwrap()), key(plan(1, 2).unwrap()));
    assert_ne!(a, b, "each item its own key");
    assert_eq!(a, key(plan(0, 2).unwrap()), "the same item of the same run keeps its key");
    assert!(crate::params::is_uuid(&a), "{a}");
    let too_many = plan(0, 251).err().unwrap();
    assert!(too_many.message.contains("at most 250"), "{}", too_many.message);
}

/// The expected operations come from the seed's list and the OpenAPI files, not from a count.
#[test]
fn offers_every_core_operation_of_the_seed() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/nodes/appdirect");
    let seed: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{root}/seed-operations.json")).unwrap()).unwrap();
    let shape = |method: &str, path: &str| {
        let mut out = String::new();
        let mut depth = 0;
        for c in path.split('#').next().unwrap().chars() {
            match c {
                '{' => {
                    depth += 1;
                    out.push_str("{}");
                }
                '}' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        format!("{} {out}", method.to_ascii_uppercase())
    };
    // The one CORE entry the credential covers instead of an action (a token in an output leaks).
    let expected: BTreeSet<(String, String)> = seed
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["notes"].as_str().unwrap().starts_with("CORE") && op["path"] != "/oauth2/token")
        .map(|op| {
            (
                shape(op["method"].as_str().unwrap(), op["path"].as_str().unwrap()),
                op["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let tables = spec();
    let offered: Vec<(String, String)> =
        tables.operations.iter().map(|op| (shape(op.method.as_str(), op.path), op.summary.to_string())).collect();
    let offered_routes: BTreeSet<&String> = offered.iter().map(|(route, _)| route).collect();
    let missing: Vec<&(String, String)> = expected
        .iter()
        .filter(|(route, name)| {
            // Operations sharing one route (sync tasks) are told apart by name.
            if expected.iter().filter(|(r, _)| r == route).count() > 1 {
                !offered.iter().any(|(r, n)| r == route && n == name)
            } else {
                !offered_routes.contains(route)
            }
        })
        .collect();
    assert!(missing.is_empty(), "{} CORE operations missing: {missing:#?}", missing.len());
    assert_eq!(offered.len(), expected.len(), "no operation beyond the seed's CORE ones");
}

#[test]
fn edition_and_payment_plan_lists_follow_the_product_chosen_in_the_form() {
    use crate::boundary::SearchRequest;
    let search = |parameters: Value, host: &MockHost| {
        crate::token::clear_cache();
        let request = SearchRequest::from_json(json!({
            "node": "appDirect", "method": "searchEditions", "credentials": credentials(), "parameters": parameters,
        }))
        .unwrap();
        block_on(crate::picker::search(&crate::nodes::registry(), request, host))
    };
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        MockHost::reply(
            200,
            &[],
            r#"{"id":7,"name":"Mail","editions":[{"id":11,"name":"Basic","code":"B"},{"id":12,"name":"Pro"}]}"#,
        ),
    ]);
    let result = search(json!({ "applicationId": { "__rl": true, "mode": "list", "value": "7" } }), &host);
    assert!(result.error.is_none(), "{:?}", result.error);
    assert_eq!(host.sent()[1].url, "http://ad.test/api/marketplace/v1/products/7", "a whole list: no paging");
    let names: Vec<(&str, &str)> = result.results.iter().map(|e| (e.name.as_str(), e.value.as_str())).collect();
    assert_eq!(names, [("Basic (B)", "11"), ("Pro", "12")]);
    let unchosen = search(json!({}), &MockHost::new(vec![]));
    assert_eq!(unchosen.error.unwrap().message, "Choose \"applicationId\" first: this list depends on it");
}

#[test]
fn a_test_run_shows_the_newest_events_and_keeps_the_state() {
    crate::token::clear_cache();
    let host = MockHost::new(vec![
        token_reply(TOKEN, 43199),
        MockHost::reply(
            200,
            &[],
            &json!({ "content": [
            { "uuid": "e9", "creationDate": 9000, "type": "SUBSCRIPTION_ORDER" },
            { "uuid": "e8", "creationDate": 8000, "type": "USER_ASSIGNMENT" },
            { "uuid": "e7", "creationDate": 7000, "type": "SUBSCRIPTION_ORDER" },
        ], "page": { "totalPages": 1 } })
            .to_string(),
        ),
    ]);
    let state = json!({ "newest": 9000, "ids": ["e9"] });
    let request = PollRequest::from_json(json!({
        "node": "appDirectTrigger", "parameters": { "eventTypes": ["SUBSCRIPTION_ORDER", "SUBSCRIPTION_CANCEL"] },
        "credentials": credentials(), "state": state, "now": 10_000, "manual": true,
    }))
    .unwrap();
    let result = block_on(crate::trigger::poll(&crate::nodes::registry(), request, &host));
    let ids: Vec<&str> = result.items.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(ids, ["e7", "e9"], "the newest of the chosen types, oldest first");
    assert_eq!(result.state, state);
    let url = &host.sent()[1].url;
    assert!(url.contains("sortOrder=DESC") && !url.contains("fromDate") && !url.contains("type="), "{url}");
}

/// AppDirect's documented bucket: 20 requests, leaking 4 a second; its 429 says no Retry-After.
#[test]
fn the_documented_leaky_bucket_fails_no_item() {
    crate::token::clear_cache();
    let level = std::cell::Cell::new(0f64);
    let last = std::cell::Cell::new(0u64);
    let host = TimedHost::new(move |request, _, now| {
        if request.url.ends_with("/oauth2/token") {
            return (10, token_reply(TOKEN, 43199));
        }
        let drained = (level.get() - (now - last.get()) as f64 * 4.0 / 1000.0).max(0.0);
        last.set(now);
        if drained + 1.0 > 20.0 {
            level.set(drained);
            return (5, MockHost::reply(429, &[], r#"[{"code":"TOO_MANY_REQUESTS","message":"Rate limit exceeded"}]"#));
        }
        level.set(drained + 1.0);
        (30, MockHost::reply(201, &[], r#"{"id":"c1"}"#))
    });
    let create = json!({ "parameters": { "resource": "Companies", "operation": "resource_Company_createCompany_POST",
        "additionalFields": { "name": "Acme" } } });
    let request = ExecuteRequest::from_json(json!({
        "node": "appDirect", "items": vec![create; 100], "credentials": credentials(),
    }))
    .unwrap();
    let result = host.run(execute(&crate::nodes::registry(), request, &host));
    assert_eq!(result.error, None);
    assert_eq!(result.items.len(), 100);
    let log = host.log();
    assert_eq!(log.iter().filter(|t| t.status == 201).count(), 100, "each create carried out once");
    let refused = log.iter().filter(|t| t.status == 429).count();
    assert!(refused <= 40, "the run slows down instead of storming: {refused} refusals");
    // 80 creates beyond the burst at 4 a second take 20 s at best.
    assert!(host.now() < 40_000, "and keeps close to the rate allowed: {} ms", host.now());
}
