//! What a node is: a registry of resources → operations, each with its form and its request plan.

use std::cell::RefCell;

use serde::ser::SerializeSeq;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::describe::{Choice, Property};
use crate::error::NodeError;
pub use crate::http::File;
use crate::http::{Request, Response};
use crate::paging::{Pages, Paging};
use crate::params::Params;

/// Turns one item's validated parameters into the plan of what to send.
/// It must not send anything itself: every item is prepared before the first request goes out.
/// The form's choice between the node's credential and none (only on nodes with public operations).
pub const AUTHENTICATION: &str = "authentication";
pub const WITH_CREDENTIAL: &str = "credential";
pub const NO_CREDENTIAL: &str = "none";
/// The base URL under "Authentication: None"; the host hands it in as the request's `baseUrl`.
pub const PUBLIC_BASE_URL: &str = "publicBaseUrl";

pub type Prepare = Box<dyn Fn(&Input) -> Result<Plan, NodeError> + Send + Sync>;

/// Reshapes a successful JSON answer into the output item (or rejects it, for APIs that say
/// "error" with HTTP 200).
pub type Shape = Box<dyn FnOnce(Value) -> Result<Value, NodeError>>;

pub struct Node {
    /// n8n's node name (`CUSTOM.<name>` once loaded); also what plain-JS callers pass as `node`.
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// File name of the node's SVG, kept beside its code in `nodes/<marketplace>/`.
    pub icon: &'static str,
    /// Its twin for n8n's dark mode, beside it, if it has one.
    pub icon_dark: Option<&'static str>,
    pub credential: Option<&'static str>,
    pub default_base_url: Option<&'static str>,
    pub resources: Vec<Resource>,
    /// Reads the vendor's error body so its own words reach the user.
    pub vendor_error: fn(&Response) -> VendorError,
    /// A polling trigger (then it has no resources): what it polls.
    pub polling: Option<crate::polling::Polling>,
    /// Where its documentation is (n8n's "Docs" link), and other names people search the node panel by.
    pub docs_url: &'static str,
    pub aliases: &'static [&'static str],
}

pub struct Resource {
    pub value: &'static str,
    pub name: &'static str,
    pub operations: Vec<Operation>,
}

pub struct Operation {
    pub value: String,
    pub name: String,
    /// The sentence n8n lists in its actions panel, e.g. "Order an extension".
    pub action: String,
    pub description: String,
    pub properties: Vec<Property>,
    /// Works without a credential (the API marks it public).
    pub public: bool,
    pub prepare: Prepare,
}

/// What the vendor said went wrong.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VendorError {
    pub message: String,
    pub description: Option<String>,
}

/// One item's input as an operation sees it.
pub struct Input<'a> {
    pub params: Params<'a>,
    /// The incoming item's JSON.
    pub json: &'a Value,
    /// The incoming item's binary properties: name → `{ mimeType, fileName, … }`, without contents.
    pub binary: &'a Map<String, Value>,
    /// The credential's fields, for operations whose route is configurable or that check secrets
    /// themselves (whatever reaches an output is redacted all the same).
    pub credentials: &'a Map<String, Value>,
    /// Values this run must never show, collected while items are prepared.
    pub secrets: &'a RefCell<Vec<String>>,
    /// This run's own number (see `unique_id`).
    pub run: u64,
}

