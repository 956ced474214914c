//! The exported boundary, run as wasm under Node (wasm-bindgen-test), including real loopback fetches.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Reflect, Uint8Array};
use marketplace_nodes::wasm;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export async function startServer(status, body, headers) {
  const http = await import('node:http');
  const seen = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: text });
      res.writeHead(status, Object.assign({ 'content-type': 'application/json' }, headers));
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: 'http://127.0.0.1:' + server.address().port, seen, close: () => server.close() };
}
export function recordingHost(status, body) {
  const seen = [];
  const reads = [];
  return {
    seen,
    reads,
    request: async (req) => { seen.push(req); return { status, headers: { 'X-Test': 'yes' }, body: new TextEncoder().encode(body) }; },
    sleep: async () => {},
    // A method: the module calls host functions with the host as `this`.
    async binary(item, property) {
      this.reads.push([item, property]);
      return { data: new Uint8Array([0xff, 0x00, 0x0d, 0x0a, 0x01]), mimeType: 'image/png', fileName: 'logo.png' };
    },
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = startServer)]
    fn start_server(status: u16, body: &str, headers: JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = recordingHost)]
    fn recording_host(status: u16, body: &str) -> JsValue;
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn to_json(value: &JsValue) -> Value {
    serde_json::from_str(&js_sys::JSON::stringify(value).unwrap().as_string().unwrap()).unwrap()
}

/// The ExecuteResult, and the bytes of the files its items carry.
async fn execute_with_files(request: Value, host: JsValue) -> (Value, Vec<Vec<u8>>) {
    let out = wasm::execute(request.to_string(), host).await.map_err(JsValue::from).unwrap();
    let result = serde_json::from_str(&get(&out, "result").as_string().unwrap()).unwrap();
    let files =
        js_sys::Array::from(&get(&out, "files")).iter().map(|f| f.unchecked_into::<Uint8Array>().to_vec()).collect();
    (result, files)
}

async fn execute(request: Value, host: JsValue) -> Value {
    execute_with_files(request, host).await.0
}

fn get_article(base_url: &str) -> Value {
    json!({
        "node": "mittwald",
        "items": [{ "json": {}, "parameters": { "resource": "Article", "operation": "article-get-article", "articleId": "PS23 PLUS/4" } }],
        "credentials": { "apiToken": "tok-wasm-secret", "baseUrl": base_url },
    })
}

