//! Nodes generated from an OpenAPI document: `build.rs` turns the spec into compact tables that
//! `tables` reads into `spec` types; `form` makes each entry an operation, `schema` checks values.

pub mod form;
pub mod schema;
pub mod spec;
pub mod tables;

use crate::node::{Operation, Resource};
use tables::Tables;

/// One resource per tag, one operation per spec operation, in the tables' order (`build.rs` sorts them:
/// tags alphabetically, operations by summary). An operation in `hand_written` replaces the generated
/// one with the same operation id: for where the spec is too weak to say what a user needs.
/// `pickers` turns the named parameters into resource locators, each loading its list.
pub fn resources(tables: Tables, hand_written: Vec<Operation>, pickers: form::Pickers) -> Vec<Resource> {
    let Tables { operations, schemas } = tables;
    let mut hand_written: Vec<Option<Operation>> = hand_written.into_iter().map(Some).collect();
    let mut resources: Vec<Resource> = Vec::new();
    for spec in operations.iter() {
        let replacement = hand_written.iter_mut().find(|o| o.as_ref().is_some_and(|o| o.value == spec.id));
        let operation = match replacement.and_then(Option::take) {
            Some(operation) => operation,
            None => form::operation(spec, schemas, pickers),
        };
        match resources.last_mut() {
            Some(resource) if resource.value == spec.tag => resource.operations.push(operation),
            _ => resources.push(Resource { value: spec.tag, name: spec.tag, operations: vec![operation] }),
        }
    }
    resources
}
