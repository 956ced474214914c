//! The exports JS sees (contract: docs/boundary.md) and the two hosts JS can give us.

use std::cell::RefCell;
use std::sync::OnceLock;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::credential::Values;
use crate::host::{Host, LocalFuture, Outgoing};
use crate::http::{File, Response};
use crate::run::{self, ExecuteRequest, Registry};

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
    let values: Values = match serde_json::from_str(credentials_json) {
        Ok(serde_json::Value::Object(values)) => values,
        _ => return Err(JsError::new("The credentials must be a JSON object")),
    };
    let headers = (credential.headers)(credential, &values).map_err(|e| JsError::new(&e.message))?;
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        map.insert(name, value.into());
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// Resolves to `{ result: <ExecuteResult JSON>, files: Uint8Array[] }` (docs/boundary.md).
#[wasm_bindgen]
pub async fn execute(request_json: String, host: JsValue) -> Result<JsValue, JsError> {
    let request = serde_json::from_str(&request_json)
        .map_err(|e| e.to_string())
        .and_then(ExecuteRequest::from_json)
        .map_err(|e| JsError::new(&format!("Malformed execute request: {e}")))?;
    let host = JsHost::from_js(&host)?;
    let result = run::execute(registry(), request, &host).await;
    let files = js_sys::Array::new();
    for binary in result.items.iter().filter_map(|item| item.binary.as_ref()) {
        files.push(&Uint8Array::from(binary.data.as_slice()));
    }
    let answer = Object::new();
    let json = serde_json::to_string(&result).expect("results serialize");
    Reflect::set(&answer, &JsValue::from_str("result"), &JsValue::from_str(&json)).expect("a plain object");
    Reflect::set(&answer, &JsValue::from_str("files"), &files).expect("a plain object");
    Ok(answer.into())
}

/// One page of a picker's list (n8n `listSearch`). Resolves to the JSON of a `SearchResult`.
#[wasm_bindgen]
pub async fn search(request_json: String, host: JsValue) -> Result<String, JsError> {
    let request = serde_json::from_str(&request_json)
        .map_err(|e| e.to_string())
        .and_then(crate::search::SearchRequest::from_json)
        .map_err(|e| JsError::new(&format!("Malformed search request: {e}")))?;
    let host = JsHost::from_js(&host)?;
    let result = crate::search::search(registry(), request, &host).await;
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
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HostRequest<'a> {
    method: &'a str,
    url: &'a str,
    #[serde(serialize_with = "as_object")]
    headers: &'a [(String, String)],
    /// A `Uint8Array`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_bytes")]
    body: Option<&'a [u8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_type: Option<&'a str>,
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
        })
    }
}

impl Host for JsHost {
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, String>> {
        Box::pin(async move {
            match &self.request {
                Some(function) => send_through(&self.this, function, &request).await,
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

async fn send_through(host: &JsValue, function: &Function, request: &Outgoing) -> Result<Response, String> {
    let payload = HostRequest {
        method: request.method.as_str(),
        url: &request.url,
        headers: &request.headers,
        body: request.body.as_deref(),
        credential_type: request.auth.as_ref().map(|a| a.credential_type.as_str()),
    };
    let payload = payload
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false))
        .map_err(|e| e.to_string())?;
    let answer = function.call1(host, &payload).map_err(js_error_text)?;
    let answer = JsFuture::from(Promise::resolve(&answer)).await.map_err(js_error_text)?;
    read_answer(&answer)
}

fn as_bytes<S: serde::Serializer>(body: &Option<&[u8]>, serializer: S) -> Result<S::Ok, S::Error> {
    match body {
        Some(bytes) => serializer.serialize_bytes(bytes),
        None => serializer.serialize_none(),
    }
}

/// Header pairs as one JS object (a later pair of the same name wins).
fn as_object<S: serde::Serializer>(headers: &&[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(headers.iter().map(|(name, value)| (name, value)))
}

fn read_answer(answer: &JsValue) -> Result<Response, String> {
    let get = |name: &str| member(answer, name);
    let status = get("status").as_f64().ok_or("the host's answer has no numeric status")? as u16;
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

/// Plain-JS hosts: fetch, with the credential's headers added here.
async fn fetch(request: &Outgoing) -> Result<Response, String> {
    let auth_headers = request.auth.iter().flat_map(|a| a.headers.iter());
    let mut builder = gloo_net::http::RequestBuilder::new(&request.url).method(method_of(request.method));
    for (name, value) in request.headers.iter().chain(auth_headers) {
        builder = builder.header(name, value);
    }
    let sent = match &request.body {
        Some(body) => builder.body(Uint8Array::from(body.as_slice())).map_err(|e| e.to_string())?.send().await,
        None => builder.send().await,
    };
    let response = sent.map_err(|e| e.to_string())?;
    let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let body = response.binary().await.map_err(|e| e.to_string())?;
    Ok(Response { status: response.status(), headers, body })
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
