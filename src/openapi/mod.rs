//! Nodes generated from an OpenAPI document: `build.rs` turns the spec into compact tables that
//! `tables` reads into `spec` types; `form` makes each entry an operation, `schema` checks values.
//! `build.rs` names the operations, resources and fields too, by the rules of `names` (compiled
//! into the crate only for its tests), so the tables carry the names and the module no rules.

pub mod form;
#[cfg(test)]
mod form_tests;
#[cfg(test)]
pub mod names;
#[cfg(test)]
pub(crate) mod names_tests;
pub mod schema;
pub mod spec;
pub mod tables;

use crate::node::{Operation, Resource};
use tables::Tables;

/// One resource per tag, one operation per spec operation: resources in the tables' order (`build.rs`
/// sorts them by tag), operations by name within each. An operation in `hand_written` replaces the
/// generated one with the same operation id: for where the spec is too weak to say what a user needs.
/// `pickers` turns the named parameters into resource locators, each loading its list. Names are the
/// tables' (`build.rs` makes them from the spec's summaries and tags, mended by the node's
/// `names.rs`, unique within the node), a hand-written operation's its own.
pub fn resources(tables: Tables, hand_written: Vec<Operation>, pickers: form::Pickers) -> Vec<Resource> {
    let Tables { operations, schemas } = tables;
    let mut hand_written: Vec<Option<Operation>> = hand_written.into_iter().map(Some).collect();
    let mut resources: Vec<Resource> = Vec::new();
    for spec in operations.iter() {
        let replacement = hand_written.iter_mut().find(|o| o.as_ref().is_some_and(|o| o.value == spec.id));
        let operation = replacement.and_then(Option::take).unwrap_or_else(|| form::operation(spec, schemas, pickers));
        match resources.last_mut() {
            Some(resource) if resource.value == spec.tag => resource.operations.push(operation),
            _ => resources.push(Resource { value: spec.tag, name: spec.resource, operations: vec![operation] }),
        }
    }
    for resource in &mut resources {
        resource.operations.sort_by(|a, b| a.name.cmp(&b.name));
    }
    resources
}
