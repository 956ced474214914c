//! The exports JS sees (contract: docs/boundary.md) and the two hosts JS can give us.

use std::cell::RefCell;
use std::sync::OnceLock;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::boundary::{ExecuteRequest, HostRequest, SearchRequest};
use crate::credential::Values;
use crate::host::{Cause, Failure, Host, LocalFuture, Outgoing};
use crate::http::{File, Response};
use crate::registry::Registry;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(crate::nodes::registry)
}

thread_local! {
    static ON_PANIC: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// After a panic this instance is dead; the callback lets JS fail pending calls and start afresh.
#[wasm_bindgen]
pub fn init(on_panic: Function) {
    ON_PANIC.with(|slot| *slot.borrow_mut() = Some(on_panic));
    std::panic::set_hook(Box::new(|info| {
        let message = JsValue::from_str(&info.to_string());
        ON_PANIC.with(|slot| {
            if let Some(callback) = slot.borrow().as_ref() {
                let _ = callback.call1(&JsValue::NULL, &message);
            }
        });
    }));
}

#[wasm_bindgen(js_name = credentialHeaders)]
pub fn credential_headers(credential_type: &str, credentials_json: &str) -> Result<String, JsError> {
    let credential = registry()
        .credential(credential_type)
        .ok_or_else(|| JsError::new(&format!("Unknown credential type \"{credential_type}\"")))?;
    let values: Values = match serde_json::from_str(&crate::unicode::mark_lone_surrogates(credentials_json)) {
        Ok(serde_json::Value::Object(values)) => values,
        _ => return Err(JsError::new("The credentials must be a JSON object")),
    };
    let headers = credential.checked_headers(&values).map_err(|e| JsError::new(&e.message))?;
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        map.insert(name, value.into());
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// Resolves to `{ result: <ExecuteResult JSON>, files: Uint8Array[] }` (docs/boundary.md).
#[wasm_bindgen]
pub async fn execute(request_json: String, host: JsValue) -> Result<JsValue, JsError> {
    // Broken text (a lone surrogate) is marked, not refused here, so the run can name its parameter.
    let request = serde_json::from_str(&crate::unicode::mark_lone_surrogates(&request_json))
        .map_err(|e| e.to_string())
        .and_then(ExecuteRequest::from_json)
        .map_err(|e| JsError::new(&format!("Malformed execute request: {e}")))?;
    let host = JsHost::from_js(&host)?;
    let result = crate::engine::execute(registry(), request, &host).await;
    let files = js_sys::Array::new();
    for binary in result.items.iter().filter_map(|item| item.binary.as_ref()) {
        files.push(&Uint8Array::from(binary.data.as_slice()));
    }
    let answer = Object::new();
    let json = result.to_json();
    Reflect::set(&answer, &JsValue::from_str("result"), &JsValue::from_str(&json)).expect("a plain object");
    Reflect::set(&answer, &JsValue::from_str("files"), &files).expect("a plain object");
    Ok(answer.into())
}

/// One page of a picker's list (n8n `listSearch`). Resolves to the JSON of a `SearchResult`.
#[wasm_bindgen]
pub async fn search(request_json: String, host: JsValue) -> Result<String, JsError> {
    let request = serde_json::from_str(&crate::unicode::mark_lone_surrogates(&request_json))
        .map_err(|e| e.to_string())
        .and_then(SearchRequest::from_json)
        .map_err(|e| JsError::new(&format!("Malformed search request: {e}")))?;
    let host = JsHost::from_js(&host)?;
    let result = crate::picker::search(registry(), request, &host).await;
    Ok(serde_json::to_string(&result).expect("results serialize"))
}

#[wasm_bindgen(js_name = __panicForTests)]
pub fn panic_for_tests() {
    panic!("deliberate panic for tests");
}

/// The host JS handed in: its `request` (n8n: httpRequestWithAuthentication) and `sleep`, or, where
/// absent, fetch (with the credential applied here) and the global timer; and its `binary`, which
/// reads an input item's file.
struct JsHost {
    /// The object itself: its functions are called as its methods (`this` is the host).
    this: JsValue,
    request: Option<Function>,
    sleep: Option<Function>,
    binary: Option<Function>,
    /// Told before each request goes out, so the shim knows which calls may have had an effect if the
    /// instance dies.
    on_send: Option<Function>,
}

impl JsHost {
    fn from_js(host: &JsValue) -> Result<Self, JsError> {
        let function = |name: &str| -> Result<Option<Function>, JsError> {
            if host.is_undefined() || host.is_null() {
                return Ok(None);
            }
            let value = Reflect::get(host, &JsValue::from_str(name)).map_err(|_| JsError::new("unreadable host"))?;
            match value.dyn_into::<Function>() {
                Ok(f) => Ok(Some(f)),
                Err(v) if v.is_undefined() || v.is_null() => Ok(None),
                Err(_) => Err(JsError::new(&format!("host.{name} must be a function"))),
            }
        };
        Ok(JsHost {
            this: host.clone(),
            request: function("request")?,
            sleep: function("sleep")?,
            binary: function("binary")?,
            on_send: function("onSend")?,
        })
    }
}

impl Host for JsHost {
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, Failure>> {
        Box::pin(async move {
            if let Some(on_send) = &self.on_send {
                let _ = on_send.call0(&self.this);
            }
            match &self.request {
                // A host's own transport is held to the attempt's time here too, whatever it does.
                Some(function) => {
                    let expiry = watchdog::Expiry::after(request.timeout_ms.saturating_add(HOST_GRACE_MS));
                    match first_of(send_through(&self.this, function, &request), expiry).await {
                        Either::Left(result) => result,
                        Either::Right(()) => Err(Failure::new(Cause::Timeout, "the host's request did not settle")),
                    }
                }
                None => fetch(&request).await,
            }
        })
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()> {
        Box::pin(async move {
            let promise = match &self.sleep {
                Some(function) => function.call1(&self.this, &JsValue::from_f64(ms as f64)).ok(),
                None => global_timer(ms),
            };
            if let Some(promise) = promise {
                let _ = JsFuture::from(Promise::resolve(&promise)).await;
            }
        })
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn binary(&self, item: usize, property: &str) -> LocalFuture<'_, Result<File, String>> {
        let property = property.to_string();
        Box::pin(async move {
            let function = self.binary.as_ref().ok_or("this host passes no binary data")?;
            let answer = function
                .call2(&self.this, &JsValue::from_f64(item as f64), &JsValue::from_str(&property))
                .map_err(js_error_text)?;
            let answer = JsFuture::from(Promise::resolve(&answer)).await.map_err(js_error_text)?;
            let get = |name: &str| member(&answer, name);
            let data = get("data");
            if !(data.is_instance_of::<Uint8Array>() || data.is_instance_of::<js_sys::ArrayBuffer>()) {
                return Err("the host's binary data has no bytes".to_string());
            }
            Ok(File {
                data: Uint8Array::new(&data).to_vec(),
                mime_type: get("mimeType").as_string().unwrap_or_else(|| "application/octet-stream".into()),
                file_name: get("fileName").as_string().unwrap_or_else(|| property.clone()),
            })
        })
    }
}

/// How much longer than the attempt's timeout a host's own transport may take before the module stops
/// waiting for it (the host is asked to time out by itself first).
const HOST_GRACE_MS: u64 = 1_000;

async fn send_through(host: &JsValue, function: &Function, request: &Outgoing) -> Result<Response, Failure> {
    let payload = HostRequest {
        method: request.method.as_str(),
        url: &request.url,
        headers: &request.headers,
        body: request.body.as_deref(),
        credential_type: request.auth.as_ref().map(|a| a.credential_type.as_str()),
        timeout_ms: request.timeout_ms,
        max_response_bytes: request.max_response_bytes,
    };
    let payload = payload
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false))
        .map_err(|e| Failure::new(Cause::Network, e.to_string()))?;
    let answer = function.call1(host, &payload).map_err(|e| failure_of(&e))?;
    let answer = JsFuture::from(Promise::resolve(&answer)).await.map_err(|e| failure_of(&e))?;
    read_answer(&answer).map_err(|why| Failure::new(Cause::Network, why))
}

fn read_answer(answer: &JsValue) -> Result<Response, String> {
    let get = |name: &str| member(answer, name);
    let status =
        get("status").as_f64().filter(|s| (100.0..1000.0).contains(s)).ok_or("the host's answer has no HTTP status")?
            as u16;
    let mut headers = Vec::new();
    let raw_headers = get("headers");
    if raw_headers.is_object() {
        for entry in Object::entries(raw_headers.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default().to_ascii_lowercase();
            let value = pair.get(1);
            let value = match value.as_string() {
                Some(text) => text,
                None if js_sys::Array::is_array(&value) => {
                    js_sys::Array::from(&value).iter().filter_map(|v| v.as_string()).collect::<Vec<_>>().join(", ")
                }
                None => value.as_f64().map(crate::params::number_text).unwrap_or_default(),
            };
            headers.push((name, value));
        }
    }
    let raw_body = get("body");
    let body = if let Some(text) = raw_body.as_string() {
        text.into_bytes()
    } else if raw_body.is_instance_of::<Uint8Array>() || raw_body.is_instance_of::<js_sys::ArrayBuffer>() {
        Uint8Array::new(&raw_body).to_vec()
    } else {
        Vec::new()
    };
    Ok(Response { status, headers, body })
}

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
async fn fetch(request: &Outgoing) -> Result<Response, Failure> {
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

/// What a JS rejection says about why: the codes and names along its `cause` chain, and the deepest
/// message (Node's fetch says only "fetch failed" on top).
fn failure_of(error: &JsValue) -> Failure {
    let mut codes = Vec::new();
    let mut detail = js_error_text(error.clone());
    let mut current = error.clone();
    for _ in 0..4 {
        if !current.is_object() {
            break;
        }
        // n8n's NodeApiError keeps the system code in `httpCode` and the original text in `messages`.
        for key in ["code", "name", "httpCode"] {
            if let Some(text) = member(&current, key).as_string() {
                codes.push(text);
            }
        }
        let messages = member(&current, "messages");
        let original = js_sys::Array::is_array(&messages)
            .then(|| messages.unchecked_into::<js_sys::Array>().get(0).as_string())
            .flatten();
        if let Some(message) = original.or_else(|| member(&current, "message").as_string()).filter(|m| !m.is_empty()) {
            detail = message;
        }
        current = member(&current, "cause");
    }
    Failure::new(Cause::classify(&codes, &detail), detail)
}

/// A timer that keeps its signal alive while it is awaited (Node lets a timeout signal nobody holds
/// be collected, timer and all) and keeps no process alive on its own.
struct Timer {
    signal: web_sys::AbortSignal,
    elapsed: JsFuture,
}

impl Timer {
    fn new(ms: u64) -> Self {
        let signal = web_sys::AbortSignal::timeout_with_u32(ms.min(u64::from(u32::MAX)) as u32);
        let promise = Promise::new(&mut |resolve, _| signal.set_onabort(Some(&resolve)));
        Timer { signal, elapsed: JsFuture::from(promise) }
    }

    async fn elapsed(self) {
        let Timer { signal, elapsed } = self;
        let _ = elapsed.await;
        drop(signal);
    }
}

/// One timer for all host requests in flight: each waits for its own time, but only the earliest is
/// armed, so a request costs an entry in a map rather than a timer of its own (a timeout signal per
/// request was the largest cost of a fast request).
mod watchdog {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    thread_local! {
        /// `(due, id, waker)` of every request in flight: at most a run's concurrency, so a list will do.
        static WAITING: RefCell<Vec<(u64, u64, Option<Waker>)>> = const { RefCell::new(Vec::new()) };
        /// The time the armed timer goes off, if one is armed.
        static ARMED: Cell<Option<u64>> = const { Cell::new(None) };
        static IDS: Cell<u64> = const { Cell::new(0) };
    }

    fn now() -> u64 {
        js_sys::Date::now() as u64
    }

    /// Ready once `ms` have passed.
    pub struct Expiry {
        key: (u64, u64),
    }

    impl Expiry {
        pub fn after(ms: u64) -> Self {
            let id = IDS.with(|ids| {
                ids.set(ids.get() + 1);
                ids.get()
            });
            Expiry { key: (now().saturating_add(ms), id) }
        }
    }

    impl Future for Expiry {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if now() >= self.key.0 {
                return Poll::Ready(());
            }
            WAITING.with(|waiting| {
                let mut waiting = waiting.borrow_mut();
                let waker = Some(cx.waker().clone());
                match waiting.iter_mut().find(|(_, id, _)| *id == self.key.1) {
                    Some(entry) => entry.2 = waker,
                    None => waiting.push((self.key.0, self.key.1, waker)),
                }
            });
            arm(self.key.0);
            Poll::Pending
        }
    }

    impl Drop for Expiry {
        fn drop(&mut self) {
            WAITING.with(|waiting| waiting.borrow_mut().retain(|(_, id, _)| *id != self.key.1));
        }
    }

    /// The longest a timer is set for: a pending timer keeps this instance alive (and so its memory,
    /// after a large answer), so it is re-armed in steps rather than set once for a minute.
    const STEP_MS: u64 = 1_000;

    /// Makes sure a timer goes off no later than `due`.
    fn arm(due: u64) {
        let due = due.min(now().saturating_add(STEP_MS));
        if ARMED.with(Cell::get).is_some_and(|at| at <= due) {
            return;
        }
        ARMED.with(|armed| armed.set(Some(due)));
        wasm_bindgen_futures::spawn_local(async move {
            super::Timer::new(due.saturating_sub(now())).elapsed().await;
            went_off(due);
        });
    }

    /// Wakes every request whose time is up, and arms the timer for the next one.
    fn went_off(due: u64) {
        if ARMED.with(Cell::get) == Some(due) {
            ARMED.with(|armed| armed.set(None));
        }
        let now = now();
        let (expired, next): (Vec<Waker>, Option<u64>) = WAITING.with(|waiting| {
            let mut waiting = waiting.borrow_mut();
            let expired =
                waiting.iter_mut().filter(|(due, _, _)| *due <= now).filter_map(|(_, _, w)| w.take()).collect();
            let next = waiting.iter().map(|(due, _, _)| *due).filter(|due| *due > now).min();
            (expired, next)
        });
        expired.into_iter().for_each(Waker::wake);
        if let Some(next) = next {
            arm(next);
        }
    }
}

enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Whichever finishes first; the other is dropped.
async fn first_of<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    std::future::poll_fn(move |cx| {
        if let std::task::Poll::Ready(out) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Either::Left(out));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
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
    }
}

/// `setTimeout` looked up at run time, so no shipped JS names a timer.
fn global_timer(ms: u64) -> Option<JsValue> {
    let set_timeout: Function =
        Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")).ok()?.dyn_into().ok()?;
    let promise = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(ms as f64));
    });
    Some(promise.into())
}

/// `value[name]`, or `undefined` where it cannot be read.
fn member(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn js_error_text(error: JsValue) -> String {
    Reflect::get(&error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
