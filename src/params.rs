//! Reading one item's parameters, with errors that name the field, the item and what was expected.

use serde_json::{Map, Value};

use crate::describe::{find_property, Property};
use crate::error::NodeError;

/// The parameters of one item (or of one group inside a collection), resolved by the host.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    values: &'a Map<String, Value>,
    item: usize,
    properties: &'a [Property],
    trail: Trail<'a>,
}

/// Where a nested group sits, so its errors say which object or entry they mean: "Order Lines 2 ›
/// SKU". Two steps are kept (the forms nest no deeper); an entry's step holds its 1-based number.
#[derive(Clone, Copy, Default)]
struct Trail<'a>([Option<(&'a str, Option<usize>)>; 2]);

impl<'a> Trail<'a> {
    fn then(mut self, label: &'a str, entry: Option<usize>) -> Self {
        match self.0.iter_mut().find(|step| step.is_none()) {
            Some(free) => *free = Some((label, entry)),
            None => self.0[1] = Some((label, entry)),
        }
        self
    }

    fn prefix(&self) -> String {
        let mut out = String::new();
        for (label, entry) in self.0.iter().flatten() {
            out.push_str(label);
            if let Some(n) = entry {
                out.push_str(&format!(" {n}"));
            }
            out.push_str(" › ");
        }
        out
    }
}

impl<'a> Params<'a> {
    pub fn new(values: &'a Map<String, Value>, item: usize, properties: &'a [Property]) -> Self {
        Params { values, item, properties, trail: Trail::default() }
    }

    pub fn item(&self) -> usize {
        self.item
    }

    /// The label the user sees in the form, so errors point at what they can fix.
    pub fn label(&self, name: &str) -> String {
        let label = find_property(self.properties, name).map_or(name, |p| p.display_name.as_str());
        format!("{}{label}", self.trail.prefix())
    }

    /// The label of `name` as the trail of a group inside it.
    fn step(&self, name: &'a str) -> &'a str {
        find_property(self.properties, name).map_or(name, |p| p.display_name.as_str())
    }

    /// An input error about `name`: "Parameter "X" of item N <problem>".
    pub fn invalid(&self, name: &str, problem: impl std::fmt::Display) -> NodeError {
        NodeError::input(format!("Parameter \"{}\" of item {} {}", self.label(name), self.item, problem))
            .with_description(format!("Parameter name: {name}"))
            .at_item(self.item)
    }

    /// The value as given; a resource locator (`{ __rl, mode, value }`) stands for its value.
    fn raw(&self, name: &str) -> Option<&'a Value> {
        let value = self.values.get(name)?;
        let value = match value.get("__rl") {
            Some(_) => value.get("value")?,
            None => value,
        };
        Some(value).filter(|v| !v.is_null())
    }

