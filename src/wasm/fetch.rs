//! Plain-JS hosts without a request helper: fetch, with the credential's headers added here, and the
//! JS timer. Not in the n8n packages' modules, where every request and sleep goes through n8n.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::host::{failure_of, member};
use crate::host::{Cause, Failure, Outgoing};
use crate::http::Response;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called directly so its rejection reaches us whole (gloo-net's `send` keeps
    /// only name and message, and Node puts the reason — ECONNREFUSED, ENOTFOUND… — in `cause`).
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch_request(request: &web_sys::Request) -> Result<Promise, JsValue>;
}

/// Plain-JS hosts: fetch, with the credential's headers added here, redirects handed back (the
/// transport decides), an abort signal ending the attempt at its timeout, body included, and the body
/// read in chunks so an answer over the size limit is dropped before it is all in memory.
pub(super) async fn fetch(request: &Outgoing) -> Result<Response, Failure> {
    // A timeout signal ends the attempt, body included, and stops the connection. (Not the shared
    // watchdog: its timer would keep this instance, and a large answer's memory, alive until it fires.)
    let signal = web_sys::AbortSignal::timeout_with_u32(request.timeout_ms.min(u64::from(u32::MAX)) as u32);
    fetch_with(request, &signal).await
}

async fn fetch_with(request: &Outgoing, signal: &web_sys::AbortSignal) -> Result<Response, Failure> {
    let auth_headers = request.auth.iter().flat_map(|a| a.headers.iter());
    let mut builder = gloo_net::http::RequestBuilder::new(&request.url)
        .method(method_of(request.method))
        .redirect(web_sys::RequestRedirect::Manual)
        .abort_signal(Some(signal));
    for (name, value) in request.headers.iter().chain(auth_headers) {
        // Checked before they got here (run.rs, credential.rs): gloo would throw on a bad one.
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder.body(Uint8Array::from(body.as_slice())),
        None => builder.build(),
    };
    let built: web_sys::Request = built.map_err(|e| Failure::new(Cause::BadUrl, e.to_string()))?.into();
    let promise = fetch_request(&built).map_err(|e| failure_of(&e))?;
    let answer = JsFuture::from(promise).await.map_err(|e| failure_of(&e))?;
    let response: web_sys::Response = answer
        .dyn_into()
        .map_err(|_| Failure::new(Cause::Network, "fetch answered with something that is not a Response"))?;
    if response.status() == 0 {
        // A browser hides a manual redirect's target ("opaqueredirect"): nothing can be decided safely.
        return Err(Failure::new(Cause::Network, "the host hid a redirect (an opaque response)"));
    }
    let headers: Vec<(String, String)> = gloo_net::http::Headers::from_raw(response.headers())
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let body = read_body(&response, &headers, request.max_response_bytes).await?;
    Ok(Response { status: response.status(), headers, body })
}

async fn read_body(response: &web_sys::Response, headers: &[(String, String)], max: u64) -> Result<Vec<u8>, Failure> {
    let too_large = || Failure::new(Cause::TooLarge, "");
    let announced = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length <= max) {
        // Announced and allowed: one read rather than a promise per chunk (the common case, and faster).
        let buffer = response.array_buffer().map_err(|e| failure_of(&e))?;
        let buffer = JsFuture::from(buffer).await.map_err(|e| failure_of(&e))?;
        let body = Uint8Array::new(&buffer).to_vec();
        return if body.len() as u64 > max { Err(too_large()) } else { Ok(body) };
    }
    let Some(stream) = response.body() else { return Ok(Vec::new()) };
    if announced.is_some() {
        // Cancelling only tells the server we stopped reading; its promise resolves.
        let _ = stream.cancel();
        return Err(too_large());
    }
    let reader: JsValue = stream.get_reader().into();
    let cancel = || {
        if let Ok(cancel) = member(&reader, "cancel").dyn_into::<Function>() {
            let _ = cancel.call0(&reader);
        }
    };
    let read: Function = member(&reader, "read")
        .dyn_into()
        .map_err(|_| Failure::new(Cause::Network, "the answer's body cannot be read"))?;
    let mut body = Vec::new();
    loop {
        let next = read.call0(&reader).map_err(|e| failure_of(&e))?;
        let chunk = JsFuture::from(Promise::resolve(&next)).await.map_err(|e| failure_of(&e))?;
        if member(&chunk, "done").is_truthy() {
            return Ok(body);
        }
        let Ok(bytes) = member(&chunk, "value").dyn_into::<Uint8Array>() else { continue };
        let start = body.len();
        if (start as u64).saturating_add(u64::from(bytes.length())) > max {
            cancel();
            return Err(too_large());
        }
        body.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

fn method_of(method: crate::http::Method) -> gloo_net::http::Method {
    use crate::http::Method as M;
    use gloo_net::http::Method as G;
    match method {
        M::Get => G::GET,
        M::Post => G::POST,
        M::Put => G::PUT,
        M::Patch => G::PATCH,
        M::Delete => G::DELETE,
        M::Head => G::HEAD,
    }
}

/// `setTimeout` looked up at run time, so no shipped JS names a timer.
pub(super) fn global_timer(ms: u64) -> Option<JsValue> {
    let set_timeout: Function =
        Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")).ok()?.dyn_into().ok()?;
    let promise = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(ms as f64));
    });
    Some(promise.into())
}

/// A timer that keeps its signal alive while it is awaited (Node lets a timeout signal nobody holds
/// be collected, timer and all) and keeps no process alive on its own.
pub(super) struct Timer {
    signal: web_sys::AbortSignal,
    elapsed: JsFuture,
}

impl Timer {
    pub(super) fn new(ms: u64) -> Self {
        let signal = web_sys::AbortSignal::timeout_with_u32(ms.min(u64::from(u32::MAX)) as u32);
        let promise = Promise::new(&mut |resolve, _| signal.set_onabort(Some(&resolve)));
        Timer { signal, elapsed: JsFuture::from(promise) }
    }

    pub(super) async fn elapsed(self) {
        let Timer { signal, elapsed } = self;
        let _ = elapsed.await;
        drop(signal);
    }
}
