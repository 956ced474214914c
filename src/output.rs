//! What one item's plan produced, turned into n8n output items: JSON objects, files, error items.

use serde_json::{json, Value};

use crate::boundary::{BinaryOut, ItemOut, OutJson, PairedItem};
use crate::error::NodeError;
use crate::http::{File, Response};

/// One output of a plan, before it is paired with its input item.
pub(crate) enum Out {
    Json(Value),
    /// An answer passed on as the text it came as (see `answer_of`).
    Raw(String),
    File(File),
}

impl Out {
    pub(crate) fn into_item(self, item: usize) -> ItemOut {
        let (json, binary) = match self {
            Out::Json(json) => (OutJson::Value(as_object(json)), None),
            Out::Raw(raw) => (OutJson::Raw(raw), None),
            Out::File(file) => {
                let json =
                    json!({ "fileName": file.file_name, "mimeType": file.mime_type, "fileSize": file.data.len() });
                let binary = BinaryOut {
                    file_size: file.data.len(),
                    data: file.data,
                    file: 0, // numbered once all items are known
                    mime_type: file.mime_type,
                    file_name: file.file_name,
                };
                (OutJson::Value(json), Some(binary))
            }
        };
        ItemOut { json, binary, paired_item: PairedItem { item } }
    }
}

/// A JSON answer as an output: passed on as its text when that is safe to do without looking inside (an
/// object, valid JSON, no escapes that could spell a secret, no secret in it), else as a value.
pub(crate) fn answer_of(response: &Response, secrets: &[String]) -> Result<Out, NodeError> {
    if let Some(raw) = passable(&response.body, secrets) {
        return Ok(Out::Raw(raw));
    }
    response.json().map(Out::Json)
}

fn passable(body: &[u8], secrets: &[String]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let object = text.trim_start().starts_with('{');
    if !object || text.contains('\\') || crate::redact::mentions(text, secrets) {
        return None;
    }
    // Checked to be JSON without building it.
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(text.to_string())
}

/// n8n items are objects; an empty answer is reported as a plain success.
fn as_object(value: Value) -> Value {
    match value {
        Value::Object(_) => value,
        Value::Null => json!({ "success": true }),
        other => json!({ "value": other }),
    }
}

/// A Continue On Fail item: the error's fields, as n8n shows an error item.
pub(crate) fn error_json(error: &NodeError) -> Value {
    let mut json = json!({ "error": error.message });
    if let Some(description) = &error.description {
        json["description"] = json!(description);
    }
    if let Some(code) = &error.http_code {
        json["httpCode"] = json!(code);
    }
    if let Some(reason) = error.reason {
        json["reason"] = json!(reason);
    }
    if error.possibly_carried_out {
        json["possiblyCarriedOut"] = json!(true);
    }
    if let Some(created) = &error.created {
        json["created"] = (**created).clone();
    }
    json
}

/// A file answer, named by the vendor (Content-Disposition) or else `fallback_name` plus the extension
/// of the media type that came back.
pub(crate) fn file_of(response: Response, fallback_name: String) -> File {
    let mime_type = response
        .header("content-type")
        .map(|t| t.split(';').next().unwrap_or(t).trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let file_name = response
        .header("content-disposition")
        .and_then(disposition_file_name)
        .unwrap_or_else(|| format!("{fallback_name}.{}", extension(&mime_type)));
    File { data: response.body, mime_type, file_name }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "application/json" => "json",
        "application/zip" => "zip",
        _ => "bin",
    }
}

/// `attachment; filename="invoice.pdf"` → `invoice.pdf` (path parts dropped: a name, never a path).
fn disposition_file_name(header: &str) -> Option<String> {
    let raw = header.split(';').map(str::trim).find_map(|part| part.strip_prefix("filename="))?;
    let name = raw.trim_matches('"').rsplit(['/', '\\']).next()?.trim();
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}
