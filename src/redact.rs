//! Keeps credentials out of everything the runtime hands back, whatever a vendor echoes.

use serde_json::Value;

const MASK: &str = "[redacted]";

/// Secrets this short would mask ordinary words; no real token is this short.
const MIN_SECRET_LEN: usize = 4;

pub fn redact_text(text: &mut String, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
        if text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), MASK);
        }
    }
}

/// Whether `text` holds any secret long enough to be one.
pub fn mentions(text: &str, secrets: &[String]) -> bool {
    secrets.iter().any(|s| s.len() >= MIN_SECRET_LEN && text.contains(s.as_str()))
}

pub fn redact_value(value: &mut Value, secrets: &[String]) {
    match value {
        Value::String(text) => redact_text(text, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(map) => {
            // Keys too: a vendor may echo a token as a key. Rebuilt only when one holds a secret.
            let leaks = |key: &String| secrets.iter().any(|s| s.len() >= MIN_SECRET_LEN && key.contains(s.as_str()));
            if map.keys().any(leaks) {
                let entries = std::mem::take(map);
                for (mut key, value) in entries {
                    redact_text(&mut key, secrets);
                    map.insert(key, value);
                }
            }
            map.values_mut().for_each(|v| redact_value(v, secrets));
        }
        _ => {}
    }
}

pub fn redact_error(error: &mut crate::error::NodeError, secrets: &[String]) {
    redact_text(&mut error.message, secrets);
    if let Some(description) = &mut error.description {
        redact_text(description, secrets);
    }
    for effect in [&mut error.created, &mut error.carried_out].into_iter().flatten() {
        redact_value(effect, secrets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secrets_anywhere_in_a_value() {
        let secrets = vec!["tok-123456".to_string(), "ab".to_string()];
        let mut value = json!({"a": ["x tok-123456 y"], "b": {"c": "tok-123456", "tok-123456": 1}, "d": "ab stays"});
        redact_value(&mut value, &secrets);
        assert_eq!(value, json!({"a": ["x [redacted] y"], "b": {"c": "[redacted]", "[redacted]": 1}, "d": "ab stays"}));
    }
}
