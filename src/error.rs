//! The one error type every step of an execution reports with.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The user's input is wrong; nothing was sent because of it.
    Input,
    /// The vendor answered with an error, or did not answer at all.
    Api,
    /// A bug or a broken host: not the user's fault, not the vendor's.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeError {
    pub kind: ErrorKind,
    pub message: String,
    pub description: Option<String>,
    pub http_code: Option<String>,
    pub item_index: Option<usize>,
}

impl NodeError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        NodeError { kind, message: message.into(), description: None, http_code: None, item_index: None }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Input, message)
    }

    pub fn api(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Api, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        let description = description.into();
        self.description = (!description.is_empty()).then_some(description);
        self
    }

    pub fn with_http_code(mut self, status: u16) -> Self {
        self.http_code = Some(status.to_string());
        self
    }

    /// Only the first attribution sticks: the step closest to the item knows best.
    pub fn at_item(mut self, index: usize) -> Self {
        self.item_index.get_or_insert(index);
        self
    }
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}
