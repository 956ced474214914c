//! The one error type every step of an execution reports with.

use serde::Serialize;
use serde_json::Value;

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
    /// (u32: keeps the error small; no run has four billion items.)
    pub item_index: Option<u32>,
    /// Why no usable answer came (`timeout`, `refused`, `redirect`, …), for callers that branch on it.
    pub reason: Option<&'static str>,
    /// The request may have reached the service and been carried out: sending it again could repeat it.
    pub possibly_carried_out: bool,
    /// What a side effect of this item answered before a later step failed: it happened, and must not
    /// be repeated.
    pub created: Option<Box<Value>>,
    /// Other items' side effects that completed before the run stopped: their outputs, `[{ item, json }]`.
    pub carried_out: Option<Box<Value>>,
}

impl NodeError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        NodeError {
            kind,
            message: message.into(),
            description: None,
            http_code: None,
            item_index: None,
            reason: None,
            possibly_carried_out: false,
            created: None,
            carried_out: None,
        }
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

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn possibly_carried_out(mut self) -> Self {
        self.possibly_carried_out = true;
        self
    }

    /// Adds `note` before the description (a paragraph of its own).
    pub fn noting(mut self, note: &str) -> Self {
        self.description = Some(match self.description.take() {
            Some(old) => format!("{note}\n\n{old}"),
            None => note.to_string(),
        });
        self
    }

    /// This error came after `what` (e.g. `POST /api/orders`) had been carried out and answered
    /// `answer`: say so, so that nobody repeats it believing nothing happened.
    pub fn after_side_effect(mut self, what: &str, answer: Value) -> Self {
        let note = format!(
            "{what} was carried out before this step failed, so do not send it again: running this item again \
             would repeat it. What it answered: {}",
            snippet(&answer.to_string())
        );
        self = self.noting(&note);
        self.possibly_carried_out = true;
        self.created = Some(Box::new(answer));
        self
    }

    /// Only the first attribution sticks: the step closest to the item knows best.
    pub fn at_item(mut self, index: usize) -> Self {
        self.item_index.get_or_insert(u32::try_from(index).unwrap_or(u32::MAX));
        self
    }
}

/// The start of a long text, for error descriptions.
pub fn snippet(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}
