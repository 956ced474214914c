//! How long and how much one item may take: per-attempt timeout, the item's overall time, the largest
//! answer, and how far Return All may page. Defaults come from the host's request (`limits`); a node's
//! "Request Options" can set them per item. And how fast a run may go (`PaceSettings`, for `pace`).

use serde_json::Value;

use crate::describe::Property;
use crate::error::NodeError;
use crate::fields::Fields;
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub timeout_ms: u64,
    pub item_timeout_ms: u64,
    pub max_response_bytes: u64,
    pub max_pages: u64,
    pub max_items: u64,
}

const MIB: u64 = 1024 * 1024;

/// `(name, least, most)` of each limit, as the host request and the node option take them.
const TIMEOUT: (&str, u64, u64) = ("timeout", 1, 3_600_000);
const ITEM_TIMEOUT: (&str, u64, u64) = ("itemTimeout", 1, 24 * 3_600_000);
const MAX_RESPONSE: (&str, u64, u64) = ("maxResponseBytes", 1, 1024 * MIB);
const MAX_PAGES: (&str, u64, u64) = ("maxPages", 1, 100_000);
const MAX_ITEMS: (&str, u64, u64) = ("maxItems", 1, 10_000_000);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout_ms: 60_000,
            item_timeout_ms: 600_000,
            max_response_bytes: 64 * MIB,
            max_pages: 1_000,
            max_items: 100_000,
        }
    }
}

impl Limits {
    /// The host's `{ timeout?, itemTimeout?, maxResponseBytes?, maxPages?, maxItems? }` (times in ms), named
    /// as the plain-JS options are, so an error names what the caller wrote.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let default = Limits::default();
        if value.is_null() {
            return Ok(default);
        }
        let mut fields = Fields::new(value, "limits")?;
        let mut read = |(name, least, most): (&str, u64, u64), fallback| fields.whole_in(name, least, most, fallback);
        Ok(Limits {
            timeout_ms: read(TIMEOUT, default.timeout_ms)?,
            item_timeout_ms: read(ITEM_TIMEOUT, default.item_timeout_ms)?,
            max_response_bytes: read(MAX_RESPONSE, default.max_response_bytes)?,
            max_pages: read(MAX_PAGES, default.max_pages)?,
            max_items: read(MAX_ITEMS, default.max_items)?,
        })
    }

    /// These limits as the item's "Request Options" (`options`) change them.
    pub fn for_item(self, options: &Params) -> Result<Self, NodeError> {
        let read = |name: &str, (_, least, most): (&str, u64, u64), fallback: u64| -> Result<u64, NodeError> {
            Ok(options.integer(name, least as i64, most as i64)?.map_or(fallback, |n| n as u64))
        };
        let mb = read("maxResponseMb", (MAX_RESPONSE.0, 1, MAX_RESPONSE.2 / MIB), self.max_response_bytes / MIB)?;
        Ok(Limits {
            timeout_ms: read("timeout", TIMEOUT, self.timeout_ms)?,
            item_timeout_ms: read("itemTimeout", ITEM_TIMEOUT, self.item_timeout_ms)?,
            max_response_bytes: if options.has("maxResponseMb") { mb * MIB } else { self.max_response_bytes },
            max_pages: read("maxPages", MAX_PAGES, self.max_pages)?,
            max_items: read("maxItems", MAX_ITEMS, self.max_items)?,
        })
    }
}

/// The limits above as fields of the "Request Options" node option.
pub fn option_fields() -> Vec<Property> {
    let d = Limits::default();
    vec![
            Property::number("timeout", "Timeout (ms)", d.timeout_ms as f64)
                .describe("How long one request may take, answer included, before it counts as lost")
                .type_option("minValue", TIMEOUT.1),
            Property::number("itemTimeout", "Item Timeout (ms)", d.item_timeout_ms as f64)
                .describe("How long one item may take in all: every request, retry and wait (a wait until ready adds its own maximum)")
                .type_option("minValue", ITEM_TIMEOUT.1),
            Property::number("maxResponseMb", "Max Response Size (MB)", (d.max_response_bytes / MIB) as f64)
                .describe("A larger answer fails the item instead of filling the memory")
                .type_option("minValue", 1),
            Property::number("maxPages", "Max Pages", d.max_pages as f64)
                .describe("Return All stops with an error after this many pages")
                .type_option("minValue", 1),
            Property::number("maxItems", "Max Items", d.max_items as f64)
                .describe("Return All stops with an error after this many results")
                .type_option("minValue", 1),
    ]
}