impl Input<'_> {
    /// Treats `value` (e.g. a token given as a parameter) like a credential: it is redacted from
    /// every output item and error of this run, whatever the vendor echoes.
    pub fn secret(&self, value: &str) {
        if !value.is_empty() {
            self.secrets.borrow_mut().push(value.to_string());
        }
    }

    /// An id in UUID form unique to this item of this run: the same on every retry of its requests
    /// (they are sent as prepared), another on the next run (an idempotency key).
    pub fn unique_id(&self) -> String {
        let mix = |mut x: u64| {
            // splitmix64's finaliser: spreads every input bit over the output.
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        let high = mix(self.run ^ (self.params.item() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let low = mix(high ^ self.run.rotate_left(32));
        // Version 4, variant 1, as random UUIDs are.
        let high = (high & 0xffff_ffff_ffff_0fff) | 0x4000;
        let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }

    pub fn setting(&self, name: &str) -> Option<&str> {
        self.credentials.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// What to do for one item, decided before anything is sent.
pub enum Plan {
    /// Send a request and read the answer. (Boxed: a plan is moved around far more than it is read.)
    Call { request: Box<Request>, expect: Expect },
    /// Nothing to send: the output follows from the input alone.
    Done(Vec<Value>),
}

pub enum Expect {
    /// One output item: the answer as it came.
    Answer,
    /// One output item from the answer, reshaped.
    Item(Shape),
    /// One output item per element of the answer's array, following pages when asked to.
    List(Option<Paging>),
    /// The answer decides what comes next (e.g. create, then wait until the thing is ready).
    Then(Box<dyn FnOnce(Value) -> Result<Plan, NodeError>>),
    /// Ask the same (idempotent) request again until the answer says it is settled.
    Poll(Poll),
    /// The answer is its headers (HEAD): one output item holding them, names lower-cased.
    Headers,
    /// The answer is a file or text: one output item carrying it as binary data.
    File { file_name: String },
}

/// Repeats a read with growing pauses until `check` settles it or `max_wait_ms` of waiting is spent.
pub struct Poll {
    pub check: Box<dyn Fn(Value) -> Result<Polled, NodeError>>,
    pub first_delay_ms: u64,
    pub max_delay_ms: u64,
    pub max_wait_ms: u64,
}

pub enum Polled {
    /// Settled: this is the output item.
    Ready(Value),
    /// Not yet; the text says what it is still doing, for the time-out message.
    Pending(String),
}

impl Plan {
    pub fn headers(request: Request) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::Headers }
    }

    pub fn item(request: Request) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::Answer }
    }

    pub fn shaped(request: Request, shape: impl FnOnce(Value) -> Result<Value, NodeError> + 'static) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::Item(Box::new(shape)) }
    }

    pub fn list(request: Request, paging: Option<Paging>) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::List(paging) }
    }

    pub fn then(request: Request, next: impl FnOnce(Value) -> Result<Plan, NodeError> + 'static) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::Then(Box::new(next)) }
    }

    /// The answer is a file, named by the vendor (Content-Disposition) or else `file_name` plus the
    /// extension of the media type that came back.
    pub fn file(request: Request, file_name: impl Into<String>) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::File { file_name: file_name.into() } }
    }

    pub fn poll(request: Request, poll: Poll) -> Self {
        Plan::Call { request: Box::new(request), expect: Expect::Poll(poll) }
    }

    /// The first request this plan sends, if any.
    pub fn request(&self) -> Option<&Request> {
        match self {
            Plan::Call { request, .. } => Some(request),
            Plan::Done(_) => None,
        }
    }
}

impl Operation {
    pub fn new(
        value: impl Into<String>,
        name: impl Into<String>,
        action: impl Into<String>,
        prepare: impl Fn(&Input) -> Result<Plan, NodeError> + Send + Sync + 'static,
    ) -> Self {
        Operation {
            value: value.into(),
            name: name.into(),
            action: action.into(),
            description: String::new(),
            properties: Vec::new(),
            public: false,
            prepare: Box::new(prepare),
        }
    }

    pub fn describe(mut self, description: impl Into<String>) -> Self {
        if crate::describe::EDITOR_DETAILS {
            self.description = description.into();
        }
        self
    }

    pub fn fields(mut self, properties: Vec<Property>) -> Self {
        self.properties = properties;
        self
    }

    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }
}

/// The standard "Return All" / "Limit" pair of a list operation.
pub fn return_all_fields() -> Vec<Property> {
    vec![
        Property::boolean("returnAll", "Return All", false)
            .describe("Whether to return all results or only up to a given limit"),
        Property::number("limit", "Limit", 50.0)
            .describe("Max number of results to return")
            .type_option("minValue", 1)
            .show_when("returnAll", &[json!(false)]),
    ]
}

