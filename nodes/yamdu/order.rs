use crate::prelude::*;
use crate::redact::redact_value;

use super::{mask_admin_token, order_of};

/// The products Webgate accepts, as its documentation lists them.
const PRODUCTS: [&str; 9] = ["Starter", "Commercial", "Studio", "Dailies", "Yamdu FREE", "s", "m", "l", "xl"];
/// How the form names a product: Webgate's size codes (`s` … `xl`) spelt out, the rest as they are.
fn label(product: &str) -> String {
    match product {
        "s" => "Size S (s)".into(),
        "m" => "Size M (m)".into(),
        "l" => "Size L (l)".into(),
        "xl" => "Size XL (xl)".into(),
        other => other.into(),
    }
}

/// The product choice that takes its name from "Product Name" instead.
const CUSTOM_PRODUCT: &str = "custom";
/// Yamdu ids are integers; beyond this JavaScript hosts could not carry them exactly.
const MAX_ID: i64 = 9_007_199_254_740_991;

/// Pauses between two looks at an order: the first is configurable, each next one 1.5 × longer (the
/// runtime's growth), never more than this.
const MAX_POLL_PAUSE_MS: u64 = 30_000;

/// `POST /api/orders` with `{"order": {…}}`; with "Wait Until Packed", then reads the order until
/// Webgate has packed it. The create itself is sent once, whatever happens after.
pub fn create() -> Operation {
    Operation::new("create", "Create Order", "Create an order", |input| {
        let p = &input.params;
        let order = order_fields(p)?;
        // Also out of vendor errors, which this node's readers never see.
        if let Some(token) = order.get("admin_user_access_token").and_then(Value::as_str) {
            input.secret(token);
        }
        let reader =
            Reader { admin_token: order.get("admin_user_access_token").and_then(Value::as_str).map(String::from) };
        let request = Request::post("/api/orders").json(json!({ "order": order }));
        let Some(wait) = Wait::from_params(p, reader.clone())? else {
            return Ok(Plan::shaped(request, move |answer| reader.order(answer)));
        };
        Ok(Plan::then(request, move |answer| {
            let order = wait.reader.order(answer)?;
            let hash = order["order_hash"].as_str().unwrap_or_default().to_string();
            let show = Request::get("/api/orders/{order_hash}").path_param("order_hash", &hash).map_err(|_| {
                NodeError::api("Yamdu accepted the order but answered without its order_hash, so it cannot be followed")
                    .with_description("The order was not sent again. Look for it at Webgate before ordering once more.")
            })?;
            Ok(match wait.settle(order)? {
                Polled::Ready(order) => Plan::Done(vec![order]),
                Polled::Pending(_) => Plan::poll(show, wait.poll()),
            })
        }))
    })
    .describe("Order a Webgate product for a new or existing client and project, optionally waiting until it is packed")
    .fields(
        [
            Property::options(
                "product",
                "Product",
                PRODUCTS
                    .iter()
                    .map(|p| Choice::new(label(p), *p))
                    .chain([Choice::new("Other (Enter Name)", CUSTOM_PRODUCT)
                        .describe("A product that is not listed here: type its name in Product Name")])
                    .collect(),
            )
            .required()
            .default_value("Yamdu FREE")
            .describe("The Webgate product to buy"),
            Property::string("customProduct", "Product Name")
                .required()
                .placeholder("e.g. Studio")
                .describe("The product's name exactly as Webgate spells it")
                .show_when("product", &[json!(CUSTOM_PRODUCT)]),
        ]
        .into_iter()
        .chain(id_or_name_fields("client", "Client", "The client (Kunde) the order is for"))
        .chain(id_or_name_fields("project", "Project", "The project (Projekt) of the client the order is for"))
        .chain([
            Property::string("userEmail", "User E-Mail")
                .placeholder("name@example.com")
                .describe("The user (Mitglied) to create or add"),
            Property::string("userLogin", "User Login"),
            Property::string("userFirstName", "User First Name"),
            Property::string("userLastName", "User Last Name"),
            Property::collection(
                "additionalFields",
                "Additional Fields",
                vec![
                    Property::password("adminAccessToken", "Admin Access Token").describe(
                        "OAuth access token of an admin who may create projects, usually the client admin; with an \
                         existing client it must be that client's admin. Never shown in the output.",
                    ),
                    Property::string("redirectionUri", "Redirection URI")
                        .placeholder("https://example.com/yamdu-status")
                        .describe("Where Webgate should send status changes (not implemented by Webgate yet)"),
                ],
            ),
        ])
        .chain(wait_fields())
        .collect(),
    )
}

