//! Nodes generated from an OpenAPI document: `build.rs` turns the spec into compact tables that
//! `tables` reads into `spec` types; `form` makes each entry an operation, `schema` checks values.

pub mod form;
pub mod schema;
pub mod spec;
pub mod tables;

use crate::node::{Operation, Resource};
use spec::OpSpec;
use tables::Tables;

/// One resource per tag (alphabetical), one operation per spec operation (by summary). An operation
/// in `hand_written` replaces the generated one with the same operation id: for where the spec is
/// too weak to say what a user needs.
/// `pickers` turns the named parameters into resource locators backed by the node's searches.
pub fn resources(tables: Tables, hand_written: Vec<Operation>, pickers: form::Pickers) -> Vec<Resource> {
    let Tables { operations, schemas } = tables;
    let mut hand_written: Vec<Option<Operation>> = hand_written.into_iter().map(Some).collect();
    let mut tags: Vec<&'static str> = operations.iter().map(|op| op.tag).collect();
    tags.sort_unstable();
    tags.dedup();
    tags.into_iter()
        .map(|tag| {
            let mut specs: Vec<&'static OpSpec> = operations.iter().filter(|op| op.tag == tag).collect();
            specs.sort_by_key(|op| op.summary);
            let operations = specs
                .into_iter()
                .map(|spec| {
                    let replacement = hand_written.iter_mut().find(|o| o.as_ref().is_some_and(|o| o.value == spec.id));
                    match replacement.and_then(Option::take) {
                        Some(operation) => operation,
                        None => form::operation(spec, schemas, pickers),
                    }
                })
                .collect();
            Resource { value: tag, name: tag, operations }
        })
        .collect()
}