    /// Whether the user gave `name` at all (an added collection field, an explicit `false`).
    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// Any JSON value: taken as is, or parsed when given as JSON text; empty text counts as not set.
    pub fn json(&self, name: &str) -> Result<Option<Value>, NodeError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|e| self.invalid(name, format!("must be JSON; the text is not valid JSON ({e})"))),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// A text value; empty text counts as not set.
    pub fn text(&self, name: &str) -> Result<Option<String>, NodeError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(self.invalid(name, format!("must be text, got {}", kind_of(other)))),
        }
    }

    pub fn required_text(&self, name: &str) -> Result<String, NodeError> {
        self.text(name)?.ok_or_else(|| self.invalid(name, "is required"))
    }

    pub fn uuid(&self, name: &str) -> Result<Option<String>, NodeError> {
        match self.text(name)? {
            Some(id) if !is_uuid(&id) => Err(self.invalid(name, format!("must be a UUID, got {}", quoted(&id)))),
            other => Ok(other),
        }
    }

    pub fn required_uuid(&self, name: &str) -> Result<String, NodeError> {
        self.uuid(name)?.ok_or_else(|| self.invalid(name, "is required"))
    }

    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, NodeError> {
        match self.raw(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(other) => Err(self.invalid(name, format!("must be true or false, got {}", kind_of(other)))),
        }
    }

    pub fn number(&self, name: &str) -> Result<Option<f64>, NodeError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_number(s)
                .map(Some)
                .ok_or_else(|| self.invalid(name, format!("must be a number, got {}", quoted(s)))),
            Some(other) => Err(self.invalid(name, format!("must be a number, got {}", kind_of(other)))),
        }
    }

    /// A whole number within `min..=max`.
    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, NodeError> {
        match self.number(name)? {
            None => Ok(None),
            Some(n) if n.fract() != 0.0 || n < min as f64 || n > max as f64 => {
                Err(self.invalid(name, format!("must be a whole number from {min} to {max}, got {}", number_text(n))))
            }
            Some(n) => Ok(Some(n as i64)),
        }
    }

    /// One of the property's declared choices.
    pub fn choice(&self, name: &str) -> Result<Option<Value>, NodeError> {
        let Some(value) = self.raw(name) else { return Ok(None) };
        let allowed = find_property(self.properties, name).map(|p| p.choice_values()).unwrap_or_default();
        if allowed.is_empty() || allowed.contains(&value) {
            Ok(Some(value.clone()))
        } else {
            Err(self.invalid(name, format!("must be one of {}, got {value}", list_of(&allowed))))
        }
    }

    /// A list of strings: a list, or text holding a JSON array of strings (what expressions often yield).
    pub fn string_list(&self, name: &str) -> Result<Vec<String>, NodeError> {
        let expected = "must be a list of strings (or a JSON array of strings)";
        let parsed;
        let items = match self.raw(name) {
            // A required list left out is n8n's empty list; one given as null was never a list.
            None if self.values.get(name).is_some_and(Value::is_null)
                && find_property(self.properties, name).is_some_and(|p| p.required) =>
            {
                return Err(self.invalid(name, format!("{expected}, got null")))
            }
            None => return Ok(Vec::new()),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(Vec::new()),
            Some(Value::String(s)) => {
                parsed = serde_json::from_str::<Value>(s)
                    .map_err(|e| self.invalid(name, format!("{expected}; the text is not valid JSON ({e})")))?;
                match &parsed {
                    Value::Array(items) => items,
                    other => return Err(self.invalid(name, format!("{expected}, got JSON {}", kind_of(other)))),
                }
            }
            Some(Value::Array(items)) => items,
            Some(other) => return Err(self.invalid(name, format!("{expected}, got {}", kind_of(other)))),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(self.invalid(name, format!("{expected}; entry {i} is {}", kind_of(other)))),
            })
            .collect()
    }

    /// Several of the property's declared choices.
    pub fn choices(&self, name: &str) -> Result<Vec<String>, NodeError> {
        let values = self.string_list(name)?;
        let allowed = find_property(self.properties, name).map(|p| p.choice_values()).unwrap_or_default();
        match values.iter().find(|v| !allowed.is_empty() && !allowed.iter().any(|a| a.as_str() == Some(v))) {
            Some(bad) => {
                Err(self.invalid(name, format!("must only contain {}, got {}", list_of(&allowed), quoted(bad))))
            }
            None => Ok(values),
        }
    }

    /// A JSON object given as an object or as JSON text.
    pub fn object(&self, name: &str) -> Result<Option<Map<String, Value>>, NodeError> {
        let value = match self.raw(name) {
            None => return Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => serde_json::from_str::<Value>(s)
                .map_err(|e| self.invalid(name, format!("must be a JSON object; the text is not valid JSON ({e})")))?,
            Some(v) => v.clone(),
        };
        match value {
            Value::Object(map) => Ok(Some(map)),
            other => Err(self.invalid(name, format!("must be a JSON object, got {}", kind_of(&other)))),
        }
    }

    /// The declared fields inside `name`, so nested errors use the nested labels.
    fn nested(&self, name: &str, group: Option<&str>) -> &'a [Property] {
        find_property(self.properties, name).and_then(|p| p.fields_of(group)).unwrap_or(self.properties)
    }

    /// The fields inside a collection (an empty collection when not set).
    pub fn group(&self, name: &str) -> Result<Params<'a>, NodeError> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let properties = self.nested(name, None);
        match self.raw(name) {
            None => Ok(Params { values: EMPTY.get_or_init(Map::new), properties, ..*self }),
            Some(Value::Object(values)) => Ok(Params { values, properties, ..*self }),
            Some(other) => Err(self.invalid(name, format!("must be a set of fields, got {}", kind_of(other)))),
        }
    }

    /// The fields of an object field: a group whose errors name the object ("Order › Payment Plan").
    pub fn fields(&self, name: &'a str) -> Result<Params<'a>, NodeError> {
        let group = self.group(name)?;
        Ok(Params { trail: self.trail.then(self.step(name), None), ..group })
    }

    /// The entries of a repeatable group: `{ <group>: [ {…}, … ] }`; each entry's errors name its
    /// number ("Order Lines 2 › SKU").
    pub fn entries(&self, name: &'a str, group: &str) -> Result<Vec<Params<'a>>, NodeError> {
        let outer = self.group(name)?;
        let properties = self.nested(name, Some(group));
        let label = self.step(name);
        let entry = |n: usize, values| Params { values, properties, trail: self.trail.then(label, Some(n)), ..*self };
        match outer.raw(group) {
            None => Ok(Vec::new()),
            Some(Value::Array(entries)) => entries
                .iter()
                .enumerate()
                .map(|(i, value)| match value {
                    Value::Object(values) => Ok(entry(i + 1, values)),
                    other => Err(self.invalid(name, format!("entries must be sets of fields, got {}", kind_of(other)))),
                })
                .collect(),
            // n8n stores a single, non-repeatable group as an object.
            Some(Value::Object(values)) => Ok(vec![entry(1, values)]),
            Some(other) => Err(self.invalid(name, format!("must be a list of entries, got {}", kind_of(other)))),
        }
    }
}

/// A number as people write it (`5`, `2.5`), by serde_json's float writer rather than a second one.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        (n as i64).to_string()
    } else {
        serde_json::Number::from_f64(n).map_or_else(|| "not a number".to_string(), |n| n.to_string())
    }
}

