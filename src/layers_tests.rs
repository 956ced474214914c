//! The runtime's layers, checked from its sources: the model names nothing above it, and no module
//! reaches back to one that reaches it (outside tests).

use std::collections::{BTreeMap, BTreeSet};

/// What a workflow node *is*: descriptions, forms, parameters, plans, registries.
const MODEL: &[&str] = &[
    "credential",
    "describe",
    "error",
    "fields",
    "http",
    "limits",
    "node",
    "options",
    "paging",
    "params",
    "registry",
    "search",
    "polling",
    "openapi",
];

/// `crate::x` names each non-test source file of `src/` uses, per module.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut graph = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
    for dir in ["openapi", "wasm"] {
        files.extend(std::fs::read_dir(format!("{root}/{dir}")).unwrap().map(|e| e.unwrap().path()));
    }
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.extension().is_none_or(|e| e != "rs")
            || name.ends_with("tests")
            || ["fuzz", "testing", "lib"].contains(&name.as_str())
        {
            continue;
        }
        let parent = path.parent().unwrap();
        let module = if parent.ends_with("openapi") || parent.ends_with("wasm") {
            parent.file_name().unwrap().to_string_lossy().to_string()
        } else {
            name
        };
        let text = std::fs::read_to_string(&path).unwrap();
        // Up to the first test module (`#[cfg(test)]` or `#[cfg(all(test, …))]` before a `mod`).
        let lines: Vec<&str> = text.lines().collect();
        let end = (0..lines.len())
            .find(|&i| {
                lines[i].starts_with("#[cfg(")
                    && lines[i].contains("test")
                    && lines.get(i + 1).is_some_and(|l| l.starts_with("mod "))
            })
            .unwrap_or(lines.len());
        let code = lines[..end].join("\n");
        let used = graph.entry(module.clone()).or_insert_with(BTreeSet::new);
        for (at, _) in code.match_indices("crate::") {
            let word: String = code[at + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !word.is_empty() && word != module && word != "prelude" {
                used.insert(word);
            }
        }
    }
    graph
}

#[test]
fn the_model_depends_on_nothing_above_it() {
    for (module, used) in uses().iter().filter(|(m, _)| MODEL.contains(&m.as_str())) {
        let above: Vec<_> = used.iter().filter(|u| !MODEL.contains(&u.as_str())).collect();
        assert!(above.is_empty(), "model module {module} uses {above:?}");
    }
}

#[test]
fn no_module_reaches_back() {
    let graph = uses();
    // Depth-first search for a path back to where it started.
    fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
        graph
            .get(from)
            .into_iter()
            .flatten()
            .any(|next| next == to || (seen.insert(next.clone()) && reaches(graph, next, to, seen)))
    }
    for module in graph.keys() {
        assert!(!reaches(&graph, module, module, &mut BTreeSet::new()), "{module} is part of a cycle");
    }
}

#[test]
fn the_runtime_names_no_marketplace() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let marketplaces: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/nodes"))
        .unwrap()
        .filter_map(|e| e.ok().filter(|e| e.path().is_dir()))
        .map(|e| e.file_name().to_string_lossy().to_lowercase())
        .collect();
    assert!(marketplaces.len() >= 3, "nodes/ holds the marketplaces: {marketplaces:?}");
    for dir in [root.to_string(), format!("{root}/openapi"), format!("{root}/wasm")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            // The fuzzer drives the real registry; tests may name what they exercise.
            if path.is_dir() || name == "fuzz.rs" || name.ends_with("tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
            for marketplace in &marketplaces {
                assert!(!text.contains(marketplace.as_str()), "{name} names {marketplace}");
            }
        }
    }
}
