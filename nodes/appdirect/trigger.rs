//! The AppDirect trigger: polls the marketplace's integration events (`GET /api/channel/v1/events`,
//! oldest first from the last event seen), one item per event.

use crate::polling::{Filters, Polling};
use crate::prelude::*;

const EVENT_TYPES: [&str; 12] = [
    "SUBSCRIPTION_ORDER",
    "SUBSCRIPTION_CHANGE",
    "SUBSCRIPTION_CANCEL",
    "SUBSCRIPTION_NOTICE",
    "USER_ASSIGNMENT",
    "USER_UNASSIGNMENT",
    "USER_UPDATED",
    "ADDON_ORDER",
    "ADDON_CHANGE",
    "ADDON_CANCEL",
    "ADDON_BIND",
    "ADDON_UNBIND",
];

pub fn node() -> Node {
    Node {
        name: "appDirectTrigger",
        display_name: "AppDirect Trigger",
        description: "Starts the workflow when the marketplace records integration events (orders, changes, cancels, assignments)",
        icon: "appdirect.svg",
        icon_dark: Some("appdirect.dark.svg"),
        credential: Some("appDirectOAuth2Api"),
        default_base_url: None,
        resources: Vec::new(),
        vendor_error: super::vendor_error,
        polling: Some(Polling {
            path: "/api/channel/v1/events",
            since_param: "fromDate",
            fixed_query: &[("sortOrder", "ASC")],
            latest_query: &[("sortOrder", "DESC")],
            pages: super::ACCOUNT_PAGES,
            time_at: "/creationDate",
            id_at: "/uuid",
            properties: vec![Property::multi_options(
                "eventTypes",
                "Event Types",
                EVENT_TYPES.iter().map(|t| Choice::new(label(t), *t)).collect(),
            )
            .describe("Only these kinds of event; none chosen: every kind")],
            filters,
        }),
        docs_url: crate::nodes::docs!("appdirect"),
        aliases: &["AppDirect", "marketplace", "subscription events", "integration events"],
    }
}

/// One type goes to the service as `type`; several are filtered here (the list takes one).
fn filters(params: &Params) -> Result<Filters, NodeError> {
    let wanted = params.choices("eventTypes")?;
    if let Some(unknown) = wanted.iter().find(|t| !EVENT_TYPES.contains(&t.as_str())) {
        return Err(params.invalid("eventTypes", format!("has the unknown event type \"{unknown}\"")));
    }
    let query = match wanted.as_slice() {
        [only] => vec![("type".to_string(), only.clone())],
        _ => Vec::new(),
    };
    Ok(Filters {
        query,
        keep: Box::new(move |event| {
            wanted.is_empty() || event["type"].as_str().is_some_and(|t| wanted.iter().any(|w| w == t))
        }),
    })
}

/// `SUBSCRIPTION_ORDER` → `Subscription Order`.
fn label(event_type: &str) -> String {
    event_type
        .split('_')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