#[wasm_bindgen_test]
fn credential_headers_are_computed_and_missing_fields_named() {
    let headers = wasm::credential_headers("mittwaldApi", r#"{"apiToken":"t0k3n"}"#).map_err(JsValue::from).unwrap();
    assert_eq!(headers, r#"{"x-access-token":"t0k3n"}"#);
    let error = JsValue::from(wasm::credential_headers("mittwaldApi", "{}").unwrap_err());
    assert!(get(&error, "message").as_string().unwrap().contains("API Token"));
}

#[wasm_bindgen_test]
async fn a_js_host_gets_the_credential_type_never_the_secret() {
    let host = recording_host(200, r#"{"articleId":"PS23"}"#);
    let result = execute(get_article("http://vendor.test"), host.clone()).await;
    assert_eq!(result["items"][0]["json"]["articleId"], "PS23");
    assert_eq!(result["items"][0]["pairedItem"]["item"], 0);
    let seen = to_json(&get(&host, "seen"));
    assert_eq!(seen[0]["url"], "http://vendor.test/v2/articles/PS23%20PLUS%2F4");
    assert_eq!(seen[0]["credentialType"], "mittwaldApi");
    assert!(!seen.to_string().contains("tok-wasm-secret"));
}

#[wasm_bindgen_test]
async fn bodies_reach_the_host_as_bytes_and_file_parts_come_from_its_binary_data() {
    let host = recording_host(201, r#"{"id":"f-1"}"#);
    let request = json!({
        "node": "mittwald",
        "items": [{
            "json": {},
            "parameters": { "resource": "File", "operation": "file-create-file", "Token": "5b0f1c1e-9c2b-4d1a-8f7e-2a3b4c5d6e7f" },
            "binary": { "data": { "mimeType": "image/png", "fileName": "logo.png" } },
        }],
        "credentials": { "apiToken": "tok-wasm-secret", "baseUrl": "http://vendor.test" },
    });
    let result = execute(request, host.clone()).await;
    assert_eq!(result["items"][0]["json"]["id"], "f-1", "{result}");
    assert_eq!(to_json(&get(&host, "reads")), json!([[0, "data"]]));
    let sent = js_sys::Array::from(&get(&host, "seen")).get(0);
    let body = get(&sent, "body");
    assert!(body.is_instance_of::<js_sys::Uint8Array>(), "the body crosses as a Uint8Array");
    let bytes = js_sys::Uint8Array::new(&body).to_vec();
    let part = b"filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n\xff\x00\x0d\x0a\x01\r\n";
    assert!(bytes.windows(part.len()).any(|w| w == part), "{}", String::from_utf8_lossy(&bytes));
}

#[wasm_bindgen_test]
async fn downloaded_files_cross_as_bytes_beside_the_json() {
    let host = recording_host(200, "%PDF-1.4 \u{00e4}");
    let request = json!({
        "node": "mittwald",
        "items": [{ "json": {}, "parameters": { "resource": "File", "operation": "file-get-file", "fileId": "f-1" } }],
        "credentials": { "apiToken": "tok-wasm-secret", "baseUrl": "http://vendor.test" },
    });
    let (result, files) = execute_with_files(request, host).await;
    assert_eq!(files, vec!["%PDF-1.4 \u{00e4}".as_bytes().to_vec()]);
    assert_eq!(result["items"][0]["binary"]["file"], 0);
    assert_eq!(result["items"][0]["binary"]["fileSize"], 11);
    assert!(result["items"][0]["binary"].get("data").is_none(), "no bytes inside the JSON");
}

#[wasm_bindgen_test]
async fn without_a_host_it_fetches_over_loopback_with_the_credential() {
    let server = JsFuture::from(start_server(200, r#"{"articleId":"PS23"}"#, JsValue::UNDEFINED)).await.unwrap();
    let url = get(&server, "url").as_string().unwrap();
    let result = execute(get_article(&url), JsValue::UNDEFINED).await;
    let seen = to_json(&get(&server, "seen"));
    get(&server, "close").unchecked_into::<Function>().call0(&JsValue::NULL).unwrap();
    assert_eq!(result["error"], Value::Null);
    assert_eq!(result["items"][0]["json"]["articleId"], "PS23");
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_eq!(seen[0]["method"], "GET");
    assert_eq!(seen[0]["url"], "/v2/articles/PS23%20PLUS%2F4");
    assert_eq!(seen[0]["headers"]["x-access-token"], "tok-wasm-secret");
}

#[wasm_bindgen_test]
async fn vendor_errors_over_fetch_keep_the_message_and_hide_the_token() {
    let body = r#"{"type":"NotFound","message":"article tok-wasm-secret not found"}"#;
    let server = JsFuture::from(start_server(404, body, JsValue::UNDEFINED)).await.unwrap();
    let url = get(&server, "url").as_string().unwrap();
    let result = execute(get_article(&url), JsValue::UNDEFINED).await;
    get(&server, "close").unchecked_into::<Function>().call0(&JsValue::NULL).unwrap();
    assert_eq!(result["error"]["message"], "article [redacted] not found");
    assert_eq!(result["error"]["httpCode"], "404");
    assert_eq!(result["error"]["kind"], "api");
    assert_eq!(result["error"]["itemIndex"], 0);
}

#[wasm_bindgen_test]
async fn a_malformed_request_document_rejects() {
    let error = wasm::execute("{".into(), JsValue::UNDEFINED).await.map_err(JsValue::from).unwrap_err();
    assert!(get(&error, "message").as_string().unwrap().starts_with("Malformed execute request"));
}
