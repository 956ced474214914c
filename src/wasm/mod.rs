//! The exports JS sees (contract: docs/boundary.md). The host JS hands in is `host`; plain-JS builds
//! (feature `fetch`) can also send and sleep by themselves (`fetch`).

use std::cell::RefCell;
use std::sync::OnceLock;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::boundary::{ExecuteRequest, SearchRequest};
use crate::credential::Values;
use crate::registry::Registry;

#[cfg(feature = "fetch")]
mod fetch;
mod host;
mod watchdog;

use host::JsHost;

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

/// One poll of a polling trigger (n8n `poll`). Resolves to the JSON of a `PollResult`.
#[cfg(feature = "polling")]
#[wasm_bindgen]
pub async fn poll(request_json: String, host: JsValue) -> Result<String, JsError> {
    let request = serde_json::from_str(&crate::unicode::mark_lone_surrogates(&request_json))
        .map_err(|e| e.to_string())
        .and_then(crate::boundary::PollRequest::from_json)
        .map_err(|e| JsError::new(&format!("Malformed poll request: {e}")))?;
    let host = JsHost::from_js(&host)?;
    let result = crate::trigger::poll(registry(), request, &host).await;
    Ok(serde_json::to_string(&result).expect("results serialize"))
}

#[wasm_bindgen(js_name = __panicForTests)]
pub fn panic_for_tests() {
    panic!("deliberate panic for tests");
}
