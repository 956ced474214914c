//! The marketplaces. A new one is a folder here, a feature in Cargo.toml, and one entry in
//! `marketplaces` (plus its n8n package skeleton in pkg-template/).

#[cfg(feature = "appdirect")]
mod appdirect;
#[cfg(feature = "interworks")]
mod interworks;
#[cfg(feature = "mittwald")]
mod mittwald;
#[cfg(feature = "yamdu")]
mod yamdu;

use crate::credential::Credential;
use crate::node::Node;
use crate::registry::Registry;

/// One marketplace (its folder's and its cargo feature's name), its nodes and its credentials.
pub struct Marketplace {
    pub name: &'static str,
    pub nodes: Vec<Node>,
    pub credentials: Vec<Credential>,
}

/// The marketplaces this build carries.
pub fn marketplaces() -> Vec<Marketplace> {
    vec![
        #[cfg(feature = "mittwald")]
        Marketplace { name: "mittwald", nodes: vec![mittwald::node()], credentials: vec![mittwald::credential()] },
        #[cfg(feature = "interworks")]
        Marketplace {
            name: "interworks",
            nodes: vec![interworks::node()],
            credentials: vec![interworks::credential()],
        },
        #[cfg(feature = "yamdu")]
        Marketplace { name: "yamdu", nodes: vec![yamdu::node()], credentials: vec![yamdu::credential()] },
        #[cfg(feature = "appdirect")]
        Marketplace {
            name: "appdirect",
            nodes: vec![appdirect::node(), appdirect::trigger_node()],
            credentials: vec![appdirect::credential()],
        },
    ]
}

/// The README section of a marketplace (`docs!("appdirect")`): its nodes' and credentials' documentation
/// link. The repository's address is also package.json's `homepage`; a JS test keeps the two the same.
macro_rules! docs {
    ($anchor:literal) => {
        concat!("https://github.com/marketplace-nodes/marketplace-nodes#", $anchor)
    };
}
pub(crate) use docs;

pub fn registry() -> Registry {
    let mut registry = Registry { nodes: Vec::new(), credentials: Vec::new() };
    for marketplace in marketplaces() {
        registry.nodes.extend(marketplace.nodes);
        registry.credentials.extend(marketplace.credentials);
    }
    registry
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn descriptors_are_one_json_object_n8n_can_read() {
        let descriptors: Value = serde_json::from_str(&super::registry().descriptors_json()).unwrap();
        let names: Vec<&str> =
            descriptors["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["mittwald", "interworksCloud", "yamdu", "appDirect", "appDirectTrigger"]);
        let credentials = &descriptors["credentials"];
        assert_eq!(credentials[0]["name"], "mittwaldApi");
        assert_eq!(credentials[0]["properties"][0]["typeOptions"]["password"], true);
        assert!(descriptors["nodes"][0]["properties"].as_array().unwrap().len() > 400, "the generated forms are there");
    }
}
