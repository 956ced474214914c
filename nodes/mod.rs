//! The marketplaces. A new one is a folder here plus one line in `registry`.

mod interworks;
mod mittwald;
mod yamdu;

use crate::registry::Registry;

pub fn registry() -> Registry {
    Registry {
        nodes: vec![mittwald::node(), interworks::node(), yamdu::node()],
        credentials: vec![mittwald::credential(), interworks::credential(), yamdu::credential()],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn descriptors_are_one_json_object_n8n_can_read() {
        let descriptors: Value = serde_json::from_str(&super::registry().descriptors_json()).unwrap();
        let names: Vec<&str> =
            descriptors["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["mittwald", "interworksCloud", "yamdu"]);
        let credentials = &descriptors["credentials"];
        assert_eq!(credentials[0]["name"], "mittwaldApi");
        assert_eq!(credentials[0]["properties"][0]["typeOptions"]["password"], true);
        assert!(descriptors["nodes"][0]["properties"].as_array().unwrap().len() > 400, "the generated forms are there");
    }
}