/// `GET /api/orders/{order_hash}`; with "Wait Until Packed", read again until packed.
pub fn get() -> Operation {
    Operation::new("get", "Get Order", "Get an order", |input| {
        let p = &input.params;
        let hash = p.required_text("orderHash")?;
        if !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(p.invalid(
                "orderHash",
                format!("must be hexadecimal (the order_hash of the order), got \"{hash:.60}\""),
            ));
        }
        let request = Request::get("/api/orders/{order_hash}").path_param("order_hash", &hash)?;
        let reader = Reader::default();
        Ok(match Wait::from_params(p, reader.clone())? {
            Some(wait) => Plan::poll(request, wait.poll()),
            None => Plan::shaped(request, move |answer| reader.order(answer)),
        })
    })
    .describe("Get an order and its state (pending, packing, packed, has_packing_errors, need_human)")
    .fields(
        [Property::string("orderHash", "Order Hash")
            .required()
            .placeholder("e.g. 74853f7b0b78c3c74676e686dc103f5e")
            .describe("The order_hash that Create Order returned")]
        .into_iter()
        .chain(wait_fields())
        .collect(),
    )
}

/// The `order` object of a create, validated: nothing is sent unless every field is right.
fn order_fields(p: &Params) -> Result<Map<String, Value>, NodeError> {
    let mut order = Map::new();
    let product = match p.text("product")? {
        Some(custom) if custom == CUSTOM_PRODUCT => p.required_text("customProduct")?,
        Some(product) if PRODUCTS.contains(&product.as_str()) => product,
        Some(other) => {
            return Err(p.invalid(
                "product",
                format!(
                    "must be one of {} or \"{CUSTOM_PRODUCT}\" with the name in \"{}\", got \"{other:.60}\"",
                    PRODUCTS.map(|p| format!("\"{p}\"")).join(", "),
                    p.label("customProduct"),
                ),
            ))
        }
        None => return Err(p.invalid("product", "is required")),
    };
    order.insert("product".into(), json!(product));

    let client = id_or_name(p, "client")?;
    let project = id_or_name(p, "project")?;
    // A project always belongs to a client, and adding to an existing client takes its ID.
    if matches!(project, Some(("project_id", _))) && !matches!(client, Some(("client_id", _))) {
        return Err(p.invalid(
            "clientId",
            "is required with an existing project: a project always belongs to a client, give the ID of that client",
        ));
    }
    order.extend(client.into_iter().chain(project).map(|(key, value)| (key.to_string(), value)));

    if let Some(email) = p.text("userEmail")? {
        if !is_email(&email) {
            return Err(p.invalid("userEmail", format!("must be an e-mail address, got \"{email:.60}\"")));
        }
        order.insert("user_email".into(), json!(email));
    }
    for (field, key) in
        [("userLogin", "user_login"), ("userFirstName", "user_first_name"), ("userLastName", "user_last_name")]
    {
        if let Some(text) = p.text(field)? {
            order.insert(key.into(), json!(text));
        }
    }
    let more = p.group("additionalFields")?;
    if let Some(token) = more.text("adminAccessToken")? {
        order.insert("admin_user_access_token".into(), json!(token));
    }
    if let Some(uri) = more.text("redirectionUri")? {
        if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.contains(char::is_whitespace) {
            return Err(more.invalid("redirectionUri", format!("must be an http(s) address, got \"{uri:.60}\"")));
        }
        order.insert("redirection_uri".into(), json!(uri));
    }
    Ok(order)
}

/// The picker "New …" / "Existing …" / "Not Specified" and the name or ID field each choice shows.
fn id_or_name_fields(picker: &str, label: &str, description: &str) -> Vec<Property> {
    vec![
        Property::options(
            picker,
            label,
            vec![
                Choice::new(format!("New {label}"), "new").describe(format!("Webgate creates the {picker}")),
                Choice::new(format!("Existing {label}"), "existing").describe(format!("Add to a {picker} by its ID")),
                Choice::new("Not Specified", "none").describe(format!("Send neither a {picker} ID nor a name")),
            ],
        )
        .describe(description),
        Property::string(&format!("{picker}Name"), &format!("{label} Name"))
            .required()
            .describe(format!("The name of the new {picker}"))
            .show_when(picker, &[json!("new")]),
        Property::string(&format!("{picker}Id"), &format!("{label} ID"))
            .required()
            .placeholder("e.g. 42")
            .describe(format!("The {picker}'s ID at Yamdu (a whole number)"))
            .show_when(picker, &[json!("existing")]),
    ]
}

