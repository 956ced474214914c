//! Requests as the nodes describe them, and responses as the hosts return them.

use serde::Serialize;
use serde_json::Value;

use crate::error::{snippet, NodeError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// Sending it twice has the effect of sending it once, so a lost answer may be asked again.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete | Method::Head)
    }
}

/// A request relative to the marketplace's base URL; the runtime adds the base and the credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Headers the API defines as parameters; authentication is added by the runtime.
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// How `body` (a JSON object unless `Json`) goes on the wire.
    pub encoding: Encoding,
    /// The contents of multipart file parts, by field; loaded by the runtime just before sending.
    pub files: Vec<(String, File)>,
}

/// A file: one going out in a multipart part, or one coming back (n8n binary data; bytes and media
/// type for plain JS).
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub data: Vec<u8>,
    pub mime_type: String,
    pub file_name: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Encoding {
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`: the object's fields as `name=value` pairs.
    Form,
    /// `multipart/form-data`: one part per field. The named fields are files: in the body their value
    /// names a binary property of the input item, whose contents the request's `files` carry.
    Multipart { files: Vec<String> },
}

/// Separates multipart parts; values containing it are refused rather than corrupting the body.
const BOUNDARY: &str = "marketplace-nodes-7f3a9c1e5b2d4a60";

impl Encoding {
    /// The body's bytes and its content type.
    pub fn encode(&self, body: &Value, files: &[(String, File)]) -> Result<(Vec<u8>, String), NodeError> {
        let text = |value: &Value| match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let fields = || body.as_object().into_iter().flatten();
        match self {
            Encoding::Json => Ok((body.to_string().into_bytes(), "application/json".into())),
            Encoding::Form => {
                let pairs: Vec<String> = fields()
                    .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(&text(value))))
                    .collect();
                Ok((pairs.join("&").into_bytes(), "application/x-www-form-urlencoded".into()))
            }
            Encoding::Multipart { files: file_fields } => {
                let unsendable =
                    |name: &str| NodeError::input(format!("The field \"{name}\" cannot be sent as a form part"));
                let mut out = Vec::new();
                for (name, value) in fields() {
                    if name.contains(['"', '\r', '\n']) {
                        return Err(unsendable(name));
                    }
                    out.extend_from_slice(
                        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
                    );
                    let content: std::borrow::Cow<[u8]> = if file_fields.iter().any(|f| f == name) {
                        let (_, file) = files.iter().find(|(field, _)| field == name).ok_or_else(|| {
                            NodeError::input(format!("The file for \"{name}\" was not loaded from the input item"))
                        })?;
                        let file_name = file.file_name.replace(['"', '\r', '\n'], "_");
                        let mime_type = file.mime_type.replace(['\r', '\n'], "");
                        out.extend_from_slice(
                            format!("; filename=\"{file_name}\"\r\nContent-Type: {mime_type}").as_bytes(),
                        );
                        file.data.as_slice().into()
                    } else {
                        text(value).into_bytes().into()
                    };
                    if content.windows(BOUNDARY.len()).any(|w| w == BOUNDARY.as_bytes()) {
                        return Err(unsendable(name));
                    }
                    out.extend_from_slice(b"\r\n\r\n");
                    out.extend_from_slice(&content);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
                Ok((out, format!("multipart/form-data; boundary={BOUNDARY}")))
            }
        }
    }
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            encoding: Encoding::Json,
            files: Vec::new(),
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::Post, path)
    }

    /// Fills `{name}` in the path with `value`, percent-encoded so no value can change the route.
    pub fn path_param(mut self, name: &str, value: &str) -> Result<Self, NodeError> {
        if value.is_empty() || value == "." || value == ".." {
            return Err(NodeError::input(format!("Path parameter \"{name}\" must not be empty, \".\" or \"..\"")));
        }
        let placeholder = format!("{{{name}}}");
        if !self.path.contains(&placeholder) {
            return Err(NodeError::internal(format!("path {} has no {{{name}}}", self.path)));
        }
        self.path = self.path.replace(&placeholder, &encode_segment(value));
        Ok(self)
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Arrays go out exploded (`tags=a&tags=b`), OpenAPI's default `form` style.
    pub fn query_list(mut self, name: &str, values: &[String]) -> Self {
        self.query.extend(values.iter().map(|v| (name.to_string(), v.clone())));
        self
    }

    pub fn set_query(&mut self, name: &str, value: impl Into<String>) {
        self.query.retain(|(n, _)| n != name);
        self.query.push((name.into(), value.into()));
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The body (an object) sent as a form or as multipart instead of JSON.
    pub fn encoded(mut self, body: Value, encoding: Encoding) -> Self {
        self.body = Some(body);
        self.encoding = encoding;
        self
    }

    /// The absolute URL under `base`.
    pub fn url(&self, base: &str) -> String {
        let mut url = format!("{}/{}", base.trim_end_matches('/'), self.path.trim_start_matches('/'));
        for (i, (name, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode_component(name));
            url.push('=');
            url.push_str(&encode_component(value));
        }
        url
    }
}

/// Why `value` cannot go out as an HTTP header value (the character, and what it is), if it cannot: the
/// fetch standard refuses NUL, CR and LF, and header values are bytes, so nothing beyond Latin-1.
pub fn header_problem(value: &str) -> Option<(char, &'static str)> {
    value.chars().find_map(|c| match c {
        '\r' | '\n' => Some((c, "a line break")),
        '\t' | ' '..='~' | '\u{80}'..='\u{ff}' => None,
        '\0'..='\u{1f}' | '\u{7f}' => Some((c, "a control character")),
        _ => Some((c, "a character outside Latin-1")),
    })
}

/// A header name HTTP accepts: one or more token characters (RFC 9110 §5.1).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
/// A path segment: as `encode_component`, but `:` and `@` stay as they are — RFC 3986 allows them in a
/// segment, they cannot change the route, and APIs read prefixed ids (`externalId:42`) literally.
pub fn encode_segment(text: &str) -> String {
    encode_component(text).replace("%3A", ":").replace("%40", "@")
}

pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value, NodeError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            NodeError::api(format!("The service answered with something that is not JSON ({e})"))
                .with_description(snippet(&self.text()))
                .with_http_code(self.status)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_cannot_change_the_route() {
        let r = Request::get("/v2/articles/{articleId}").path_param("articleId", "../x?y=1#z").unwrap();
        assert_eq!(r.path, "/v2/articles/..%2Fx%3Fy%3D1%23z");
        assert!(Request::get("/a/{id}").path_param("id", "..").is_err());
        assert!(Request::get("/a/{id}").path_param("id", "").is_err());
    }

    #[test]
    fn urls_join_base_path_and_encoded_query() {
        let r = Request::get("/v2/articles").query_list("tags", &["a b".into(), "c&d".into()]).query("limit", "5");
        assert_eq!(r.url("http://h:1/"), "http://h:1/v2/articles?tags=a%20b&tags=c%26d&limit=5");
        assert_eq!(Request::post("Addon/Create").url("http://h/API"), "http://h/API/Addon/Create");
    }

    #[test]
    fn bodies_go_out_as_json_form_or_multipart() {
        let body = serde_json::json!({ "code": "a b&c", "n": 1 });
        assert_eq!(Encoding::Form.encode(&body, &[]).unwrap().0, b"code=a%20b%26c&n=1");
        let multipart = Encoding::Multipart { files: vec!["code".into()] };
        assert!(multipart.encode(&body, &[]).is_err(), "a file part needs its loaded file");
        let file = File { data: vec![0, 159, 146, 150], mime_type: "image/png".into(), file_name: "a\"b.png".into() };
        let (bytes, content_type) = multipart.encode(&body, &[("code".into(), file)]).unwrap();
        assert_eq!(content_type, format!("multipart/form-data; boundary={BOUNDARY}"));
        let mut expected = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"code\"; filename=\"a_b.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        expected.extend_from_slice(&[0, 159, 146, 150]);
        assert!(bytes.starts_with(&expected), "the file's own bytes, name and type");
        assert!(bytes.ends_with(format!("name=\"n\"\r\n\r\n1\r\n--{BOUNDARY}--\r\n").as_bytes()));
    }

    #[test]
    fn headers_are_case_insensitive_and_empty_bodies_are_null() {
        let r = Response { status: 201, headers: vec![("x-pagination-totalcount".into(), "9".into())], body: vec![] };
        assert_eq!(r.header("X-Pagination-TotalCount"), Some("9"));
        assert_eq!(r.json().unwrap(), Value::Null);
    }
}
