//! AppDirect marketplace API (seed: shared/seeds/003_…, the developer portal). Every commerce (CORE)
//! operation of the seed: the nine per-tag OpenAPI files and `openapi/supplement.yml` (written from the
//! seed) are generated like mittwald's spec; `openapi-overrides.json` mends the files' quirks; see
//! PROVENANCE.md. Authenticates with OAuth2 client credentials.

mod graphql;
mod names;
mod trigger;
mod usage;

pub use trigger::node as trigger_node;

use crate::credential::ClientCredentials;
use crate::prelude::*;

fn spec() -> crate::openapi::tables::Tables {
    crate::openapi::tables::decode(include_bytes!(concat!(env!("OUT_DIR"), "/appdirect_openapi.bin")))
}

pub fn node() -> Node {
    let mut resources = crate::openapi::resources(spec(), vec![], &PICKERS);
    usage::refine(&mut resources);
    resources.push(Resource { value: "GraphQL", name: "GraphQL", operations: vec![graphql::execute()] });
    Node {
        name: "appDirect",
        display_name: "AppDirect",
        description:
            "Companies, users, subscriptions, orders, invoices, carts, catalog and usage on an AppDirect marketplace",
        icon: "appdirect.svg",
        icon_dark: Some("appdirect.dark.svg"),
        credential: Some("appDirectOAuth2Api"),
        default_base_url: None,
        resources,
        vendor_error,
        polling: None,
        docs_url: crate::nodes::docs!("appdirect"),
        aliases: &["AppDirect", "marketplace", "subscription", "billing", "reseller"],
    }
}

pub fn credential() -> Credential {
    Credential {
        name: "appDirectOAuth2Api",
        display_name: "AppDirect OAuth2 API",
        documentation_url: crate::nodes::docs!("appdirect"),
        properties: vec![
            Property::string("marketplaceUrl", "Marketplace URL")
                .required()
                .placeholder("https://marketplace.appdirect.com")
                .describe("Your marketplace's address, without /api: tokens come from <Marketplace URL>/oauth2/token"),
            Property::hidden("grantType", "clientCredentials"),
            Property::hidden("accessTokenUrl", "={{$self[\"marketplaceUrl\"].replace(/\\/+$/, \"\")}}/oauth2/token"),
            Property::hidden("authUrl", ""),
            Property::hidden("authQueryParameters", ""),
            // Client id and secret go as HTTP Basic, as AppDirect's token endpoint expects.
            Property::hidden("authentication", "header"),
            Property::string("clientId", "Client ID").required().describe("The OAuth 2.0 client ID of your API client"),
            Property::password("clientSecret", "Client Secret").required(),
            Property::options(
                "scope",
                "Scope",
                vec![
                    Choice::new("Read and Write (ROLE_PARTNER)", "ROLE_PARTNER"),
                    Choice::new("Read Only (ROLE_PARTNER_READ)", "ROLE_PARTNER_READ"),
                ],
            )
            .default_value("ROLE_PARTNER")
            .describe("The only scopes AppDirect allows for the client-credentials grant"),
        ],
        test: Some(json!({
            "request": {
                "baseURL": "={{$credentials.marketplaceUrl.replace(/\\/+$/, \"\")}}",
                "url": "/api/account/v2/companies",
                "qs": { "size": 1 },
            }
        })),
        base_url_field: Some("marketplaceUrl"),
        // The token is the authentication: n8n (or the runtime) adds it.
        headers: |_, _| Ok(Vec::new()),
        oauth2: Some(ClientCredentials {
            token_path: "/oauth2/token",
            client_id: "clientId",
            client_secret: "clientSecret",
            scope: "scope",
        }),
        icon: ("appdirect.svg", Some("appdirect.dark.svg")),
    }
}