/// `<picker>_id` or `<picker>_name`, never both. Without the picker (plain JS) the given field decides.
fn id_or_name(p: &Params, picker: &str) -> Result<Option<(&'static str, Value)>, NodeError> {
    let (id_field, name_field) = (format!("{picker}Id"), format!("{picker}Name"));
    let id = p.integer(&id_field, 1, MAX_ID)?;
    let name = p.text(&name_field)?;
    if id.is_some() && name.is_some() {
        let problem = format!(
            "cannot be given together with \"{}\": name a new {picker} or give the ID of an existing one",
            p.label(&id_field)
        );
        return Err(p.invalid(&name_field, problem));
    }
    let (id_key, name_key) =
        if picker == "client" { ("client_id", "client_name") } else { ("project_id", "project_name") };
    let given = id.map(|id| (id_key, json!(id))).or(name.map(|name| (name_key, json!(name))));
    match p.choice(picker)?.as_ref().and_then(Value::as_str) {
        Some("existing") if id.is_none() => Err(p.invalid(&id_field, "is required")),
        Some("new") if given.is_none() || id.is_some() => Err(p.invalid(&name_field, "is required")),
        Some("none") if given.is_some() => Err(p.invalid(
            picker,
            format!("is \"Not Specified\", so leave \"{}\" and \"{}\" empty", p.label(&id_field), p.label(&name_field)),
        )),
        _ => Ok(given),
    }
}

/// Good enough to catch a name or a typo in place of an address; the vendor checks the rest.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
                && domain.split('.').count() >= 2
                && domain.split('.').all(|part| !part.is_empty())
        }
        None => false,
    }
}

fn wait_fields() -> Vec<Property> {
    let waiting = [json!(true)];
    vec![
        Property::boolean("waitUntilPacked", "Wait Until Packed", false).describe(
            "Whether to read the order again, with growing pauses, until Webgate has packed it (state packed). \
             Packing errors fail the item.",
        ),
        Property::number("maxWaitSeconds", "Max Wait (Seconds)", 300.0)
            .type_option("minValue", 1)
            .type_option("maxValue", 3600)
            .describe("Give up (with an error naming the last state) after waiting this long; the order stays as it is")
            .show_when("waitUntilPacked", &waiting),
        Property::options(
            "needHuman",
            "If a Human Is Needed",
            vec![
                Choice::new("Fail", "error").describe("State need_human fails the item"),
                Choice::new("Return the Order", "return").describe("State need_human is returned like a packed order"),
            ],
        )
        .describe("What to do when Webgate cannot pack the order automatically (state need_human)")
        .show_when("waitUntilPacked", &waiting),
        Property::number("pollIntervalMs", "First Pause (Milliseconds)", 2000.0)
            .type_option("minValue", 100)
            .type_option("maxValue", MAX_POLL_PAUSE_MS)
            .describe("Pause before reading the order again; each further pause is 1.5 times longer, at most 30 s")
            .show_when("waitUntilPacked", &waiting),
    ]
}

/// Takes orders out of Yamdu's answers, with the admin access token this item sent kept out of them.
#[derive(Clone, Default)]
struct Reader {
    admin_token: Option<String>,
}

impl Reader {
    fn order(&self, mut answer: Value) -> Result<Value, NodeError> {
        mask_admin_token(&mut answer);
        redact_value(&mut answer, self.admin_token.as_slice());
        order_of(answer)
    }
}

/// How to wait until packed.
#[derive(Clone)]
struct Wait {
    reader: Reader,
    return_need_human: bool,
    first_delay_ms: u64,
    max_wait_ms: u64,
}

impl Wait {
    /// `None` unless "Wait Until Packed" is on.
    fn from_params(p: &Params, reader: Reader) -> Result<Option<Self>, NodeError> {
        if !p.boolean("waitUntilPacked", false)? {
            return Ok(None);
        }
        Ok(Some(Wait {
            reader,
            return_need_human: p.choice("needHuman")?.is_some_and(|v| v == "return"),
            first_delay_ms: p.integer("pollIntervalMs", 100, MAX_POLL_PAUSE_MS as i64)?.unwrap_or(2000) as u64,
            max_wait_ms: p.integer("maxWaitSeconds", 1, 3600)?.unwrap_or(300) as u64 * 1000,
        }))
    }