/// What the caller chose: the most requests in flight, and n8n-style batching of items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaceSettings {
    pub concurrency: u64,
    /// Items per batch; 0 = no batching.
    pub batch_size: u64,
    /// Pause after a batch has finished, before the next starts.
    pub batch_interval_ms: u64,
}

/// `(name, least, most)`, as the host request and the node option take them.
const CONCURRENCY: (&str, u64, u64) = ("concurrency", 1, 100);
const BATCH_SIZE: (&str, u64, u64) = ("batchSize", 0, 100_000);
const BATCH_INTERVAL: (&str, u64, u64) = ("batchInterval", 0, 3_600_000);

impl Default for PaceSettings {
    fn default() -> Self {
        PaceSettings { concurrency: 32, batch_size: 0, batch_interval_ms: 0 }
    }
}

impl PaceSettings {
    /// The host's `pace: { concurrency?, batchSize?, batchInterval? }`.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let default = PaceSettings::default();
        if value.is_null() {
            return Ok(default);
        }
        let mut fields = Fields::new(value, "pace")?;
        let mut read = |(name, least, most): (&str, u64, u64), fallback| fields.whole_in(name, least, most, fallback);
        Ok(PaceSettings {
            concurrency: read(CONCURRENCY, default.concurrency)?,
            batch_size: read(BATCH_SIZE, default.batch_size)?,
            batch_interval_ms: read(BATCH_INTERVAL, default.batch_interval_ms)?,
        })
    }

    /// These settings as the run's "Request Options" (`options`, the first item's, as n8n reads its own
    /// batching option: they concern the run, not one item) change them.
    pub fn for_run(self, options: &Params) -> Result<Self, NodeError> {
        let read = |(name, least, most): (&str, u64, u64), fallback: u64| -> Result<u64, NodeError> {
            Ok(options.integer(name, least as i64, most as i64)?.map_or(fallback, |n| n as u64))
        };
        Ok(PaceSettings {
            concurrency: read(CONCURRENCY, self.concurrency)?,
            batch_size: read(BATCH_SIZE, self.batch_size)?,
            batch_interval_ms: read(BATCH_INTERVAL, self.batch_interval_ms)?,
        })
    }

    /// Their fields in the "Request Options" collection.
    pub fn option_fields() -> Vec<Property> {
        let d = PaceSettings::default();
        vec![
            Property::number("concurrency", "Concurrency", d.concurrency as f64)
                .describe(
                    "Most requests in flight at once, for all items together. The node starts lower and slows \
                     down by itself when the service answers 429 (too many requests).",
                )
                .type_option("minValue", CONCURRENCY.1)
                .type_option("maxValue", CONCURRENCY.2),
            Property::number("batchSize", "Items per Batch", 0.0)
                .describe("Send the items in batches of this size, one batch after the other (0 = no batches)")
                .type_option("minValue", 0),
            Property::number("batchInterval", "Batch Interval (ms)", 0.0)
                .describe("Pause between one batch finishing and the next starting")
                .type_option("minValue", 0),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn host_limits_are_checked_and_item_options_override_them() {
        assert_eq!(Limits::from_json(Value::Null), Ok(Limits::default()));
        let limits = Limits::from_json(json!({ "timeout": 500, "maxPages": 3 })).unwrap();
        assert_eq!((limits.timeout_ms, limits.max_pages, limits.max_items), (500, 3, 100_000));
        assert_eq!(
            Limits::from_json(json!({ "timeout": 0 })),
            Err("limits.timeout must be a whole number from 1 to 3600000, got 0".into())
        );
        // The options as the item's form holds them (a collection: labels come from its fields).
        let form = option_fields();
        let values = json!({ "timeout": 250, "maxResponseMb": 2 });
        let params = Params::new(values.as_object().unwrap(), 3, &form);
        let item = limits.for_item(&params).unwrap();
        assert_eq!((item.timeout_ms, item.max_response_bytes, item.max_pages), (250, 2 * MIB, 3));
        let values = json!({ "timeout": -1 });
        let params = Params::new(values.as_object().unwrap(), 3, &form);
        let error = limits.for_item(&params).unwrap_err();
        assert_eq!(
            error.message,
            "Parameter \"Timeout (ms)\" of item 3 must be a whole number from 1 to 3600000, got -1"
        );
    }
}