/// Account v2 lists page by zero-based `page`/`size` under `{content, page{totalPages}}`; billing v1
/// and catalog lists by `start`/`count` over bare arrays.
pub(crate) const ACCOUNT_PAGES: Pages =
    Pages::new(Strategy::Page { page: "page", size: "size", first: 0, total_pages: Some("/page/totalPages") }, 50)
        .items_at("/content");
const BILLING_PAGES: Pages = Pages::new(Strategy::Offset { limit: "count", offset: "start", total_header: None }, 50);

/// The generated operations' parameters that get a "From List" picker.
static PICKERS: [(&str, &Search); 10] = [
    ("companyUuid", &COMPANIES),
    ("companyId", &COMPANIES),
    ("userUuid", &USERS),
    ("userId", &USERS),
    ("subscriptionId", &SUBSCRIPTIONS),
    ("subscriptionUuid", &SUBSCRIPTIONS),
    ("applicationId", &PRODUCTS),
    ("discountId", &DISCOUNTS),
    ("editionId", &EDITIONS),
    ("paymentPlanId", &PAYMENT_PLANS),
];

pub(crate) static COMPANIES: Search = Search {
    method: "searchCompanies",
    path: "/api/account/v2/companies",
    filter_param: Some("name"),
    pages: ACCOUNT_PAGES,
    public: false,
    entry: |item| named(item, "id", &["name"], &["externalId"]),
};

pub(crate) static USERS: Search = Search {
    method: "searchUsers",
    path: "/api/account/v2/users",
    filter_param: Some("email"),
    pages: ACCOUNT_PAGES,
    public: false,
    entry: |item| {
        let id = item["id"].as_str()?;
        let name = [item["firstName"].as_str(), item["lastName"].as_str()].into_iter().flatten().collect::<Vec<_>>();
        let name = match (name.join(" "), item["email"].as_str()) {
            (name, Some(email)) if !name.is_empty() => format!("{name} ({email})"),
            (_, Some(email)) => email.to_string(),
            (name, None) if !name.is_empty() => name,
            _ => id.to_string(),
        };
        Some(Entry { name, value: id.into(), url: None })
    },
};

pub(crate) static SUBSCRIPTIONS: Search = Search {
    method: "searchSubscriptions",
    path: "/api/billing/v1/subscriptions",
    filter_param: None,
    pages: BILLING_PAGES,
    public: false,
    entry: |item| {
        let id = text_of(&item["id"])?;
        let product = item["product"]["name"].as_str().or(item["edition"]["name"].as_str());
        let company = item["company"]["name"].as_str();
        let name = match (product, company) {
            (Some(product), Some(company)) => format!("{product} — {company} ({id})"),
            (Some(product), None) => format!("{product} ({id})"),
            _ => id.clone(),
        };
        Some(Entry { name, value: id, url: None })
    },
};

pub(crate) static PRODUCTS: Search = Search {
    method: "searchProducts",
    path: "/api/marketplace/v1/listing",
    filter_param: Some("q"),
    pages: BILLING_PAGES,
    public: false,
    entry: |item| named(item, "id", &["name", "title"], &["vendorName"]),
};

pub(crate) static DISCOUNTS: Search = Search {
    method: "searchDiscounts",
    path: "/api/channel/v1/discounts",
    filter_param: Some("code"),
    pages: BILLING_PAGES,
    public: false,
    entry: |item| named(item, "id", &["code", "description"], &["type"]),
};

/// Editions belong to the product chosen in the same form, payment plans to its edition.
pub(crate) static EDITIONS: Search = Search {
    method: "searchEditions",
    path: "/api/marketplace/v1/products/{applicationId}",
    filter_param: None,
    pages: Pages::new(Strategy::Whole, 0).items_at("/editions"),
    public: false,
    entry: |item| named(item, "id", &["name"], &["code"]),
};

