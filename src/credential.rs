//! Credential types: their n8n form, and how they authenticate a request. The same header function
//! serves n8n (through the credential class's `authenticate`) and plain-JS hosts (applied by the runtime).

use serde_json::{json, Map, Value};

use crate::describe::Property;
use crate::error::NodeError;

pub type Values = Map<String, Value>;

/// Header name/value pairs that authenticate a request.
pub type Headers = Vec<(String, String)>;

pub struct Credential {
    pub name: &'static str,
    pub display_name: &'static str,
    pub documentation_url: &'static str,
    pub properties: Vec<Property>,
    /// n8n's `ICredentialTestRequest`, sent by its "Test" button.
    pub test: Option<Value>,
    /// The field holding the marketplace's base URL, if the user can point it elsewhere.
    pub base_url_field: Option<&'static str>,
    pub headers: fn(&Credential, &Values) -> Result<Headers, NodeError>,
    /// Authenticates with OAuth2 tokens of the client-credentials grant instead of fixed headers.
    pub oauth2: Option<ClientCredentials>,
    /// Its marketplace's icon (light, dark), as the node's: file names in `nodes/<marketplace>/`.
    pub icon: (&'static str, Option<&'static str>),
}

/// OAuth2's client-credentials grant. Under n8n the credential `extends` n8n's `oAuth2Api`, so n8n
/// fetches and refreshes the token; other hosts get tokens from the runtime (`token.rs`).
pub struct ClientCredentials {
    /// Where tokens come from, relative to the base URL.
    pub token_path: &'static str,
    /// The credential's fields holding the client id, the client secret and the scope.
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub scope: &'static str,
}

impl Credential {
    /// n8n's `ICredentialType`, less `authenticate` (the shim binds that to `headers`).
    pub fn description(&self) -> Value {
        let mut description = json!({
            "name": self.name,
            "displayName": self.display_name,
            "documentationUrl": self.documentation_url,
            "properties": self.properties,
        });
        if let Some(test) = &self.test {
            description["test"] = test.clone();
        }
        if self.oauth2.is_some() {
            description["extends"] = json!(["oAuth2Api"]);
        }
        description["icon"] = match self.icon {
            (light, Some(dark)) => json!({ "light": format!("file:{light}"), "dark": format!("file:{dark}") }),
            (light, None) => json!(format!("file:{light}")),
        };
        description
    }

    /// A field's text, or an error naming the field as the user sees it.
    pub fn field<'v>(&self, values: &'v Values, name: &str) -> Result<&'v str, NodeError> {
        let label = self.properties.iter().find(|p| p.name == name).map_or(name, |p| p.display_name.as_str());
        values
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| NodeError::input(format!("The credential \"{}\" has no {label}", self.display_name)))
    }

    /// The headers that authenticate with these values, each checked to be sendable: a line break or a
    /// character HTTP cannot carry is the user's input error, named by its field, never a broken request.
    pub fn checked_headers(&self, values: &Values) -> Result<Headers, NodeError> {
        let headers = (self.headers)(self, values)?;
        for (name, value) in &headers {
            let Some((bad, problem)) = crate::http::header_problem(value) else { continue };
            let field = self
                .properties
                .iter()
                .find(|p| values.get(&p.name).and_then(Value::as_str).is_some_and(|v| v.contains(bad)))
                .map_or_else(|| format!("header {name}"), |p| format!("field \"{}\"", p.display_name));
            return Err(NodeError::input(format!(
                "The credential \"{}\" {field} contains {problem}, which cannot be sent in an HTTP header",
                self.display_name
            ))
            .with_description("Copy the value again without line breaks or other special characters."));
        }
        Ok(headers)
    }

    pub fn base_url<'v>(&self, values: &'v Values) -> Option<&'v str> {
        self.base_url_field.and_then(|f| values.get(f)).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }

    /// Every value that must never be shown: the secret fields and the headers made from them.
    pub fn secrets(&self, values: &Values) -> Vec<String> {
        let mut secrets: Vec<String> = self
            .properties
            .iter()
            .filter(|p| p.is_secret())
            .filter_map(|p| values.get(&p.name).and_then(Value::as_str))
            .map(String::from)
            .collect();
        if let Ok(headers) = self.checked_headers(values) {
            secrets.extend(headers.into_iter().map(|(_, v)| v));
        }
        // n8n hands an OAuth2 credential over with the tokens it holds.
        for token in ["access_token", "refresh_token"] {
            if let Some(value) = values.get("oauthTokenData").and_then(|d| d[token].as_str()) {
                secrets.push(value.to_string());
            }
        }
        secrets
    }
}

/// The usual base-URL field: prefilled with the vendor's production URL, editable for staging or mocks.
pub fn base_url_property(default: &str) -> Property {
    Property::string("baseUrl", "Base URL")
        .default_value(default)
        .describe("Where the API lives. Change it only for a staging system or a local mock.")
}
