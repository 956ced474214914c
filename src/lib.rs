//! A runtime for workflow action nodes: declarative n8n descriptors plus Rust execute functions,
//! compiled into one wasm module that runs inside n8n or any JavaScript host.
//!
//! `src/` knows no marketplace; each lives in `nodes/<marketplace>/` and registers in `nodes/mod.rs`.

pub mod credential;
pub mod describe;
pub mod error;
pub mod fields;
pub mod host;
pub mod http;
pub mod httpdate;
pub mod limits;
pub mod node;
pub mod openapi;
pub mod params;
pub mod redact;
pub mod retry;
pub mod run;
pub mod search;
pub mod transport;
pub mod unicode;
pub mod url;

#[cfg(test)]
pub mod testing;

#[cfg(test)]
mod fuzz;

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
    pub use crate::node::{
        return_all_fields, Input, Node, Operation, Paging, Plan, Poll, Polled, Resource, VendorError,
    };
    pub use crate::params::Params;
    pub use crate::search::{Entry, Search};
    pub use serde_json::{json, Map, Value};
}