pub(crate) static PAYMENT_PLANS: Search = Search {
    method: "searchPaymentPlans",
    path: "/api/marketplace/v1/products/{applicationId}/editions/{editionId}/paymentPlans",
    filter_param: None,
    pages: Pages::new(Strategy::Whole, 0),
    public: false,
    entry: |item| {
        let id = text_of(&item["id"])?;
        let frequency = item["frequency"].as_str().unwrap_or("plan");
        let price = item["costs"][0]["amounts"][0]
            .as_object()
            .and_then(|a| Some(format!(", {} {}", a.get("value").map(Value::to_string)?, a.get("currency")?.as_str()?)))
            .unwrap_or_default();
        Some(Entry { name: format!("{frequency}{price} ({id})"), value: id, url: None })
    },
};

/// An id given as text or number.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `name (detail)` from the first present of `names` and of `details`; the id alone if no name.
fn named(item: &Value, id_key: &str, names: &[&str], details: &[&str]) -> Option<Entry> {
    let id = text_of(&item[id_key]).or_else(|| text_of(&item["uuid"]))?;
    let name = names.iter().find_map(|key| item[*key].as_str().filter(|s| !s.is_empty()));
    let detail = details.iter().find_map(|key| item[*key].as_str().filter(|s| !s.is_empty()));
    let name = match (name, detail) {
        (Some(name), Some(detail)) => format!("{name} ({detail})"),
        (Some(name), None) => name.to_string(),
        (None, _) => id.clone(),
    };
    Some(Entry { name, value: id, url: None })
}

/// AppDirect's error shapes: `[{code, message}]` (billing, account), `{code, message,
/// messageParameters}` (checkout), `{blockingErrors: [...], warnings}` (cart validation), and
/// OAuth's `{error, error_description}`.
pub(crate) fn vendor_error(response: &Response) -> VendorError {
    let Ok(body) = response.json() else { return VendorError::default() };
    let status = response.status;
    let line = |error: &Value| -> Option<String> {
        let message = error["message"].as_str().or(error["error_description"].as_str());
        let code = error["code"].as_str().or(error["error"].as_str());
        let parameters: Vec<String> = error["messageParameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some(format!("{}={}", p["key"].as_str()?, text_of(&p["value"]).unwrap_or_default())))
            .collect();
        let mut line = match (message, code) {
            (Some(message), Some(code)) => format!("{message} ({code})"),
            (Some(message), None) => message.to_string(),
            (None, Some(code)) => code.to_string(),
            (None, None) => return None,
        };
        if let Some(item) = error["itemId"].as_str() {
            line = format!("item {item}: {line}");
        }
        if !parameters.is_empty() {
            line.push_str(&format!(" [{}]", parameters.join(", ")));
        }
        Some(line)
    };
    let (lines, warnings): (Vec<String>, Vec<String>) = match &body {
        Value::Array(errors) => (errors.iter().filter_map(line).collect(), Vec::new()),
        Value::Object(map) if map.contains_key("blockingErrors") => (
            body["blockingErrors"].as_array().into_iter().flatten().filter_map(line).collect(),
            body["warnings"].as_array().into_iter().flatten().filter_map(line).collect(),
        ),
        Value::Object(_) => (line(&body).into_iter().collect(), Vec::new()),
        _ => (Vec::new(), Vec::new()),
    };
    let Some(first) = lines.first() else { return VendorError::default() };
    let message = match status {
        429 => format!("AppDirect rate limit reached: {first}"),
        401 => format!("AppDirect refused the token: {first}"),
        _ if body.get("blockingErrors").is_some() => format!("The cart is not valid: {first}"),
        _ => first.clone(),
    };
    let mut description = format!("AppDirect answered HTTP {status}");
    if lines.len() > 1 || !warnings.is_empty() {
        description.push_str(":\n");
        description.push_str(&lines.join("\n"));
    }
    if !warnings.is_empty() {
        description.push_str("\nWarnings:\n");
        description.push_str(&warnings.join("\n"));
    }
    if status == 401 {
        description
            .push_str(". Check the credential's client, secret and scope (a read-only scope cannot change anything).");
    }
    VendorError { message, description: Some(description) }
}

#[cfg(test)]
mod tests;
