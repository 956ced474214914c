//! Native timing of what every host start pays: building the registry and writing the descriptors.
fn main() {
    let t = std::time::Instant::now();
    let registry = marketplace_nodes::nodes::registry();
    let built = t.elapsed();
    let bytes: usize = registry.nodes.iter().map(|n| n.description_json().len()).sum();
    println!("registry {:?}, descriptors {:?} ({bytes} bytes)", built, t.elapsed() - built);
}