impl Paging {
    /// Reads the "Return All" / "Limit" fields of `return_all_fields`.
    pub fn from_params(params: &Params, pages: Pages) -> Result<Self, NodeError> {
        let max_items = if params.boolean("returnAll", false)? {
            None
        } else {
            Some(params.integer("limit", 1, i64::MAX)?.unwrap_or(50) as u64)
        };
        Ok(Paging { pages, max_items })
    }
}

impl Node {
    /// The lists behind its resource-locator fields, each once.
    pub fn searches(&self) -> Vec<&'static crate::search::Search> {
        fn visit(property: &Property, found: &mut Vec<&'static crate::search::Search>) {
            if let Some(search) = property.search.filter(|s| !found.iter().any(|f| f.method == s.method)) {
                found.push(search);
            }
            property.children().into_iter().for_each(|child| visit(child, found));
        }
        let mut found = Vec::new();
        for property in self.resources.iter().flat_map(|r| &r.operations).flat_map(|o| &o.properties) {
            visit(property, &mut found);
        }
        found
    }

    pub fn operation(&self, resource: &str, operation: &str) -> Option<&Operation> {
        self.resources.iter().find(|r| r.value == resource)?.operations.iter().find(|o| o.value == operation)
    }

    /// The operations the API serves without a credential.
    fn public_operations(&self) -> Vec<&str> {
        self.resources.iter().flat_map(|r| &r.operations).filter(|o| o.public).map(|o| o.value.as_str()).collect()
    }

    /// The credential is required where the API needs it. A node with public operations also offers
    /// "Authentication: None" (n8n's own pattern) and shows the credential only for the other choice:
    /// n8n's `getCredentials` refuses a credential its description hides, so hiding it per operation
    /// would cost public operations the credential's Base URL; with None they take `publicBaseUrl`.
    fn credentials_json(&self) -> Vec<Value> {
        let Some(name) = self.credential else { return Vec::new() };
        if self.offers_no_credential() {
            // Hidden under None rather than shown under Credential: n8n checks this condition against
            // the parameters a request hands it, which may leave out a default (a picker's call does).
            let hidden = json!({ "hide": { AUTHENTICATION: [NO_CREDENTIAL] } });
            return vec![json!({ "name": name, "required": true, "displayOptions": hidden })];
        }
        vec![json!({ "name": name, "required": true })]
    }

    /// Whether the form offers running without a credential (some operations are public).
    pub fn offers_no_credential(&self) -> bool {
        self.credential.is_some() && !self.public_operations().is_empty()
    }

    /// The top of a form that offers running without a credential: the choice, and under None the
    /// base URL (a staging system's or a mock's) and what None allows.
    fn authentication_properties(&self) -> Vec<Property> {
        let choices = vec![
            Choice::new("Credential", WITH_CREDENTIAL).describe("Sign every request with the node's credential"),
            Choice::new("None (Public Operations Only)", NO_CREDENTIAL)
                .describe("Send no credential: only operations the API serves to everyone run"),
        ];
        let none = [json!(NO_CREDENTIAL)];
        vec![
            Property::options(AUTHENTICATION, "Authentication", choices)
                .no_expressions()
                .default_value(WITH_CREDENTIAL),
            Property::notice(
                "noCredentialNotice",
                "Without a credential only public operations run; any other stops before it sends a request.",
            )
            .show_when(AUTHENTICATION, &none),
            Property::string(PUBLIC_BASE_URL, "Base URL")
                .default_value(self.default_base_url.unwrap_or_default())
                .describe("The API's address, as the credential's Base URL would give it")
                .show_when(AUTHENTICATION, &none),
        ]
    }

    /// n8n's `INodeTypeDescription`, as a value (for tests and tools).
    pub fn description(&self) -> Value {
        serde_json::from_str(&self.description_json()).expect("descriptions are JSON")
    }

    /// n8n's `INodeTypeDescription` as JSON text, written straight from the registry: with hundreds
    /// of operations this runs at every host start, so nothing is copied on the way.
    pub fn description_json(&self) -> String {
        let credentials = self.credentials_json();
        if let Some(polling) = &self.polling {
            return self.trigger_description(polling, credentials);
        }
        let view = DescriptionView {
            display_name: self.display_name,
            name: self.name,
            icon: self.icon_value(),
            group: ["transform"],
            version: 1,
            subtitle: &self.subtitle(),
            description: self.description,
            defaults: json!({ "name": self.display_name }),
            inputs: ["main"],
            outputs: ["main"],
            usable_as_tool: true,
            credentials,
            properties: PropertiesView(self),
            codex: self.codex(),
        };
        serde_json::to_string(&view).expect("descriptions serialize")
    }

    /// What the canvas shows under the node: the chosen operation's name ("Order Extension"; "Addon:
    /// Create" where a short name does not say what it acts on), looked up from the form's values (an
    /// unknown value shows as it is).
    fn subtitle(&self) -> String {
        let names: Map<String, Value> = self
            .resources
            .iter()
            .map(|r| {
                let operations = r.operations.iter().map(|o| {
                    let short = o.name.split_whitespace().count() <= 2;
                    let says_what = o.name.to_lowercase().contains(&r.name.to_lowercase());
                    let name = if short && !says_what { format!("{}: {}", r.name, o.name) } else { o.name.clone() };
                    (o.value.clone(), Value::String(name))
                });
                (r.value.to_string(), Value::Object(operations.collect()))
            })
            .collect();
        // n8n ends an expression at the first `}}` and starts one at `{{`: the table has neither.
        let table = Value::Object(names).to_string().replace("}}", "} }").replace("}}", "} }").replace("{{", "{ {");
        format!("={{{{(({table})[$parameter[\"resource\"]] || {{}})[$parameter[\"operation\"]] || $parameter[\"operation\"]}}}}")
    }

    /// A polling trigger's description: n8n adds its "Poll Times" field itself.
    fn trigger_description(&self, polling: &crate::polling::Polling, credentials: Vec<Value>) -> String {
        let mut properties = polling.properties.clone();
        properties.extend(crate::polling::common_properties());
        let description = json!({
            "displayName": self.display_name,
            "name": self.name,
            "icon": self.icon_value(),
            "group": ["trigger"],
            "version": 1,
            "description": self.description,
            "defaults": { "name": self.display_name },
            "polling": true,
            "inputs": [],
            "outputs": ["main"],
            "credentials": credentials,
            "properties": properties,
            "codex": self.codex(),
        });
        description.to_string()
    }

    /// n8n's codex (what its node panel searches and links to); the build writes it beside the node.
    fn codex(&self) -> Value {
        json!({
            "alias": self.aliases,
            "resources": { "primaryDocumentation": [{ "url": self.docs_url }] },
        })
    }

    pub(crate) fn icon_value(&self) -> Value {
        match self.icon_dark {
            Some(dark) => json!({ "light": format!("file:{}", self.icon), "dark": format!("file:{dark}") }),
            None => json!(format!("file:{}", self.icon)),
        }
    }

    /// Resource picker and one operation picker per resource: the top of the form.
    fn pickers(&self) -> Vec<Property> {
        let resource_choices = self.resources.iter().map(|r| Choice::new(r.name, r.value)).collect();
        let mut properties = vec![Property::options("resource", "Resource", resource_choices).no_expressions()];
        for resource in &self.resources {
            let choices = resource
                .operations
                .iter()
                .map(|o| {
                    let mut choice = Choice::new(o.name.clone(), o.value.clone());
                    choice.action = Some(o.action.clone());
                    (!o.description.is_empty()).then(|| choice.description = Some(o.description.clone()));
                    choice
                })
                .collect();
            properties.push(
                Property::options("operation", "Operation", choices)
                    .no_expressions()
                    .show_when("resource", &[json!(resource.value)]),
            );
        }
        properties
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescriptionView<'a> {
    display_name: &'a str,
    name: &'a str,
    icon: Value,
    group: [&'a str; 1],
    version: u8,
    subtitle: &'a str,
    description: &'a str,
    defaults: Value,
    inputs: [&'a str; 1],
    outputs: [&'a str; 1],
    usable_as_tool: bool,
    credentials: Vec<Value>,
    properties: PropertiesView<'a>,
    codex: Value,
}

/// The pickers, then each operation's fields shown only for it.
struct PropertiesView<'a>(&'a Node);

impl Serialize for PropertiesView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        if self.0.offers_no_credential() {
            for property in self.0.authentication_properties() {
                seq.serialize_element(&property)?;
            }
        }
        for picker in self.0.pickers() {
            seq.serialize_element(&picker)?;
        }
        let public = Property::notice(
            "publicOperation",
            "This operation also runs without a credential (Authentication: None): the API serves it to everyone.",
        );
        for resource in &self.0.resources {
            for operation in &resource.operations {
                if operation.public && self.0.credential.is_some() {
                    seq.serialize_element(&public.shown_for(resource.value, &operation.value))?;
                }
                for property in &operation.properties {
                    seq.serialize_element(&property.shown_for(resource.value, &operation.value))?;
                }
            }
        }
        // Last, for every operation: timeouts, size limits and pace (read by the runtime).
        seq.serialize_element(&crate::options::property())?;
        seq.end()
    }
}

