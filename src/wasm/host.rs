//! The host JS hands in: its `request` (n8n's request helper) and `sleep`, or, in plain-JS builds,
//! fetch and the JS timer where it gives none; its `binary`, which reads an input item's file; and how
//! a JS rejection says why a request failed.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::watchdog;
use crate::boundary::HostRequest;
use crate::host::{Cause, Failure, Host, LocalFuture, Outgoing};
use crate::http::{File, Response};

/// The host JS handed in: its `request` (n8n's request helper) and `sleep`, or, where absent (plain-JS
/// builds only), fetch (with the credential applied here) and the JS timer; and its `binary`, which
/// reads an input item's file.
pub(super) struct JsHost {
    /// The object itself: its functions are called as its methods (`this` is the host).
    this: JsValue,
    request: Option<Function>,
    sleep: Option<Function>,
    binary: Option<Function>,
    /// Told before each request goes out, so the shim knows which calls may have had an effect if the
    /// instance dies.
    on_send: Option<Function>,
    /// The host gets OAuth2 tokens itself (`oauth2Tokens: true`: n8n, from the credential type).
    oauth2_tokens: bool,
}

impl JsHost {
    pub(super) fn from_js(host: &JsValue) -> Result<Self, JsError> {
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
        let js_host = JsHost {
            this: host.clone(),
            request: function("request")?,
            sleep: function("sleep")?,
            binary: function("binary")?,
            on_send: function("onSend")?,
            oauth2_tokens: !host.is_undefined()
                && !host.is_null()
                && Reflect::get(host, &JsValue::from_str("oauth2Tokens")).is_ok_and(|v| v.is_truthy()),
        };
        #[cfg(not(feature = "fetch"))]
        if js_host.request.is_none() || js_host.sleep.is_none() {
            return Err(JsError::new("This module runs inside n8n: its host must give request and sleep"));
        }
        if let Some(sleep) = &js_host.sleep {
            watchdog::use_sleep(host, sleep);
        }
        Ok(js_host)
    }
}

impl Host for JsHost {
    fn fetches_tokens(&self) -> bool {
        self.oauth2_tokens
    }

    fn entropy(&self) -> u64 {
        // Two draws of 32 bits; Math.random needs no global object lookup in the glue.
        let draw = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        (draw() << 32) | draw()
    }

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
                #[cfg(feature = "fetch")]
                None => super::fetch::fetch(&request).await,
                #[cfg(not(feature = "fetch"))]
                None => Err(Failure::new(Cause::BadUrl, "this host cannot send requests")),
            }
        })
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()> {
        Box::pin(async move {
            let promise = match &self.sleep {
                Some(function) => function.call1(&self.this, &JsValue::from_f64(ms as f64)).ok(),
                #[cfg(feature = "fetch")]
                None => super::fetch::global_timer(ms),
                #[cfg(not(feature = "fetch"))]
                None => None,
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

/// What a JS rejection says about why: the codes and names along its `cause` chain, and the deepest
/// message (Node's fetch says only "fetch failed" on top).
pub(super) fn failure_of(error: &JsValue) -> Failure {
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

pub(super) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Whichever finishes first; the other is dropped.
pub(super) async fn first_of<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    std::future::poll_fn(move |cx| {
        if let std::task::Poll::Ready(out) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Either::Left(out));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}

/// `value[name]`, or `undefined` where it cannot be read.
pub(super) fn member(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn js_error_text(error: JsValue) -> String {
    Reflect::get(&error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
