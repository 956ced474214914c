//! Nodes generated from an OpenAPI document: `build.rs` turns the spec into compact tables that
//! `tables` reads into `spec` types; `form` makes each entry an operation, `schema` checks values,
//! `names` names operations, resources and fields.

pub mod form;
pub mod names;
#[cfg(test)]
pub(crate) mod names_tests;
pub mod schema;
pub mod spec;
pub mod tables;

use crate::node::{Operation, Resource};
use names::{Named, Overrides};
use tables::Tables;

/// One resource per tag, one operation per spec operation: resources in the tables' order (`build.rs`
/// sorts them by tag), operations by name within each. An operation in `hand_written` replaces the
/// generated one with the same operation id: for where the spec is too weak to say what a user needs.
/// `pickers` turns the named parameters into resource locators, each loading its list. Names come
/// from the spec's summaries and tags by the rules of `names`, mended by the node's `overrides`, and
/// are unique within the node.
pub fn resources(
    tables: Tables,
    hand_written: Vec<Operation>,
    pickers: form::Pickers,
    overrides: &Overrides,
) -> Vec<Resource> {
    let Tables { operations, schemas } = tables;
    let mut hand_written: Vec<Option<Operation>> = hand_written.into_iter().map(Some).collect();
    let mut built: Vec<(&'static str, Operation, bool)> = Vec::with_capacity(operations.len());
    for spec in operations.iter() {
        let replacement = hand_written.iter_mut().find(|o| o.as_ref().is_some_and(|o| o.value == spec.id));
        let (operation, fixed) = match replacement.and_then(Option::take) {
            Some(operation) => (operation, true),
            None => {
                let given = overrides.operation(spec.id);
                let name = given.map_or_else(|| names::operation_name(spec.summary, overrides.words), String::from);
                (form::operation(spec, schemas, pickers, &name, overrides), given.is_some())
            }
        };
        built.push((spec.tag, operation, fixed));
    }

    let mut named: Vec<Named> = operations
        .iter()
        .zip(&built)
        .map(|(spec, (_, operation, fixed))| Named {
            id: spec.id,
            path: spec.path,
            public: spec.public,
            name: operation.name.clone(),
            fixed: *fixed,
        })
        .collect();
    names::disambiguate(&mut named);
    let unique: Vec<String> = named.into_iter().map(|n| n.name).collect();

    let mut resources: Vec<Resource> = Vec::new();
    for ((tag, mut operation, _), name) in built.into_iter().zip(unique) {
        if operation.name != name {
            operation.action = name.clone();
            operation.name = name;
        }
        match resources.last_mut() {
            Some(resource) if resource.value == tag => resource.operations.push(operation),
            _ => {
                // Built once per process (the registry is kept), so the name may live as long.
                let display = overrides
                    .resource(tag)
                    .unwrap_or_else(|| Box::leak(names::resource_name(tag, overrides.words).into_boxed_str()));
                resources.push(Resource { value: tag, name: display, operations: vec![operation] })
            }
        }
    }
    for resource in &mut resources {
        resource.operations.sort_by(|a, b| a.name.cmp(&b.name));
    }
    resources
}