// What these check (display conditions, descriptions) exists only with the editor's details.
#[cfg(all(test, feature = "describe"))]
mod tests {
    use super::*;

    fn node() -> Node {
        let get = Operation::new("get", "Get", "Get a thing", |_| Ok(Plan::item(Request::get("/x"))))
            .fields(vec![Property::string("id", "ID").required().show_when("mode", &[json!("a")])]);
        crate::testing::demo_node(
            Some("demoApi"),
            vec![Resource { value: "thing", name: "Thing", operations: vec![get] }],
        )
    }

    #[test]
    fn fields_show_only_for_their_operation_and_keep_their_own_conditions() {
        let description = node().description();
        let props = description["properties"].as_array().unwrap();
        let id = props.iter().find(|p| p["name"] == "id").unwrap();
        assert_eq!(id["displayOptions"]["show"], json!({ "mode": ["a"], "resource": ["thing"], "operation": ["get"] }));
        let op = props.iter().find(|p| p["name"] == "operation").unwrap();
        assert_eq!(op["options"][0]["action"], "Get a thing");
        assert_eq!(op["displayOptions"]["show"]["resource"], json!(["thing"]));
        assert_eq!(description["credentials"][0]["name"], "demoApi");
        assert_eq!(description["icon"], "file:demo.svg");
        // No public operation: the credential is simply required, and there is nothing to choose.
        assert_eq!(description["credentials"], json!([{ "name": "demoApi", "required": true }]));
        assert!(!props.iter().any(|p| p["name"] == AUTHENTICATION));
    }

