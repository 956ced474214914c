//! Prints every node's and credential's descriptor as one JSON object, `{ nodes, credentials }`.
//! `scripts/build.mjs` runs it natively and embeds the answer in the package, so the wasm module that
//! executes never needs to carry the descriptors' help texts.

fn main() {
    println!("{}", marketplace_nodes::nodes::registry().descriptors_json());
}
