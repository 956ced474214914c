//! Polling triggers, as a node declares them: a list of events the service returns in time order,
//! which the trigger (`trigger`) reads from where it stopped, emitting each event once.

use serde_json::Value;

use crate::describe::Property;
use crate::error::NodeError;
use crate::paging::Pages;
use crate::params::Params;

pub struct Polling {
    /// The list of events.
    pub path: &'static str,
    /// The query parameter for "events at or after this time" (epoch milliseconds).
    pub since_param: &'static str,
    /// Query parameters every poll sends (the service's ascending order).
    pub fixed_query: &'static [(&'static str, &'static str)],
    /// Query parameters that ask for the newest events first: where a first poll starts, and what a
    /// test run shows.
    pub latest_query: &'static [(&'static str, &'static str)],
    pub pages: Pages,
    /// JSON pointers into an event: when it happened (epoch ms) and its id.
    pub time_at: &'static str,
    pub id_at: &'static str,
    /// The trigger's own fields (filters).
    pub properties: Vec<Property>,
    /// The filters as query parameters, and whether an event passes those the service cannot apply.
    pub filters: fn(&Params) -> Result<Filters, NodeError>,
}

pub struct Filters {
    pub query: Vec<(String, String)>,
    pub keep: Box<dyn Fn(&Value) -> bool>,
}

/// The field that asks for events from before the trigger was switched on.
pub const INCLUDE_PAST: &str = "includePastEvents";

/// The fields every polling trigger has, after its own.
pub fn common_properties() -> Vec<Property> {
    vec![Property::boolean(INCLUDE_PAST, "Include Past Events", false).describe(
        "On the first poll, emit the events that already exist (up to the poll's maximum) instead of only new ones",
    )]
}