    #[test]
    fn public_operations_add_an_authentication_choice_the_credential_shows_for() {
        let open = Operation::new("open", "Open", "Open a thing", |_| Ok(Plan::item(Request::get("/o")))).public();
        let closed = Operation::new("closed", "Closed", "Closed thing", |_| Ok(Plan::item(Request::get("/c"))));
        let node = crate::testing::demo_node(
            Some("demoApi"),
            vec![Resource { value: "thing", name: "Thing", operations: vec![open, closed] }],
        );
        let description = node.description();
        let hidden = json!({ "hide": { AUTHENTICATION: [NO_CREDENTIAL] } });
        assert_eq!(
            description["credentials"],
            json!([{ "name": "demoApi", "required": true, "displayOptions": hidden }])
        );
        let props = description["properties"].as_array().unwrap();
        assert_eq!(props[0]["name"], AUTHENTICATION);
        assert_eq!(props[0]["default"], WITH_CREDENTIAL);
        let base = props.iter().find(|p| p["name"] == PUBLIC_BASE_URL).unwrap();
        assert_eq!(base["default"], "http://demo.test");
        assert_eq!(base["displayOptions"]["show"][AUTHENTICATION], json!([NO_CREDENTIAL]));
        // The notice that an operation is public shows for the public one only.
        let notices: Vec<_> = props.iter().filter(|p| p["name"] == "publicOperation").collect();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0]["displayOptions"]["show"]["operation"], json!(["open"]));
    }
}
