//! What the runtime needs from whoever runs it: a way to send a request and a way to wait.
//! n8n, plain JS (fetch) and the native tests each provide one.

use std::future::Future;
use std::pin::Pin;

use crate::http::{File, Method, Response};

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Which credential authenticates a request, and the headers that does it.
/// n8n applies the credential itself by its type name; other hosts add the headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub credential_type: String,
    pub headers: Vec<(String, String)>,
}

/// A request ready for the wire, still without credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: Option<Auth>,
}

pub trait Host {
    /// Resolves for every HTTP status; `Err` only when no answer arrived (its text says why).
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, String>>;
    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()>;
    /// The contents of binary property `property` of input item `item`, read only when a request
    /// sends it (a file part), so files nobody sends never cross the boundary.
    fn binary(&self, item: usize, property: &str) -> LocalFuture<'_, Result<File, String>>;
}
