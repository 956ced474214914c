//! A runtime for workflow action nodes: declarative n8n descriptors plus Rust execute functions,
//! compiled into one wasm module that runs inside n8n or any JavaScript host.
//!
//! `src/` knows no marketplace; each lives in `nodes/<marketplace>/` and registers in `nodes/mod.rs`.

// The model: what a node is. Depends on nothing below.
pub mod credential;
pub mod describe;
pub mod error;
pub mod fields;
pub mod http;
pub mod node;
pub mod openapi;
pub mod paging;
pub mod params;
pub mod polling;
pub mod registry;
pub mod search;
// Settings a caller gives, checked.
pub mod limits;
pub mod options;
pub mod pace;
// The session: one request to the wire and back (auth, base URL, transport, retries).
pub mod host;
pub mod httpdate;
pub mod retry;
pub mod session;
// Only modules built with `oauth2` fetch tokens; the others keep the type, never the code.
#[cfg_attr(not(feature = "oauth2"), allow(dead_code))]
pub mod token;
pub mod transport;
pub mod unicode;
pub mod url;
// The engine: plans over items (concurrency, paging, polling), pickers, and what they hand back.
pub mod boundary;
pub mod engine;
pub mod output;
pub mod paginator;
pub mod picker;
pub mod redact;
pub mod trigger;

#[cfg(test)]
pub mod testing;

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod concurrency_tests;

#[cfg(test)]
mod layers_tests;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[path = "../nodes/mod.rs"]
pub mod nodes;

/// What a node module needs, in one `use`.
pub mod prelude {
    pub use crate::credential::{base_url_property, Credential, Values};
    pub use crate::describe::{Choice, Property};
    pub use crate::error::NodeError;
    pub use crate::http::{Method, Request, Response};
    pub use crate::node::{return_all_fields, Input, Node, Operation, Plan, Poll, Polled, Resource, VendorError};
    pub use crate::paging::{Pages, Paging, Strategy};
    pub use crate::params::Params;
    pub use crate::search::{Entry, Search};
    pub use serde_json::{json, Map, Value};
}