/// A count as people write it in prose: `3,600`, `67,108,864`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Words joined as prose: `3`, `3 and 5`, `3, 5 and 7`.
pub fn listed(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A number as people type it: `5`, `-2.5`, `1e3`, `+5`, `.5`, `5.`. Read by serde_json's number reader,
/// which the module carries anyway, rather than `f64::from_str` with its own ~14 KB of code and tables.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.strip_suffix('.').unwrap_or(digits);
    let zero = if digits.starts_with('.') { "0" } else { "" };
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    // Parsed as a `Value`: a typed `f64` read would bring serde's float error wording (see `fields`).
    serde_json::from_str::<Value>(&format!("{sign}{zero}{digits}")).ok()?.as_f64()
}

pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn quoted(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("\"{}…\"", &text[..cut]),
        None => format!("\"{text}\""),
    }
}

fn list_of(values: &[&Value]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_read_as_people_type_them_and_written_back_plainly() {
        for (text, expected) in
            [("5", 5.0), (" -2.5 ", -2.5), ("+5", 5.0), (".5", 0.5), ("-.5", -0.5), ("5.", 5.0), ("1e3", 1000.0)]
        {
            assert_eq!(parse_number(text), Some(expected), "{text}");
        }
        for text in ["", "-", ".", "abc", "5x", "NaN", "inf", "1e400", "--5", "+-5"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
        assert_eq!(number_text(5.0), "5");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(-0.1), "-0.1");
    }

    fn props() -> Vec<Property> {
        vec![
            Property::string_list("consentedScopes", "Consented Scopes", "Add Scope"),
            Property::string("extensionId", "Extension Id"),
            Property::multi_options("orderable", "Orderable", vec![crate::describe::Choice::new("Full", "full")]),
        ]
    }

    fn with<T>(values: Value, f: impl FnOnce(Params) -> T) -> T {
        let props = props();
        let map = values.as_object().unwrap().clone();
        f(Params::new(&map, 3, &props))
    }

    #[test]
    fn string_list_accepts_lists_and_json_text() {
        with(json!({"consentedScopes": ["a", "b"]}), |p| {
            assert_eq!(p.string_list("consentedScopes").unwrap(), ["a", "b"]);
        });
        with(json!({"consentedScopes": "[\"x\"]"}), |p| {
            assert_eq!(p.string_list("consentedScopes").unwrap(), ["x"]);
        });
        with(json!({"consentedScopes": ""}), |p| assert!(p.string_list("consentedScopes").unwrap().is_empty()));
    }

    #[test]
    fn string_list_errors_name_the_label_and_item() {
        let err = with(json!({"consentedScopes": "[\"a\""}), |p| p.string_list("consentedScopes").unwrap_err());
        assert!(err.message.starts_with("Parameter \"Consented Scopes\" of item 3"), "{}", err.message);
        assert!(err.message.contains("not valid JSON"));
        assert_eq!(err.item_index, Some(3));
        let err = with(json!({"consentedScopes": [1]}), |p| p.string_list("consentedScopes").unwrap_err());
        assert!(err.message.contains("entry 0 is a number"), "{}", err.message);
    }

    #[test]
    fn a_resource_locator_stands_for_its_value() {
        let id = "907a24e9-0723-4566-b584-86578419e983";
        with(json!({"extensionId": {"__rl": true, "mode": "list", "value": id}}), |p| {
            assert_eq!(p.required_uuid("extensionId").unwrap(), id);
        });
        let err = with(json!({"extensionId": {"__rl": true, "mode": "id", "value": ""}}), |p| {
            p.required_uuid("extensionId").unwrap_err()
        });
        assert!(err.message.ends_with("is required"));
    }

    #[test]
    fn uuids_are_checked() {
        assert!(is_uuid("907a24e9-0723-4566-b584-86578419e983"));
        assert!(!is_uuid("907a24e9-0723-4566-b584-86578419e98"));
        assert!(!is_uuid("907a24e9x0723-4566-b584-86578419e983"));
        let err = with(json!({"extensionId": "nope"}), |p| p.required_uuid("extensionId").unwrap_err());
        assert_eq!(err.message, "Parameter \"Extension Id\" of item 3 must be a UUID, got \"nope\"");
        let err = with(json!({"extensionId": "  "}), |p| p.required_uuid("extensionId").unwrap_err());
        assert!(err.message.ends_with("is required"));
    }

    #[test]
    fn choices_reject_unknown_values() {
        let err = with(json!({"orderable": ["full", "maybe"]}), |p| p.choices("orderable").unwrap_err());
        assert!(err.message.contains("\"maybe\""), "{}", err.message);
        with(json!({"orderable": ["full"]}), |p| assert_eq!(p.choices("orderable").unwrap(), ["full"]));
    }

    #[test]
    fn integers_respect_bounds() {
        let props = vec![Property::number("quantity", "Quantity", 1.0)];
        let map = json!({"quantity": 0}).as_object().unwrap().clone();
        let p = Params::new(&map, 0, &props);
        assert!(p.integer("quantity", 1, 1000).unwrap_err().message.contains("from 1 to 1000"));
        let map = json!({"quantity": "7"}).as_object().unwrap().clone();
        assert_eq!(Params::new(&map, 0, &props).integer("quantity", 1, 1000).unwrap(), Some(7));
    }
}
