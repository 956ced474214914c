//! Checks a JSON value against a generated schema table, naming where it went wrong.

use serde_json::Value;

use super::spec::{Kind, Schema, SchemaId};
use crate::params::{kind_of, number_text};

/// `Err` says what is wrong and where, e.g. `at .ports[0]: must be a whole number`.
pub fn validate(value: &Value, id: SchemaId, table: &[Schema]) -> Result<(), String> {
    let mut at = String::new();
    check(value, id, table, &mut at)
        .map_err(|problem| if at.is_empty() { problem } else { format!("at {at}: {problem}") })
}

fn check(value: &Value, id: SchemaId, table: &[Schema], at: &mut String) -> Result<(), String> {
    let schema = &table[id as usize];
    if value.is_null() && (schema.nullable || schema.kind == Kind::Any && schema.one_of.is_empty()) {
        return Ok(());
    }
    if !schema.one_of.is_empty() {
        let fits = schema.one_of.iter().any(|branch| check(value, *branch, table, &mut at.clone()).is_ok());
        return if fits { Ok(()) } else { Err("matches none of the allowed shapes".into()) };
    }
    if !schema.enumeration.is_empty() {
        let text = value.to_string();
        if !schema.enumeration.contains(&text.as_str()) {
            return Err(format!("must be one of {}, got {text}", schema.enumeration.join(", ")));
        }
    }
    match schema.kind {
        Kind::Any => Ok(()),
        Kind::String => check_string(value, schema),
        Kind::Integer | Kind::Number => check_number(value, schema),
        Kind::Boolean if value.is_boolean() => Ok(()),
        Kind::Boolean => Err(format!("must be true or false, got {}", kind_of(value))),
        Kind::Array => check_array(value, schema, table, at),
        Kind::Object => check_object(value, schema, table, at),
    }
}

fn check_string(value: &Value, schema: &Schema) -> Result<(), String> {
    let Value::String(text) = value else { return Err(format!("must be text, got {}", kind_of(value))) };
    let length = text.chars().count() as u32;
    if let Some(min) = schema.min_length.filter(|min| length < *min) {
        return Err(format!("must be at least {min} characters long"));
    }
    if let Some(max) = schema.max_length.filter(|max| length > *max) {
        return Err(format!("must be at most {max} characters long"));
    }
    let well_formed = match schema.format {
        "uuid" => crate::params::is_uuid(text),
        "date-time" => is_date_time(text),
        "date" => is_date(text),
        "email" => is_email(text),
        "uri" | "url" => text.contains("://"),
        _ => true,
    };
    if well_formed {
        Ok(())
    } else {
        Err(format!("must be a {} value, got \"{text}\"", format_name(schema.format)))
    }
}

fn check_number(value: &Value, schema: &Schema) -> Result<(), String> {
    let Some(number) = value.as_f64() else { return Err(format!("must be a number, got {}", kind_of(value))) };
    if schema.kind == Kind::Integer && number.fract() != 0.0 {
        return Err(format!("must be a whole number, got {}", number_text(number)));
    }
    if let Some(min) = schema.minimum.filter(|min| number < *min) {
        return Err(format!("must be at least {}, got {}", number_text(min), number_text(number)));
    }
    if let Some(max) = schema.maximum.filter(|max| number > *max) {
        return Err(format!("must be at most {}, got {}", number_text(max), number_text(number)));
    }
    Ok(())
}

fn check_array(value: &Value, schema: &Schema, table: &[Schema], at: &mut String) -> Result<(), String> {
    let Value::Array(items) = value else { return Err(format!("must be a list, got {}", kind_of(value))) };
    let count = items.len() as u32;
    if let Some(min) = schema.min_items.filter(|min| count < *min) {
        return Err(format!("must have at least {min} entries"));
    }
    if let Some(max) = schema.max_items.filter(|max| count > *max) {
        return Err(format!("must have at most {max} entries"));
    }
    if let Some(item_schema) = schema.items {
        for (index, item) in items.iter().enumerate() {
            let before = at.len();
            at.push_str(&format!("[{index}]"));
            check(item, item_schema, table, at)?;
            at.truncate(before);
        }
    }
    Ok(())
}

fn check_object(value: &Value, schema: &Schema, table: &[Schema], at: &mut String) -> Result<(), String> {
    let Value::Object(map) = value else { return Err(format!("must be an object, got {}", kind_of(value))) };
    if let Some(missing) = schema.required.iter().find(|name| !map.contains_key(**name)) {
        return Err(format!("needs \"{missing}\""));
    }
    for (key, item) in map {
        let item_schema = match schema.properties.iter().find(|(name, _)| name == key) {
            Some((_, id)) => Some(*id),
            None if schema.additional.is_some() => schema.additional,
            None if schema.open => None,
            None => {
                let known: Vec<&str> = schema.properties.iter().map(|(name, _)| *name).collect();
                return Err(format!("has an unknown field \"{key}\" (known: {})", known.join(", ")));
            }
        };
        if let Some(item_schema) = item_schema {
            let before = at.len();
            at.push('.');
            at.push_str(key);
            check(item, item_schema, table, at)?;
            at.truncate(before);
        }
    }
    Ok(())
}

fn format_name(format: &str) -> &str {
    match format {
        "uuid" => "UUID",
        "date-time" => "date-time (e.g. 2026-01-31T12:00:00Z)",
        "date" => "date (YYYY-MM-DD)",
        "email" => "e-mail address",
        other => other,
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn is_date_time(text: &str) -> bool {
    text.len() >= 20 && text.get(..10).is_some_and(is_date) && matches!(text.as_bytes()[10], b'T' | b't' | b' ')
}

fn is_email(text: &str) -> bool {
    let mut parts = text.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static TABLE: [Schema; 5] = [
        Schema {
            properties: &[("id", 1), ("ports", 2), ("mode", 4)],
            required: &["id"],
            open: false,
            ..Schema::of(Kind::Object)
        },
        Schema { format: "uuid", ..Schema::of(Kind::String) },
        Schema { items: Some(3), max_items: Some(2), ..Schema::of(Kind::Array) },
        Schema { minimum: Some(1.0), maximum: Some(65535.0), ..Schema::of(Kind::Integer) },
        Schema { enumeration: &["\"a\"", "\"b\""], ..Schema::of(Kind::String) },
    ];

    #[test]
    fn accepts_what_the_schema_allows() {
        let ok = json!({ "id": "907a24e9-0723-4566-b584-86578419e983", "ports": [80, 443], "mode": "a" });
        assert_eq!(validate(&ok, 0, &TABLE), Ok(()));
    }

    #[test]
    fn says_where_and_what() {
        let id = "907a24e9-0723-4566-b584-86578419e983";
        let cases = [
            (json!({}), "needs \"id\""),
            (json!({ "id": "x" }), "at .id: must be a UUID value, got \"x\""),
            (json!({ "id": id, "ports": [80, 0.5] }), "at .ports[1]: must be a whole number, got 0.5"),
            (json!({ "id": id, "ports": [70000] }), "at .ports[0]: must be at most 65535, got 70000"),
            (json!({ "id": id, "ports": [1, 2, 3] }), "at .ports: must have at most 2 entries"),
            (json!({ "id": id, "mode": "c" }), "at .mode: must be one of \"a\", \"b\", got \"c\""),
            (json!({ "id": id, "extra": 1 }), "has an unknown field \"extra\" (known: id, ports, mode)"),
        ];
        for (value, expected) in cases {
            assert_eq!(validate(&value, 0, &TABLE), Err(expected.to_string()), "{value}");
        }
    }
}
