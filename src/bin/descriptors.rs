//! Prints every node's and credential's descriptor as one JSON object, `{ nodes, credentials,
//! marketplaces }` (`marketplaces`: each marketplace's node and credential names, so the build can
//! give each n8n package its own). `scripts/build.mjs` runs it natively and embeds the answer in the
//! packages, so the wasm module that executes never needs to carry the descriptors' help texts.

use serde_json::{json, Map, Value};

fn main() {
    let mut marketplaces = Map::new();
    for marketplace in marketplace_nodes::nodes::marketplaces() {
        let nodes: Vec<&str> = marketplace.nodes.iter().map(|n| n.name).collect();
        let credentials: Vec<&str> = marketplace.credentials.iter().map(|c| c.name).collect();
        marketplaces.insert(marketplace.name.into(), json!({ "nodes": nodes, "credentials": credentials }));
    }
    // The descriptors as the registry writes them, then the map (the text is not re-read).
    let descriptors = marketplace_nodes::nodes::registry().descriptors_json();
    let open = descriptors.strip_suffix('}').expect("descriptors are one JSON object");
    println!("{open},\"marketplaces\":{}}}", Value::Object(marketplaces));
}
