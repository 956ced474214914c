//! Every node and credential type the module offers.

use serde_json::Value;

use crate::credential::Credential;
use crate::node::Node;

pub struct Registry {
    pub nodes: Vec<Node>,
    pub credentials: Vec<Credential>,
}

impl Registry {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn credential(&self, name: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.name == name)
    }

    /// The credential type of node `node`, if it has one.
    pub fn credential_of(&self, node: &str) -> Option<&Credential> {
        self.node(node).and_then(|n| n.credential).and_then(|c| self.credential(c))
    }

    /// What the package embeds: `{ "nodes": [INodeTypeDescription…], "credentials": [ICredentialType…] }`.
    pub fn descriptors_json(&self) -> String {
        let nodes: Vec<String> = self.nodes.iter().map(Node::description_json).collect();
        let credentials: Vec<Value> = self.credentials.iter().map(Credential::description).collect();
        format!(r#"{{"nodes":[{}],"credentials":{}}}"#, nodes.join(","), Value::Array(credentials))
    }
}
