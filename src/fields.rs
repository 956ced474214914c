//! The host's request objects (`execute`, `search`, retry settings), read field by field from parsed
//! JSON.
//!
//! Why not `#[derive(Deserialize)]`: any typed serde_json deserialization brings in serde's wording for
//! an unexpected float, and with it all of core's float formatting, ~14 KB of the wasm module. Parsing
//! into `Value` does not. The requests are small and flat, so reading them here costs less than that.

use serde_json::{Map, Value};

use crate::params::kind_of;

/// One JSON object being read; each field is taken out once. `null` counts as not given.
pub struct Fields {
    what: &'static str,
    object: Map<String, Value>,
}

impl Fields {
    /// `what` names the object in errors (`execute request`, `items[2]`).
    pub fn new(value: Value, what: &'static str) -> Result<Self, String> {
        match value {
            Value::Object(object) => Ok(Fields { what, object }),
            other => Err(format!("the {what} must be an object, got {}", kind_of(&other))),
        }
    }

    fn wrong(&self, name: &str, expected: &str, got: &Value) -> String {
        format!("{}.{name} must be {expected}, got {}", self.what, kind_of(got))
    }

    /// The raw value; `Value::Null` when not given.
    pub fn value(&mut self, name: &str) -> Value {
        self.object.remove(name).unwrap_or(Value::Null)
    }

    pub fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.value(name) {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text)),
            other => Err(self.wrong(name, "text", &other)),
        }
    }

    pub fn required_text(&mut self, name: &str) -> Result<String, String> {
        self.text(name)?.ok_or_else(|| format!("the {} has no {name}", self.what))
    }

    pub fn flag(&mut self, name: &str) -> Result<bool, String> {
        match self.value(name) {
            Value::Null => Ok(false),
            Value::Bool(flag) => Ok(flag),
            other => Err(self.wrong(name, "true or false", &other)),
        }
    }

    pub fn whole(&mut self, name: &str) -> Result<Option<u64>, String> {
        match self.value(name) {
            Value::Null => Ok(None),
            Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64()),
            other => Err(self.wrong(name, "a whole number of at least 0", &other)),
        }
    }

    /// A whole number within `min..=max`, or `default` when not given.
    pub fn whole_in(&mut self, name: &str, min: u64, max: u64, default: u64) -> Result<u64, String> {
        match self.value(name) {
            Value::Null => Ok(default),
            Value::Number(n) if n.as_u64().is_some_and(|n| (min..=max).contains(&n)) => {
                Ok(n.as_u64().unwrap_or(default))
            }
            other => Err(format!(
                "{}.{name} must be a whole number from {min} to {max}, got {}",
                self.what,
                match &other {
                    Value::Number(n) => n.to_string(),
                    _ => kind_of(&other).to_string(),
                }
            )),
        }
    }

    pub fn object(&mut self, name: &str) -> Result<Option<Map<String, Value>>, String> {
        match self.value(name) {
            Value::Null => Ok(None),
            Value::Object(object) => Ok(Some(object)),
            other => Err(self.wrong(name, "an object", &other)),
        }
    }

    pub fn list(&mut self, name: &str) -> Result<Vec<Value>, String> {
        match self.value(name) {
            Value::Null => Ok(Vec::new()),
            Value::Array(list) => Ok(list),
            other => Err(self.wrong(name, "a list", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_read_once_with_null_as_not_given_and_wrong_types_named() {
        let mut fields = Fields::new(json!({ "a": "x", "b": null, "c": 5, "d": true, "e": [1] }), "request").unwrap();
        assert_eq!(fields.text("a"), Ok(Some("x".into())));
        assert_eq!(fields.text("a"), Ok(None), "taken once");
        assert_eq!(fields.text("b"), Ok(None));
        assert_eq!(fields.whole("c"), Ok(Some(5)));
        assert_eq!(fields.flag("d"), Ok(true));
        assert_eq!(fields.object("e"), Err("request.e must be an object, got a list".into()));
        assert_eq!(fields.required_text("z"), Err("the request has no z".into()));
        assert!(Fields::new(json!([1]), "request").is_err());
    }
}