    /// Packed (or need_human, when that is to be returned) settles it; packing errors and need_human
    /// fail it; any other state is still on its way.
    fn settle(&self, order: Value) -> Result<Polled, NodeError> {
        let hash = order["order_hash"].as_str().unwrap_or("?");
        match order["state"].as_str() {
            Some("packed") => Ok(Polled::Ready(order)),
            Some("need_human") if self.return_need_human => Ok(Polled::Ready(order)),
            Some("need_human") => Err(NodeError::api(format!(
                "Yamdu order {hash} needs a human: Webgate cannot pack it automatically"
            ))
            .with_description(
                "Check later with Get Order whether it is packed, or set \"If a Human Is Needed\" to return the order",
            )),
            Some("has_packing_errors") => {
                let errors = match &order["packing_errors"] {
                    Value::String(text) => text.clone(),
                    Value::Null => "Yamdu gave no packing_errors".into(),
                    other => other.to_string(),
                };
                Err(NodeError::api(format!("Yamdu could not pack order {hash}")).with_description(errors))
            }
            Some(state) => Ok(Polled::Pending(format!("{state} (order {hash})"))),
            None => Ok(Polled::Pending(format!("without a state (order {hash})"))),
        }
    }

    fn poll(self) -> Poll {
        let (first_delay_ms, max_wait_ms) = (self.first_delay_ms, self.max_wait_ms);
        Poll {
            check: Box::new(move |answer| self.settle(self.reader.order(answer)?)),
            first_delay_ms,
            max_delay_ms: MAX_POLL_PAUSE_MS,
            max_wait_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{block_on, MockHost};

    const HASH: &str = "74853f7b0b78c3c74676e686dc103f5e";

    fn prepare(op: Operation, params: Value) -> Result<Plan, NodeError> {
        crate::testing::prepare(&op, 2, params, json!({}))
    }

    fn body(params: Value) -> Value {
        prepare(create(), params).unwrap().request().unwrap().body.clone().unwrap()
    }

    fn error(op: Operation, params: Value) -> String {
        prepare(op, params).err().expect("an input error").message
    }

    #[test]
    fn the_seed_example_becomes_the_seed_body() {
        let sent = body(json!({
            "product": "s", "client": "new", "clientName": "Constantin Film", "project": "new",
            "projectName": "OSD Yamdu Free", "userEmail": "nicecustomer@gmx.com", "userLogin": "custy1",
            "userFirstName": "", "additionalFields": {}
        }));
        assert_eq!(
            sent,
            json!({ "order": { "product": "s", "client_name": "Constantin Film", "project_name": "OSD Yamdu Free",
                "user_email": "nicecustomer@gmx.com", "user_login": "custy1" } })
        );
    }

    #[test]
    fn existing_ids_go_out_as_integers_and_custom_products_by_name() {
        let sent = body(json!({
            "product": "custom", "customProduct": "Yamdu PRO", "client": "existing", "clientId": "42",
            "project": "existing", "projectId": 7, "additionalFields": { "adminAccessToken": "adm", "redirectionUri": "https://x.example/cb" }
        }));
        assert_eq!(
            sent["order"],
            json!({ "product": "Yamdu PRO", "client_id": 42, "project_id": 7, "admin_user_access_token": "adm",
                "redirection_uri": "https://x.example/cb" })
        );
        // Plain JS may leave the pickers out; only the product is required.
        assert_eq!(body(json!({ "product": "Yamdu FREE" })), json!({ "order": { "product": "Yamdu FREE" } }));
        assert_eq!(body(json!({ "product": "m", "clientId": 3 }))["order"]["client_id"], 3);
    }

    #[test]
    fn either_or_rules_and_bad_values_are_refused_by_label() {
        let cases = [
            (
                json!({ "product": "s", "clientId": 1, "clientName": "A" }),
                "Parameter \"Client Name\" of item 2 cannot be given together with \"Client ID\"",
            ),
            (
                json!({ "product": "s", "client": "existing", "clientId": 1, "projectId": 2, "projectName": "P" }),
                "\"Project Name\" of item 2 cannot be given together",
            ),
            (
                json!({ "product": "s", "project": "existing", "projectId": 2, "client": "new", "clientName": "A" }),
                "\"Client ID\" of item 2 is required with an existing project",
            ),
            (json!({ "product": "s", "projectId": 2 }), "\"Client ID\" of item 2 is required with an existing project"),
            (json!({ "product": "s", "clientId": "4.5" }), "\"Client ID\" of item 2 must be a whole number"),
            (json!({ "product": "s", "clientId": "abc" }), "\"Client ID\" of item 2 must be a number"),
            (
                json!({ "product": "s", "projectId": 0, "clientId": 1 }),
                "\"Project ID\" of item 2 must be a whole number",
            ),
            (json!({ "product": "s", "client": "existing" }), "\"Client ID\" of item 2 is required"),
            (json!({ "product": "s", "client": "new", "clientId": 3 }), "\"Client Name\" of item 2 is required"),
            (
                json!({ "product": "s", "client": "none", "clientName": "A" }),
                "\"Client\" of item 2 is \"Not Specified\"",
            ),
            (json!({ "product": "" }), "\"Product\" of item 2 is required"),
            (json!({ "product": "Yamdu Free" }), "\"Product\" of item 2 must be one of \"Starter\""),
            (json!({ "product": "custom" }), "\"Product Name\" of item 2 is required"),
            (json!({ "product": "s", "userEmail": "custy1" }), "\"User E-Mail\" of item 2 must be an e-mail address"),
            (json!({ "product": "s", "userEmail": "a@b" }), "\"User E-Mail\" of item 2 must be an e-mail address"),
            (
                json!({ "product": "s", "additionalFields": { "redirectionUri": "ftp://x" } }),
                "\"Redirection URI\" of item 2 must be an http(s) address",
            ),
            (
                json!({ "product": "s", "waitUntilPacked": true, "maxWaitSeconds": 7200 }),
                "\"Max Wait (Seconds)\" of item 2 must be a whole number from 1 to 3600",
            ),
            (
                json!({ "product": "s", "waitUntilPacked": true, "pollIntervalMs": 5 }),
                "\"First Pause (Milliseconds)\" of item 2 must be a whole number from 100",
            ),
        ];
        for (params, expected) in cases {
            let message = error(create(), params.clone());
            assert!(message.contains(expected), "{params}: {message}");
        }
        assert!(error(get(), json!({ "orderHash": "../x" })).contains("\"Order Hash\" of item 2 must be hexadecimal"));
        assert!(error(get(), json!({})).contains("\"Order Hash\" of item 2 is required"));
    }

    fn envelope(order: Value) -> String {
        json!({ "status": 200, "status_message": "OK", "info": "", "data": { "order": order } }).to_string()
    }

    fn order(state: &str) -> String {
        envelope(json!({ "order_hash": HASH, "state": state, "product": "s", "admin_user_access_token": "adm-tok" }))
    }

    /// Runs one item through the runtime, against scripted answers.
    fn execute(
        params: Value,
        replies: Vec<Result<Response, crate::host::Failure>>,
    ) -> (crate::boundary::ExecuteResult, MockHost) {
        let registry = crate::registry::Registry {
            nodes: vec![super::super::node()],
            credentials: vec![super::super::credential()],
        };
        let mut parameters = json!({ "resource": "order" });
        parameters.as_object_mut().unwrap().extend(params.as_object().unwrap().clone());
        let request = crate::boundary::ExecuteRequest::from_json(json!({
            "node": "yamdu",
            "items": [{ "parameters": parameters }],
            "credentials": { "baseUrl": "http://y", "accessToken": "tok-1234" },
        }))
        .unwrap();
        let host = MockHost::new(replies);
        (block_on(crate::engine::execute(&registry, request, &host)), host)
    }

    fn sent(host: &MockHost) -> Vec<String> {
        host.sent().iter().map(|o| format!("{} {}", o.method.as_str(), o.url)).collect()
    }

    const WAIT: &str = r#"{ "waitUntilPacked": true, "pollIntervalMs": 100, "maxWaitSeconds": 1 }"#;

    fn with_wait(mut params: Value) -> Value {
        params.as_object_mut().unwrap().extend(serde_json::from_str::<Map<String, Value>>(WAIT).unwrap());
        params
    }

    #[test]
    fn create_and_wait_sends_the_create_once_and_follows_the_order_until_packed() {
        let params = with_wait(
            json!({ "operation": "create", "product": "s", "additionalFields": { "adminAccessToken": "adm-tok" } }),
        );
        let created = json!({ "status": 201, "data": { "order": { "order_hash": HASH, "status": null,
            "admin_user_access_token": "adm-tok" } } });
        let replies = vec![
            MockHost::reply(201, &[], &created.to_string()),
            MockHost::reply(200, &[], &order("pending")),
            MockHost::reply(200, &[], &order("packing")),
            MockHost::reply(200, &[], &order("packed")),
        ];
        let (result, host) = execute(params, replies);
        assert_eq!(result.error, None);
        let out = &result.items[0].json.value();
        assert_eq!((out["state"].as_str(), out["order_hash"].as_str()), (Some("packed"), Some(HASH)));
        assert_eq!(out["admin_user_access_token"], "[redacted]");
        let get = format!("GET http://y/api/orders/{HASH}");
        assert_eq!(sent(&host), ["POST http://y/api/orders".to_string(), get.clone(), get.clone(), get]);
        assert_eq!(host.sleeps(), [100, 150]);
        assert_eq!(host.sent()[0].auth.as_ref().unwrap().headers[0].1, "Bearer tok-1234");
    }

    #[test]
    fn a_packed_create_answer_needs_no_read_and_without_waiting_the_answer_is_the_output() {
        let packed = order("packed");
        let (result, host) = execute(
            with_wait(json!({ "operation": "create", "product": "s" })),
            vec![MockHost::reply(201, &[], &packed)],
        );
        assert_eq!(result.items[0].json.value()["state"], "packed");
        assert_eq!(sent(&host), ["POST http://y/api/orders"]);
        let (result, host) = execute(
            json!({ "operation": "get", "orderHash": HASH }),
            vec![MockHost::reply(200, &[], &order("packing"))],
        );
        assert_eq!(
            result.items[0].json.value(),
            json!({ "order_hash": HASH, "state": "packing", "product": "s", "admin_user_access_token": "[redacted]" })
        );
        assert!(host.sleeps().is_empty());
    }

    #[test]
    fn packing_errors_and_need_human_end_the_wait() {
        let failed = envelope(json!({ "order_hash": HASH, "state": "has_packing_errors",
            "packing_errors": "Project name taken; token adm-tok rejected", "admin_user_access_token": "adm-tok" }));
        let params = with_wait(
            json!({ "operation": "create", "product": "s", "additionalFields": { "adminAccessToken": "adm-tok" } }),
        );
        let (result, host) =
            execute(params, vec![MockHost::reply(201, &[], &order("pending")), MockHost::reply(200, &[], &failed)]);
        let error = result.error.unwrap();
        assert_eq!(error.message, format!("Yamdu could not pack order {HASH}"));
        let description = error.description.unwrap();
        assert!(description.starts_with("POST /api/orders was carried out before this step failed"), "{description}");
        assert!(description.ends_with("\n\nProject name taken; token [redacted] rejected"), "{description}");
        assert_eq!(error.created.unwrap()["data"]["order"]["order_hash"], HASH, "what was created is kept");
        assert!(error.possibly_carried_out);
        assert_eq!(host.sent().len(), 2);

        let get = with_wait(json!({ "operation": "get", "orderHash": HASH }));
        let (result, _) = execute(get.clone(), vec![MockHost::reply(200, &[], &order("need_human"))]);
        assert!(result.error.unwrap().message.contains("needs a human"));
        let mut returning = get;
        returning["needHuman"] = json!("return");
        let (result, _) = execute(returning, vec![MockHost::reply(200, &[], &order("need_human"))]);
        assert_eq!(result.items[0].json.value()["state"], "need_human");
    }

    #[test]
    fn the_wait_is_bounded_and_says_the_last_state() {
        let packing = MockHost::reply(200, &[], &order("packing"));
        let (result, host) = execute(with_wait(json!({ "operation": "get", "orderHash": HASH })), vec![packing; 8]);
        let error = result.error.unwrap();
        assert_eq!(error.message, format!("Still packing (order {HASH}) after waiting 1 s"));
        assert_eq!(host.sleeps().iter().sum::<u64>(), 1000);
        assert_eq!(host.sleeps(), [100, 150, 225, 337, 188]);
    }

    #[test]
    fn a_create_answer_without_an_order_hash_is_not_followed_nor_sent_again() {
        let created = envelope(json!({ "state": "pending" }));
        let (result, host) = execute(
            with_wait(json!({ "operation": "create", "product": "s" })),
            vec![MockHost::reply(201, &[], &created)],
        );
        assert!(result.error.unwrap().message.contains("without its order_hash"));
        assert_eq!(sent(&host), ["POST http://y/api/orders"]);
    }
}
