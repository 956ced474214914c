//! Fuzzing the module's boundary natively: whatever a host sends in (random JSON, text of every class of
//! character, huge values, broken UTF-16) and whatever a vendor answers (any status, header and body), the
//! runtime must return a result and never panic. A panic kills the wasm instance and every call pending on
//! it, so each one found here is a bug.
//!
//! No fuzzing crate: a seeded PRNG drives generators written against the real registry (real nodes,
//! operations and field names, so inputs get past the first validation), and a scripted host answers
//! at random. Every case is reproducible from the seed and its number, which a failure prints:
//! `FUZZ_SEED=<seed> FUZZ_CASE=<case> cargo test fuzz` runs that case alone.
//!
//! Each test runs for a bounded time and number of cases (about 4 s by default); `FUZZ_SECONDS=60` runs
//! longer, with a fresh seed unless `FUZZ_SEED` is given.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::boundary::{self, ExecuteRequest, ExecuteResult, SearchRequest, SearchResult};
use crate::describe::{Property, PropertyOptions, PropertyType};
use crate::host::{Cause, Failure, Host, LocalFuture, Outgoing};
use crate::http::{File, Response};
use crate::registry::Registry;
use crate::testing::block_on;
use crate::url;

// ---------------------------------------------------------------------------------------------------
// The PRNG: SplitMix64, small and good enough to spread cases; seeded, so every case can be replayed.

/// Also carries how wild its case is: the percent of choices where a generator takes something
/// hostile over something plausible. Cases differ in it, so some get deep into the operations (valid
/// enough to be sent, and the answers read) while others hammer the first checks.
struct Rng {
    state: u64,
    wildness: u64,
}

impl Rng {
    fn new(seed: u64) -> Self {
        let mut rng = Rng { state: seed, wildness: 0 };
        rng.wildness = *rng.pick(&[2, 10, 30, 70]);
        rng
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.next() % span,
            None => self.next(),
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// Whether to take the hostile choice this time.
    fn wild(&mut self) -> bool {
        self.chance(self.wildness)
    }

    /// Hostile, but only a `percent` share of the times it could be: for what stops a case early.
    fn rarely_wild(&mut self, percent: u64) -> bool {
        self.wild() && self.chance(percent)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of case `case` of a run seeded `seed`: cases are independent, so one can be replayed alone.
fn case_seed(seed: u64, case: u64) -> u64 {
    Rng::new(seed ^ case.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next()
}
// ---------------------------------------------------------------------------------------------------
// Text of every class of character.

const CONTROLS: &[char] = &['\0', '\r', '\n', '\t', '\u{7f}', '\u{1b}', '\u{8}', '\u{b}', '\u{c}', '\u{1}', '\u{85}'];

/// BMP characters that trip up text handling: noncharacters (U+FDD0 is also the runtime's lone-surrogate
/// mark), the replacement character, bidi controls, BOM, line separators, combining marks, CJK, private use.
const TRICKY_BMP: &[char] = &[
    '\u{FDD0}', '\u{FDEF}', '\u{FFFD}', '\u{FFFE}', '\u{FFFF}', '\u{200E}', '\u{200F}', '\u{202E}', '\u{202D}',
    '\u{2066}', '\u{FEFF}', '\u{2028}', '\u{2029}', '\u{0301}', '\u{00A0}', '\u{200B}', '\u{65E5}', '\u{0627}',
    '\u{E000}', '\u{0130}', '\u{017F}', '\u{212A}', '\u{1E9E}', '\u{FF0F}', '\u{2024}',
];

const ASTRAL: &[&str] = &["😀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "𝔘", "\u{10FFFF}", "\u{1F600}\u{FE0F}", "🇩🇪", "𐍈", "\u{E0041}"];

#[rustfmt::skip]
const NUMERIC: &[&str] = &[
    "0", "-0", "1", "-1", "42", " 42 ", "1e309", "-1e309", "1e-400", "NaN", "Infinity", "-Infinity", "0x1F", "1_000",
    "9007199254740993", "18446744073709551615", "18446744073709551616", "-9223372036854775809", "1,5", "1.5", ".5",
    "5.", "+5", "٣", "１２", "00012", "1e2", "0.1e1", "12abc", "3600000", "86400001", "2147483648",
];

#[rustfmt::skip]
const JSONISH: &[&str] = &[
    "{}", "[]", "{\"a\":", "null", "\"x\"", "[1,2", "{\"__rl\":true}", "{\"__rl\":true,\"value\":null}", "true",
    "{\"a\":1}", "[\"a\",\"b\"]", "[1,\"a\",null]", "{\"ID\":\"x\",\"ActionType\":\"Provision\"}", "\\", "\\u",
    "\\ud800", "{\"a\":\"\\ud800\"}", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", "={{ $json.x }}", "1 2",
];

#[rustfmt::skip]
const URLISH: &[&str] = &[
    "../", "../../etc/passwd", "..", ".", "%00", "%2e%2e%2f", "?#", "a?b#c", "http://evil.example/", "//evil.example",
    "javascript:alert(1)", "\\\\evil.example\\x", "@evil.example", "a/b/../c", "%", "%zz", "%E2%82", "/", "//", "#",
    "?", "&", "=", "a&b=c", "https://user:pw@evil.example:8443/x?y#z", "http://[::1]:99999/", "http://", "https:///x",
    "ftp://example.com", "HTTP://EXAMPLE.COM", "http://a b/", "http://exa\u{0}mple.com", "https://api.mittwald.de",
];

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "id", "name", "Starter", "packed", "pending", "need_human", "has_packing_errors", "Provision", "Cancel", "None",
    "Subscription", "return", "fail", "plain", "base64", "any", "true", "false", "GmbH", "Müller", "test",
];

/// Text of a random class; mostly short, rarely up to ~200 KB.
fn text(rng: &mut Rng) -> String {
    match rng.below(13) {
        0 => (0..rng.below(40)).map(|_| char::from(rng.range(0x20, 0x7e) as u8)).collect(),
        1 => (0..rng.below(20))
            .map(|_| if rng.chance(50) { *rng.pick(CONTROLS) } else { char::from(rng.range(0x20, 0x7e) as u8) })
            .collect(),
        2 => (0..rng.below(20)).map(|_| char::from_u32(rng.range(0x80, 0xff) as u32).unwrap_or('é')).collect(),
        3 => (0..rng.below(12)).map(|_| *rng.pick(TRICKY_BMP)).collect(),
        4 => (0..rng.below(6)).map(|_| *rng.pick(ASTRAL)).collect(),
        // Any scalar value at all.
        5 => (0..rng.below(12)).filter_map(|_| char::from_u32(rng.range(0, 0x10FFFF) as u32)).collect(),
        6 => rng.pick(NUMERIC).to_string(),
        7 => rng.pick(JSONISH).to_string(),
        8 => rng.pick(URLISH).to_string(),
        9 if rng.chance(8) => {
            // Long: the same piece over and over, up to ~200 KB.
            let piece = if rng.chance(50) { "a".to_string() } else { short_text(rng) };
            let piece = if piece.is_empty() { "é".to_string() } else { piece };
            piece.repeat(rng.range(1, 200_000) as usize / piece.len() + 1)
        }
        10 | 11 => realistic(rng),
        _ => (0..rng.range(2, 4)).map(|_| short_text(rng)).collect(),
    }
}

/// Text of a random class, never long.
fn short_text(rng: &mut Rng) -> String {
    loop {
        let text = text(rng);
        if text.len() <= 200 {
            return text;
        }
    }
}

fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// What real users type: ids, hashes, words, numbers, addresses.
fn realistic(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 | 1 => uuid(rng),
        2 => format!("{:016x}{:016x}", rng.next(), rng.next()),
        3 => rng.pick(WORDS).to_string(),
        4 => rng.range(0, 100_000).to_string(),
        5 => format!("user{}@example.com", rng.below(100)),
        _ => format!("https://{}.example/{}", rng.pick(WORDS), rng.pick(WORDS)),
    }
}

// ---------------------------------------------------------------------------------------------------
// Random JSON.

/// Keys the nodes and the runtime look for, so random objects sometimes mean something to them.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    "id", "name", "articleId", "customerId", "customerNumber", "shortId", "description", "data", "order", "state",
    "order_hash", "status", "status_message", "info", "packing_errors", "admin_user_access_token", "Code", "Message",
    "Result", "ID", "ActionType", "Addons", "Quantity", "ProductID", "AttributeList", "headers", "body", "message",
    "type", "validationErrors", "path", "__rl", "value", "mode", "error", "items", "json", "parameters",
];

fn number(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!(0),
        1 => json!(rng.range(0, 10)),
        2 => json!(-(rng.range(1, 1000) as i64)),
        3 => json!(*rng.pick(&[i64::MIN, i64::MAX, i64::MIN + 1, -1])),
        4 => json!(*rng.pick(&[u64::MAX, u64::MAX - 1, 1 << 53, (1 << 53) + 1, u64::from(u32::MAX) + 1])),
        5 => json!(*rng.pick(&[0.5, -0.0, 1e308, -1e308, 5e-324, 1.7976931348623157e308, 0.1, 2.5, -3.75, 1e15])),
        6 => serde_json::Number::from_f64(f64::from_bits(rng.next())).map_or(json!(1.25), Value::Number),
        7 => json!(rng.next()),
        8 => json!(rng.next() as i64),
        _ => json!(rng.range(0, 100_000) as f64 + 0.5),
    }
}

fn any_json(rng: &mut Rng, depth: u32) -> Value {
    let leaf = depth == 0 || rng.chance(40);
    match rng.below(if leaf { 4 } else { 6 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => number(rng),
        3 => Value::String(text(rng)),
        4 => {
            // Arrays: mostly short, rarely big (of small values, to keep cases fast).
            let big = rng.chance(3);
            let len = if big { rng.range(500, 3000) as usize } else { rng.below(6) };
            Value::Array((0..len).map(|_| if big { number(rng) } else { any_json(rng, depth - 1) }).collect())
        }
        _ => Value::Object(
            (0..rng.below(6))
                .map(|_| {
                    let key = if rng.chance(60) { rng.pick(KEYS).to_string() } else { short_text(rng) };
                    (key, any_json(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

/// An object with keys the nodes look for.
fn fields_like(rng: &mut Rng) -> Value {
    Value::Object((0..rng.below(5)).map(|_| (rng.pick(KEYS).to_string(), any_json(rng, 2))).collect())
}

/// Replaces a random part of `value` (or the whole of it) with something random.
fn mutate(rng: &mut Rng, value: &mut Value) {
    let descend = rng.chance(75);
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
            match rng.below(6) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(short_text(rng), any_json(rng, 2));
                }
                _ => mutate(rng, map.get_mut(&key).unwrap_or(&mut Value::Null)),
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let at = rng.below(items.len());
            match rng.below(5) {
                0 => {
                    items.remove(at);
                }
                1 => items.insert(at, any_json(rng, 2)),
                _ => mutate(rng, &mut items[at]),
            }
        }
        _ => *value = any_json(rng, 2),
    }
}

// ---------------------------------------------------------------------------------------------------
// Execute and search requests, built from the real registry and then bent.

/// Text a user might type into a field called `name`: an id for `…Id` fields, else something plausible;
/// in a wild moment, text of any class.
fn field_text(rng: &mut Rng, name: &str) -> String {
    if rng.wild() {
        text(rng)
    } else if name.to_ascii_lowercase().ends_with("id") {
        // mittwald ids are UUIDs, Yamdu's integers.
        if rng.chance(70) {
            uuid(rng)
        } else {
            rng.range(1, 100_000).to_string()
        }
    } else if name.to_ascii_lowercase().ends_with("hash") {
        format!("{:016x}{:016x}", rng.next(), rng.next())
    } else {
        realistic(rng)
    }
}

/// A value for `property`, usually of its type (so it gets past the first checks), sometimes not.
fn property_value(rng: &mut Rng, property: &Property, depth: u32) -> Value {
    if rng.rarely_wild(15) {
        return any_json(rng, 2);
    }
    let choices = || property.choice_values().into_iter().cloned().collect::<Vec<Value>>();
    match property.kind {
        PropertyType::String | PropertyType::Notice => Value::String(field_text(rng, &property.name)),
        PropertyType::Hidden => property.default.clone(),
        PropertyType::Number if rng.wild() => match rng.below(2) {
            0 => Value::String(rng.pick(NUMERIC).to_string()),
            _ => number(rng),
        },
        PropertyType::Number => json!(rng.range(1, 5)),
        PropertyType::Boolean => match rng.below(6) {
            0 => json!("true"),
            1 => json!("false"),
            _ => json!(rng.chance(50)),
        },
        PropertyType::Options => match choices() {
            found if !found.is_empty() && !rng.rarely_wild(30) => rng.pick(&found).clone(),
            _ => Value::String(text(rng)),
        },
        PropertyType::MultiOptions => {
            let found = choices();
            let list: Vec<Value> = (0..rng.below(4))
                .map(|_| {
                    if !found.is_empty() && !rng.rarely_wild(30) {
                        rng.pick(&found).clone()
                    } else {
                        json!(text(rng))
                    }
                })
                .collect();
            // Expressions often hand lists over as JSON text.
            if rng.chance(20) {
                Value::String(Value::Array(list).to_string())
            } else {
                Value::Array(list)
            }
        }
        PropertyType::Collection => match &property.options {
            Some(PropertyOptions::Properties(fields)) if depth > 0 => fields_object(rng, fields, depth - 1),
            _ => any_json(rng, 1),
        },
        PropertyType::FixedCollection => match &property.options {
            Some(PropertyOptions::Groups(groups)) if depth > 0 => {
                let mut object = Map::new();
                for group in groups {
                    if rng.chance(40) {
                        continue;
                    }
                    let entries: Vec<Value> =
                        (0..rng.below(3)).map(|_| fields_object(rng, &group.values, depth - 1)).collect();
                    // n8n stores a single, non-repeatable group as an object.
                    let value = match entries.len() {
                        1 if rng.chance(30) => entries.into_iter().next().unwrap_or_default(),
                        _ => Value::Array(entries),
                    };
                    object.insert(group.name.clone(), value);
                }
                Value::Object(object)
            }
            _ => any_json(rng, 1),
        },
        PropertyType::Json => {
            // Mostly objects: what JSON fields ask for.
            let value = if rng.chance(60) { fields_like(rng) } else { any_json(rng, 3) };
            match rng.below(4) {
                0 => value,
                1 if rng.wild() => Value::String(text(rng)),
                _ => Value::String(value.to_string()),
            }
        }
        PropertyType::ResourceLocator => {
            let value = json!(field_text(rng, "id"));
            match rng.below(5) {
                0 => value,
                _ => json!({ "__rl": true, "mode": rng.pick(&["id", "list", "url", "bogus"]), "value": value }),
            }
        }
    }
}

/// Values for the required fields and a random share of the others, plus now and then a field nobody
/// declared.
fn fields_object(rng: &mut Rng, fields: &[Property], depth: u32) -> Value {
    let mut object = Map::new();
    for field in fields {
        let wanted = if field.required { !rng.rarely_wild(20) } else { rng.chance(50) };
        if wanted {
            object.insert(field.name.clone(), property_value(rng, field, depth));
        }
    }
    if rng.rarely_wild(20) {
        object.insert(short_text(rng), any_json(rng, 2));
    }
    Value::Object(object)
}

/// "Request Options": valid limits, tiny ones that make items time out or overflow, and nonsense.
fn request_options(rng: &mut Rng) -> Value {
    if rng.rarely_wild(15) {
        return property_value(rng, &crate::options::property(), 2);
    }
    let mut options = Map::new();
    let pool: &[(&str, &[u64])] = &[
        ("timeout", &[1, 2, 50, 1000, 60_000, 3_600_000]),
        ("itemTimeout", &[1, 10, 1000, 600_000, 86_400_000]),
        ("maxResponseMb", &[1, 2, 64, 1024]),
        ("maxPages", &[1, 2, 3, 1000, 100_000]),
        ("maxItems", &[1, 2, 5, 100, 10_000_000]),
    ];
    for (name, values) in pool {
        if rng.chance(40) {
            options.insert(name.to_string(), if rng.wild() { wrong_number(rng) } else { json!(*rng.pick(values)) });
        }
    }
    Value::Object(options)
}

/// What a number field might wrongly get: out of range, fractional, numeric text, another type.
fn wrong_number(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => number(rng),
        1 => Value::String(rng.pick(NUMERIC).to_string()),
        _ => any_json(rng, 1),
    }
}

/// Values for the node's credential type: mostly sendable tokens and good URLs, sometimes anything.
fn credentials(rng: &mut Rng, registry: &Registry, node: Option<&str>) -> Value {
    let credential =
        node.and_then(|n| registry.node(n)).and_then(|n| n.credential).and_then(|c| registry.credential(c));
    let mut values = Map::new();
    for property in credential.map_or(&[][..], |c| &c.properties) {
        if rng.rarely_wild(15) {
            continue;
        }
        let value = match (property.name.as_str(), property.choice_values().as_slice()) {
            ("baseUrl", _) if rng.wild() => match rng.below(3) {
                0 => Value::String(text(rng)),
                1 => Value::String(rng.pick(URLISH).to_string()),
                _ => any_json(rng, 1),
            },
            ("baseUrl", _) => {
                json!(*rng.pick(&["https://api.example.test", "http://127.0.0.1:8080/API", "https://x.test/"]))
            }
            // Interworks' configurable endpoint paths keep their defaults unless it is a wild moment.
            (name, _) if name.ends_with("Path") && !rng.wild() => continue,
            (_, []) if rng.wild() => property_value(rng, property, 1),
            (_, []) => Value::String(realistic(rng)),
            (_, choices) => (*rng.pick(choices)).clone(),
        };
        values.insert(property.name.clone(), value);
    }
    if rng.rarely_wild(10) {
        values.insert(short_text(rng), any_json(rng, 1));
    }
    Value::Object(values)
}

/// `retry` or `limits` of the host's request: absent, valid, out of range, or of the wrong type.
fn settings(rng: &mut Rng, pool: &[(&str, &[u64])]) -> Option<Value> {
    if rng.chance(50) {
        return None;
    }
    if rng.rarely_wild(10) {
        return Some(any_json(rng, 2));
    }
    let mut object = Map::new();
    for (name, values) in pool {
        if rng.chance(50) {
            let value = if rng.rarely_wild(25) { wrong_number(rng) } else { json!(*rng.pick(values)) };
            object.insert(name.to_string(), value);
        }
    }
    Some(Value::Object(object))
}

/// Valid values of the host's `retry` (the extremes included).
const RETRY: &[(&str, &[u64])] = &[
    ("maxRetries", &[0, 1, 3, 10]),
    ("baseDelayMs", &[0, 1, 10, 1000, 60_000]),
    ("maxDelayMs", &[0, 1, 1000, 30_000, 600_000]),
];

/// Valid values of the host's `limits` (the extremes included).
const LIMITS: &[(&str, &[u64])] = &[
    ("timeoutMs", &[1, 5, 1000, 60_000, 3_600_000]),
    ("itemTimeoutMs", &[1, 10, 1000, 600_000, 86_400_000]),
    ("maxResponseBytes", &[1, 10, 1000, 1 << 20, 1 << 30]),
    ("maxPages", &[1, 2, 3, 1000, 100_000]),
    ("maxItems", &[1, 2, 5, 100_000, 10_000_000]),
];

/// An input item's JSON: random, or shaped like an incoming platform call (Interworks' verify step
/// reads `headers` and `body`), usually with this request's own credential values in its headers.
fn item_json(rng: &mut Rng, credentials: &Value) -> Value {
    if rng.chance(50) {
        return any_json(rng, 3);
    }
    let id = credentials.get("applicationId").cloned().unwrap_or_else(|| json!(uuid(rng)));
    let key = credentials.get("apiKey").and_then(Value::as_str).unwrap_or("key").to_string();
    let key = match rng.below(3) {
        0 => key,
        1 => base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key),
        _ => text(rng),
    };
    let action = *rng.pick(&["Provision", "Cancel", "None", "Suspend", "Activate", "UpgradeToPaid", "Upgrade"]);
    let mut body = json!({ "ID": if rng.chance(50) { json!(uuid(rng)) } else { Value::Null }, "ActionType": action });
    if rng.chance(50) {
        let addons: Vec<Value> = (0..rng.below(3))
            .map(|_| {
                let action = *rng.pick(&["Provision", "Cancel", "None"]);
                json!({ "ActionType": action, "ProductID": realistic(rng), "Quantity": number(rng) })
            })
            .collect();
        body["Addons"] = Value::Array(addons);
    }
    if rng.wild() {
        mutate(rng, &mut body);
    }
    let body = if rng.chance(20) { Value::String(body.to_string()) } else { body };
    json!({
        "headers": { "x-cloudplatform-applicationid": id, "X-CloudPlatform-APIKey": key },
        "body": body,
    })
}

/// n8n's description of an item's binary property (no contents).
fn binary_descriptions(rng: &mut Rng) -> Value {
    let mut binary = Map::new();
    for _ in 0..rng.below(3) {
        let name = if rng.wild() { short_text(rng) } else { "data".to_string() };
        let description = if rng.rarely_wild(30) {
            any_json(rng, 1)
        } else {
            json!({ "mimeType": *rng.pick(&["image/png", "application/pdf", "", "x/y"]), "fileName": short_text(rng) })
        };
        binary.insert(name, description);
    }
    Value::Object(binary)
}

/// The JSON of an execute request: usually for a real node, resource and operation, with parameters
/// named after the operation's fields; sometimes bogus at any level.
fn execute_request(rng: &mut Rng, registry: &Registry) -> Value {
    if rng.rarely_wild(5) {
        return any_json(rng, 3);
    }
    let node = if rng.rarely_wild(15) { None } else { Some(registry.nodes[rng.below(registry.nodes.len())].name) };
    let mut request = Map::new();
    let node_value = match node {
        Some(node) => json!(node),
        None if rng.chance(50) => json!(text(rng)),
        None => any_json(rng, 1),
    };
    request.insert("node".into(), node_value);
    let credentials = match rng.below(10) {
        0 => None,
        1 if rng.wild() => Some(any_json(rng, 1)),
        _ => Some(credentials(rng, registry, node)),
    };
    // Mostly one item: the checks on repeated requests hold per item, so single items are checked hardest.
    let item_count = match rng.below(20) {
        0 => 0,
        1 => rng.range(5, 12),
        2..=11 => 1,
        _ => rng.range(2, 3),
    };
    let items: Vec<Value> =
        (0..item_count).map(|_| item(rng, registry, node, credentials.as_ref().unwrap_or(&Value::Null))).collect();
    request.insert("items".into(), if rng.rarely_wild(5) { any_json(rng, 1) } else { Value::Array(items) });
    if let Some(credentials) = credentials {
        request.insert("credentials".into(), credentials);
    }
    if rng.rarely_wild(30) {
        let base = if rng.chance(50) { rng.pick(URLISH).to_string() } else { text(rng) };
        request.insert("baseUrl".into(), json!(base));
    }
    match rng.below(3) {
        _ if rng.rarely_wild(5) => {
            request.insert("continueOnFail".into(), any_json(rng, 1));
        }
        0 => {
            request.insert("continueOnFail".into(), json!(true));
        }
        1 => {
            request.insert("continueOnFail".into(), json!(false));
        }
        _ => {}
    }
    if let Some(retry) = settings(rng, RETRY) {
        request.insert("retry".into(), retry);
    }
    if let Some(limits) = settings(rng, LIMITS) {
        request.insert("limits".into(), limits);
    }
    if rng.rarely_wild(10) {
        request.insert(short_text(rng), any_json(rng, 1));
    }
    let mut request = Value::Object(request);
    if rng.rarely_wild(20) {
        mutate(rng, &mut request);
    }
    request
}

/// One input item: parameters for a real operation of `node` (or a bogus one), JSON, binary descriptions.
fn item(rng: &mut Rng, registry: &Registry, node: Option<&str>, credentials: &Value) -> Value {
    if rng.rarely_wild(5) {
        return any_json(rng, 2);
    }
    let mut parameters = Map::new();
    let resources = node.and_then(|n| registry.node(n)).map_or(&[][..], |n| &n.resources);
    if !resources.is_empty() && !rng.rarely_wild(10) {
        let resource = &resources[rng.below(resources.len())];
        parameters.insert("resource".into(), json!(resource.value));
        if !resource.operations.is_empty() && !rng.rarely_wild(10) {
            let operation = &resource.operations[rng.below(resource.operations.len())];
            parameters.insert("operation".into(), json!(operation.value));
            if let Value::Object(fields) = fields_object(rng, &operation.properties, 3) {
                parameters.extend(fields);
            }
        } else {
            parameters.insert("operation".into(), if rng.chance(50) { json!(text(rng)) } else { any_json(rng, 1) });
        }
    } else {
        parameters.insert("resource".into(), json!(text(rng)));
        parameters.insert("operation".into(), json!(text(rng)));
    }
    if rng.chance(30) {
        parameters.insert(crate::options::NAME.into(), request_options(rng));
    }
    let mut item = Map::new();
    if rng.chance(70) {
        item.insert("json".into(), item_json(rng, credentials));
    }
    item.insert("parameters".into(), if rng.rarely_wild(5) { any_json(rng, 1) } else { Value::Object(parameters) });
    if rng.chance(30) {
        item.insert("binary".into(), binary_descriptions(rng));
    }
    Value::Object(item)
}

fn search_request(rng: &mut Rng, registry: &Registry) -> Value {
    if rng.rarely_wild(5) {
        return any_json(rng, 3);
    }
    let node = if rng.rarely_wild(15) { None } else { Some(registry.nodes[rng.below(registry.nodes.len())].name) };
    let searches = node.and_then(|n| registry.node(n)).map_or_else(Vec::new, |n| n.searches());
    let method = match searches.as_slice() {
        [] => json!(text(rng)),
        _ if rng.rarely_wild(15) => any_json(rng, 1),
        _ => json!(searches[rng.below(searches.len())].method),
    };
    let mut request = json!({ "node": node.map_or_else(|| json!(text(rng)), |n| json!(n)), "method": method });
    if rng.chance(60) {
        request["filter"] = if rng.rarely_wild(10) { any_json(rng, 1) } else { json!(text(rng)) };
    }
    if rng.chance(50) {
        let token = match rng.below(5) {
            0 => text(rng),
            1 => rng.pick(NUMERIC).to_string(),
            2 => rng.pick(&["18446744073709551615", "18446744073709551614", "18446744073709551600"]).to_string(),
            _ => rng.range(0, 500).to_string(),
        };
        request["paginationToken"] = json!(token);
    }
    if rng.chance(85) {
        request["credentials"] = credentials(rng, registry, node);
    }
    if rng.rarely_wild(30) {
        request["baseUrl"] = json!(text(rng));
    }
    if rng.rarely_wild(20) {
        mutate(rng, &mut request);
    }
    request
}

// ---------------------------------------------------------------------------------------------------
// JSON text as JavaScript hands it over: possibly truncated, with lone UTF-16 surrogate escapes.

const SURROGATE_ESCAPES: &[&str] =
    &["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\uD83D", "\\uDE00", "\\ud83d\\ude00", "\\udc00\\ud800", "\\uDB40"];

/// Bends JSON text at the character level: lone surrogates inside strings, cuts, stray escapes.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..rng.range(1, 4) {
        let at = char_boundary(&out, rng.below(out.len() + 1));
        match rng.below(8) {
            // After a quote, so it lands inside a string literal most of the time.
            0..=2 => {
                let at = out.get(at..).and_then(|rest| rest.find('"')).map_or(at, |q| at + q + 1);
                let escape: &&str = rng.pick(SURROGATE_ESCAPES);
                out.insert_str(at, escape);
            }
            3 => out.truncate(at),
            4 => {
                let stray: &&str = rng.pick(&["\\", "\\u", "\\u12", "\"", "\\\"", "\\\\", "\u{0}", "}", "]", ","]);
                out.insert_str(at, stray);
            }
            5 => out.insert_str(at, &short_text(rng)),
            6 => {
                let end = char_boundary(&out, (at + rng.below(20)).min(out.len()));
                out.replace_range(at..end, "");
            }
            _ => {
                let piece =
                    out.get(at..char_boundary(&out, (at + rng.below(40)).min(out.len()))).unwrap_or("").to_string();
                out.insert_str(at, &piece);
            }
        }
    }
    out
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

// ---------------------------------------------------------------------------------------------------
// The scripted host: answers at random, keeps a log, and ends every run.

/// After this many requests in one call the host answers `200 []`, which ends pages, lists and polls.
const CALM_AFTER: usize = 50;
/// A call that still sends after this many is a loop that never ends: reported as a failure.
const RUNAWAY: usize = 3_000;

struct Exchange {
    request: Outgoing,
    /// The status answered, or `None` for a failure.
    status: Option<u16>,
    /// A 2xx answer whose body is an empty list (or empty): a list that legitimately produced nothing.
    empty_success: bool,
}

struct FuzzHost {
    rng: RefCell<Rng>,
    clock: Cell<u64>,
    log: RefCell<Vec<Exchange>>,
}

impl FuzzHost {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let clock = *rng.pick(&[0, 1, 1_000_000, 1_700_000_000_000, u64::MAX / 2, u64::MAX - 1000]);
        FuzzHost { rng: RefCell::new(rng), clock: Cell::new(clock), log: RefCell::default() }
    }

    fn answer(&self, request: &Outgoing) -> Result<Response, Failure> {
        let rng = &mut *self.rng.borrow_mut();
        if rng.chance(2) || rng.rarely_wild(20) {
            let causes = [
                Cause::Refused,
                Cause::Dns,
                Cause::Unreachable,
                Cause::Tls,
                Cause::BadUrl,
                Cause::Timeout,
                Cause::Reset,
                Cause::TooLarge,
                Cause::Network,
            ];
            return Err(Failure::new(*rng.pick(&causes), short_text(rng)));
        }
        // A calm vendor mostly succeeds, with now and then a rate limit, an outage or a redirect.
        let calm = [200, 200, 200, 200, 200, 200, 200, 201, 204, 429, 503, 302, 307, 404, 500];
        let any = [
            200, 201, 204, 206, 299, 0, 1, 100, 101, 199, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 409,
            422, 429, 500, 502, 503, 504, 599, 600, 999, 65535,
        ];
        let status = if rng.wild() { *rng.pick(&any) } else { *rng.pick(&calm) };
        let mut headers = Vec::new();
        let redirect = (300..400).contains(&status);
        if (redirect && rng.chance(85)) || rng.chance(3) {
            headers.push(("location".to_string(), location(rng, &request.url)));
        }
        if (matches!(status, 429 | 503) && rng.chance(70)) || rng.chance(3) {
            headers.push(("retry-after".to_string(), retry_after(rng)));
        }
        if rng.chance(20) {
            headers.push(("date".to_string(), retry_after(rng)));
        }
        if rng.chance(30) {
            let total = match rng.below(4) {
                0 => text(rng),
                1 => rng.pick(NUMERIC).to_string(),
                _ => rng.range(0, 200).to_string(),
            };
            headers.push(("x-pagination-totalcount".to_string(), total));
        }
        if rng.chance(30) {
            let kinds = ["application/json", "application/pdf", "text/csv; charset=utf-8", "", ";", "image/png"];
            let kind = if rng.chance(80) { rng.pick(&kinds).to_string() } else { text(rng) };
            headers.push(("content-type".to_string(), kind));
        }
        if rng.chance(15) {
            let names = ["../../etc/passwd", "..", ".", "a\\b.pdf", "\"quoted\".txt", "", "/", "r\u{202E}fdp.exe"];
            let name = if rng.chance(60) { rng.pick(&names).to_string() } else { text(rng) };
            let disposition = match rng.below(3) {
                0 => format!("attachment; filename=\"{name}\""),
                1 => format!("attachment; filename={name}; filename*=UTF-8''x"),
                _ => text(rng),
            };
            headers.push(("content-disposition".to_string(), disposition));
        }
        if rng.chance(10) {
            let name = if rng.chance(50) { "Location".to_string() } else { short_text(rng) };
            headers.push((name, short_text(rng)));
        }
        Ok(Response { status, headers, body: body(rng, request) })
    }
}

/// A redirect target: same origin, relative, foreign, itself, another scheme or port, or garbage.
fn location(rng: &mut Rng, from: &str) -> String {
    let origin = url::strip_to_origin(from);
    match rng.below(11) {
        0 | 1 => format!("{origin}/moved/{}", rng.below(100)),
        2 => rng.pick(&["/v2/elsewhere", "relative", "../../up", "?page=2", "#frag", "./", "..", "/"]).to_string(),
        3 => rng
            .pick(&[
                "//evil.example/steal",
                "https://evil.example/steal",
                "http://127.0.0.1:1/",
                "https://user:pw@evil.example",
            ])
            .to_string(),
        4 => from.to_string(),
        5 => text(rng),
        6 => rng
            .pick(&["javascript:alert(1)", "file:///etc/passwd", "data:,x", "HTTP://UPPER.example/x", "http:evil"])
            .to_string(),
        7 => match origin.split_once("://") {
            Some(("https", rest)) => format!("http://{rest}/x"),
            Some((_, rest)) => format!("https://{rest}/x"),
            None => origin.to_string(),
        },
        8 => format!("{origin}:{}/x", rng.pick(&[0, 1, 80, 443, 65535, 65536])),
        9 => rng.pick(&["", "   ", "\t", "\r\n"]).to_string(),
        _ => format!(
            "{origin}{}",
            rng.pick(&["\\evil.example", "@evil.example", ".evil.example", "%2f%2fevil", "\u{0}"])
        ),
    }
}

#[rustfmt::skip]
const RETRY_AFTER: &[&str] = &[
    "0", "1", "2", "30", "601", "-1", "1.5", "", " 3 ", "18446744073709551615", "99999999999999999999999",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Mon, 32 Foo 2024 25:61:61 GMT",
    "Wed, 29 Feb 2023 00:00:00 GMT", "Tue, 19 Jan 2038 03:14:07 GMT", "Sat, 01 Jan 2000 00:00:00 GMT",
];

/// A `Retry-After` (or `Date`) value: seconds, HTTP-dates of every format and era, or garbage.
fn retry_after(rng: &mut Rng) -> String {
    if rng.chance(80) {
        rng.pick(RETRY_AFTER).to_string()
    } else {
        text(rng)
    }
}

/// A body: JSON of random shape, lists of plausible entries, the vendors' own shapes, an echo of the
/// request (credentials included, to test redaction), invalid JSON, raw bytes, nothing, or a lot.
fn body(rng: &mut Rng, request: &Outgoing) -> Vec<u8> {
    let entry = |rng: &mut Rng| {
        json!({ "id": uuid(rng), "name": text(rng), "articleId": realistic(rng), "customerId": uuid(rng),
                "description": short_text(rng), "shortId": "p-1", "Code": 0 })
    };
    let value = match rng.below(14) {
        0 | 1 => any_json(rng, 4),
        2..=4 => {
            let len = if rng.chance(5) { rng.below(2000) } else { rng.below(8) };
            Value::Array((0..len).map(|_| entry(rng)).collect())
        }
        5 => {
            let state = *rng.pick(&["packed", "pending", "packing", "need_human", "has_packing_errors", "odd"]);
            let status = if rng.chance(80) { json!(200) } else { number(rng) };
            let mut envelope = json!({ "status": status, "status_message": "OK", "info": {},
                "data": { "order": { "order_hash": format!("{:x}", rng.next()), "state": state,
                    "admin_user_access_token": short_text(rng), "packing_errors": any_json(rng, 1) } } });
            if rng.chance(20) {
                mutate(rng, &mut envelope);
            }
            envelope
        }
        6 => {
            let code = if rng.chance(70) { json!(0) } else { number(rng) };
            let mut answer = json!({ "Code": code, "Message": text(rng), "Result": any_json(rng, 2) });
            if rng.chance(20) {
                mutate(rng, &mut answer);
            }
            answer
        }
        7 => {
            let auth: Vec<&String> = request.auth.iter().flat_map(|a| a.headers.iter().map(|(_, v)| v)).collect();
            json!({ "message": format!("echo {auth:?}"), "url": request.url, "auth": auth,
                    "headers": format!("{:?}", request.headers), "type": "Echo" })
        }
        8 => return text(rng).into_bytes(),
        9 => {
            let valid = any_json(rng, 3).to_string();
            return valid.get(..char_boundary(&valid, rng.below(valid.len() + 1))).unwrap_or("").as_bytes().to_vec();
        }
        10 => {
            let len = if rng.chance(5) { rng.below(100_000) } else { rng.below(300) };
            return (0..len).map(|_| rng.next() as u8).collect();
        }
        11 => return rng.pick(&[&b""[..], b"  \r\n", b"null", b"[]", b"\xEF\xBB\xBF[]"]).to_vec(),
        12 => Value::Null,
        _ => json!({ "type": "ValidationError", "message": text(rng),
                     "validationErrors": [{ "path": short_text(rng), "message": short_text(rng) }, any_json(rng, 1)] }),
    };
    value.to_string().into_bytes()
}

impl Host for FuzzHost {
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, Failure>> {
        let sent = self.log.borrow().len();
        assert!(sent < RUNAWAY, "runaway: more than {RUNAWAY} requests in one call, the last to {}", request.url);
        let answer = if sent >= CALM_AFTER {
            Ok(Response { status: 200, headers: vec![], body: b"[]".to_vec() })
        } else {
            self.answer(&request)
        };
        // Answers take time, so deadlines pass during requests too.
        let took = self.rng.borrow_mut().range(0, 2000);
        self.clock.set(self.clock.get().saturating_add(took));
        let (status, empty_success) = match &answer {
            Ok(response) => {
                let empty = match response.json() {
                    Ok(Value::Null) => true,
                    Ok(Value::Array(items)) => items.is_empty(),
                    _ => false,
                };
                (Some(response.status), response.is_success() && empty)
            }
            Err(_) => (None, false),
        };
        trace(|| format!("{} {} -> {status:?}", request.method.as_str(), request.url));
        self.log.borrow_mut().push(Exchange { request, status, empty_success });
        Box::pin(async move { answer })
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()> {
        self.clock.set(self.clock.get().saturating_add(ms));
        Box::pin(async {})
    }

    fn now_ms(&self) -> u64 {
        self.clock.get()
    }

    fn binary(&self, item: usize, property: &str) -> LocalFuture<'_, Result<File, String>> {
        let rng = &mut *self.rng.borrow_mut();
        let answer = if rng.chance(30) {
            Err(short_text(rng))
        } else {
            let size = if rng.chance(5) { 100_000 } else { rng.below(300) };
            Ok(File {
                data: (0..size).map(|_| rng.next() as u8).collect(),
                mime_type: if rng.chance(70) { "image/png".into() } else { short_text(rng) },
                file_name: if rng.chance(70) { format!("{property}-{item}.png") } else { short_text(rng) },
            })
        };
        Box::pin(async move { answer })
    }
}

// ---------------------------------------------------------------------------------------------------
// Invariants beyond "no panic".

/// What every call's requests must respect: a positive timeout; a credential only to the origin the
/// call started at (or, for a base URL with no parsable origin, only under that base: such a URL can
/// never be redirected); and no request that is not safe to repeat sent twice unless the answer before
/// the repeat refused it unprocessed (429) or asked for it again elsewhere (307/308).
fn check_log(log: &[Exchange], base: Option<&str>, single_item: bool) -> Result<(), String> {
    let Some(first) = log.first() else { return Ok(()) };
    let under_base = |url: &str| base.is_some_and(|base| url.starts_with(&format!("{base}/")));
    for (at, exchange) in log.iter().enumerate() {
        let request = &exchange.request;
        if request.timeout_ms == 0 {
            return Err(format!("request {at} has timeout_ms 0"));
        }
        if request.auth.is_some() && !url::same_origin(&first.request.url, &request.url) && !under_base(&request.url) {
            return Err(format!(
                "request {at} carries the credential to {} after starting at {}",
                request.url, first.request.url
            ));
        }
        // Items of one call may send identical requests each; only single-item calls are checked.
        if single_item && !request.method.is_idempotent() && at > 0 {
            let repeated = log[..at].iter().any(|e| same_request(&e.request, request));
            let allowed = matches!(log[at - 1].status, Some(429 | 307 | 308));
            if repeated && !allowed {
                return Err(format!(
                    "request {at} repeats {} {} after answer {:?}",
                    request.method.as_str(),
                    request.url,
                    log[at - 1].status
                ));
            }
        }
    }
    Ok(())
}

fn same_request(a: &Outgoing, b: &Outgoing) -> bool {
    a.method == b.method && a.url == b.url && a.body == b.body
}

/// The base URL a call sends under, as the runtime picks it (`run::base_url`): the request's, else the
/// credential's, else the node's; `None` when there is none to send under.
fn expected_base(
    registry: &Registry,
    node: &str,
    credentials: Option<&Map<String, Value>>,
    given: Option<&str>,
) -> Option<String> {
    let node = registry.node(node)?;
    let credential = node.credential.and_then(|c| registry.credential(c));
    let from_credential = || credential.zip(credentials).and_then(|(c, values)| c.base_url(values));
    let given = given.map(str::trim).filter(|s| !s.is_empty());
    let url = given.or_else(from_credential).or(node.default_base_url)?;
    Some(url.trim_end_matches('/').to_string())
}

/// Secrets of the call's credential that must appear nowhere in what it returns.
fn secrets(registry: &Registry, node: &str, credentials: Option<&Map<String, Value>>) -> Vec<String> {
    let credential = registry.node(node).and_then(|n| n.credential).and_then(|c| registry.credential(c));
    let (Some(credential), Some(values)) = (credential, credentials) else { return Vec::new() };
    // Short ones may be ordinary words the runtime itself writes; ones holding a bracket could be made
    // by redaction itself, from the mask `[redacted]` and the text around it.
    let mut secrets = credential.secrets(values);
    secrets.retain(|s| s.len() >= 8 && !s.contains(['[', ']']) && !"[redacted]".contains(s.as_str()));
    secrets
}

fn leaks(value: &Value, secrets: &[String]) -> Option<String> {
    let hit = |text: &str| secrets.iter().find(|s| text.contains(s.as_str())).cloned();
    match value {
        Value::String(text) => hit(text),
        Value::Array(items) => items.iter().find_map(|v| leaks(v, secrets)),
        Value::Object(map) => map.iter().find_map(|(k, v)| hit(k).or_else(|| leaks(v, secrets))),
        _ => None,
    }
}

fn check_result(
    result: &ExecuteResult,
    items_in: usize,
    continue_on_fail: bool,
    node_exists: bool,
    log: &[Exchange],
    secrets: &[String],
) -> Result<(), String> {
    // The wasm export serializes with `expect`: that must hold for every result.
    let json = serde_json::to_value(result).map_err(|e| format!("the result does not serialize: {e}"))?;
    if let Some(secret) = leaks(&json, secrets) {
        return Err(format!("the result shows the secret {secret:?}"));
    }
    if result.error.is_some() && !result.items.is_empty() {
        return Err("an error and output items together".into());
    }
    // An item may legitimately give nothing: a list the vendor answered empty.
    let some_list_was_empty = log.iter().any(|e| e.empty_success);
    if result.error.is_none() && result.items.is_empty() && items_in > 0 && !some_list_was_empty {
        return Err("neither an error nor output items".into());
    }
    let mut previous = 0;
    for (at, item) in result.items.iter().enumerate() {
        let paired = item.paired_item.item;
        if paired >= items_in {
            return Err(format!("output {at} is paired with item {paired} of {items_in}"));
        }
        if paired < previous {
            return Err(format!("output {at} (item {paired}) comes after an output of item {previous}"));
        }
        previous = paired;
        if !item.json.value().is_object() {
            return Err(format!("output {at} is not an object: {}", snippet(&item.json.value().to_string())));
        }
    }
    let files: Vec<_> = result.items.iter().filter_map(|i| i.binary.as_ref()).collect();
    for (at, file) in files.iter().enumerate() {
        if file.file != at || file.file_size != file.data.len() {
            return Err(format!(
                "file {at} is numbered {} with size {} of {}",
                file.file,
                file.file_size,
                file.data.len()
            ));
        }
    }
    if continue_on_fail && node_exists {
        match &result.error {
            // Only what fails the whole call (the session: node, credential) may end it.
            Some(error) if error.item_index.is_some() => {
                return Err(format!(
                    "continueOnFail, yet item {:?} failed the call: {}",
                    error.item_index, error.message
                ));
            }
            Some(_) => {}
            None if !some_list_was_empty => {
                let covered: HashSet<usize> = result.items.iter().map(|i| i.paired_item.item).collect();
                if let Some(missing) = (0..items_in).find(|i| !covered.contains(i)) {
                    return Err(format!("continueOnFail, yet item {missing} has no output"));
                }
            }
            None => {}
        }
    }
    Ok(())
}

fn check_search(result: &SearchResult, log: &[Exchange], base: Option<&str>, secrets: &[String]) -> Result<(), String> {
    serde_json::to_value(result).map_err(|e| format!("the result does not serialize: {e}"))?;
    // Entries' values and links are the vendor's ids, kept as they came; names and errors are redacted.
    let names = result.results.iter().map(|e| Value::String(e.name.clone())).collect();
    let error = result.error.as_ref().map(serde_json::to_value).transpose().map_err(|e| e.to_string())?;
    if let Some(secret) = leaks(&json!([Value::Array(names), error]), secrets) {
        return Err(format!("the result shows the secret {secret:?}"));
    }
    if result.error.is_some() && (!result.results.is_empty() || result.pagination_token.is_some()) {
        return Err("an error and results together".into());
    }
    if let Some(token) = &result.pagination_token {
        token.parse::<u64>().map_err(|_| format!("the next page token {token:?} is not an offset"))?;
    }
    // One request, retried at most 3 times (the default policy), each attempt following at most 5 redirects.
    let most = (1 + 3) * (1 + crate::transport::MAX_REDIRECTS);
    if log.len() > most {
        return Err(format!("one page took {} requests", log.len()));
    }
    check_log(log, base, true)
}

/// Runs one execute request (JSON) as the wasm export does, with a scripted host, and checks it.
fn run_execute(registry: &Registry, request: Value, host_seed: u64) -> Result<(), String> {
    let Ok(request) = ExecuteRequest::from_json(request) else { return Ok(()) };
    let items_in = request.items.len();
    let continue_on_fail = request.continue_on_fail;
    let node_exists = registry.node(&request.node).is_some();
    let base = expected_base(registry, &request.node, request.credentials.as_ref(), request.base_url.as_deref());
    let secrets = secrets(registry, &request.node, request.credentials.as_ref());
    let host = FuzzHost::new(host_seed);
    let result = block_on(crate::engine::execute(registry, request, &host));
    let log = host.log.borrow();
    check_log(&log, base.as_deref(), items_in == 1)?;
    check_result(&result, items_in, continue_on_fail, node_exists, &log, &secrets)
}

/// Runs one search request (JSON) as the wasm export does, with a scripted host, and checks it.
fn run_search(registry: &Registry, request: Value, host_seed: u64) -> Result<(), String> {
    let Ok(request) = SearchRequest::from_json(request) else { return Ok(()) };
    let secrets = secrets(registry, &request.node, request.credentials.as_ref());
    let base = expected_base(registry, &request.node, request.credentials.as_ref(), request.base_url.as_deref());
    let host = FuzzHost::new(host_seed);
    let result = block_on(crate::picker::search(registry, request, &host));
    let log = host.log.borrow();
    check_search(&result, &log, base.as_deref(), &secrets)
}

// ---------------------------------------------------------------------------------------------------
// The driver: bounded loops, panics caught and collected, failures printed with how to replay them.

struct Bounds {
    seed: u64,
    /// Only this case, to replay one that failed.
    only: Option<u64>,
    cases: u64,
    time: Duration,
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn bounds() -> Bounds {
    let seconds = std::env::var("FUZZ_SECONDS").ok().and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| *s > 0.0);
    // A longer run looks somewhere new each time, unless told where.
    let fresh = seconds
        .is_some()
        .then(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
    let seconds = seconds.unwrap_or(DEFAULT_SECONDS);
    Bounds {
        seed: env_number("FUZZ_SEED").or(fresh).unwrap_or(0x5EED_2024),
        only: env_number("FUZZ_CASE"),
        cases: (seconds * CASES_PER_SECOND) as u64,
        time: Duration::from_secs_f64(seconds),
    }
}

/// Each test's share of the default run.
const DEFAULT_SECONDS: f64 = 4.0;
/// The case bound, per second of the time bound. Above what a test manages on a 2-core machine
/// (1,200–2,300 cases a second), so the time bound usually ends a run; this one keeps a very fast
/// machine from running long.
const CASES_PER_SECOND: f64 = 5_000.0;

thread_local! {
    /// Set while this thread runs fuzz cases: its panics are recorded instead of printed.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The case's requests, for the failure report.
    static TRACE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn trace(line: impl FnOnce() -> String) {
    TRACE.with(|t| {
        let mut t = t.borrow_mut();
        if t.len() < 12 {
            t.push(snippet(&line()));
        }
    });
}

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// The hook that was there before the first fuzz loop, and how many loops are running (tests run in
/// parallel: the first installs the quiet hook, the last puts the old one back).
static HOOK: Mutex<(usize, Option<Arc<Hook>>)> = Mutex::new((0, None));

/// Keeps panics of fuzz threads quiet (recording them) and passes every other thread's to the old hook.
struct QuietPanics;

impl QuietPanics {
    fn install() -> Self {
        let mut hook = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        if hook.0 == 0 {
            let previous: Arc<Hook> = Arc::new(panic::take_hook());
            hook.1 = Some(previous.clone());
            panic::set_hook(Box::new(move |info| {
                if CATCHING.with(Cell::get) {
                    LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
                } else {
                    previous(info);
                }
            }));
        }
        hook.0 += 1;
        CATCHING.with(|c| c.set(true));
        QuietPanics
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        CATCHING.with(|c| c.set(false));
        let mut hook = HOOK.lock().unwrap_or_else(|e| e.into_inner());
        hook.0 -= 1;
        if hook.0 == 0 {
            if let Some(previous) = hook.1.take() {
                let _ours = panic::take_hook();
                panic::set_hook(Box::new(move |info| previous(info)));
            }
        }
    }
}

fn snippet(text: &str) -> String {
    const MAX: usize = 400;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

/// Runs cases until either bound is reached. `case` gets its own PRNG and returns what it ran (for the
/// report, made only on failure) and whether its invariants held; a panic anywhere in it is a failure.
fn fuzz(name: &str, case: impl Fn(&mut Rng, &mut String) -> Result<(), String>) {
    let bounds = bounds();
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let (mut ran, mut failed) = (0u64, 0u64);
    // The slowest case, so one that takes long (a loop that barely ends) shows in the summary.
    let mut slowest = (Duration::ZERO, 0u64);
    {
        let _quiet = QuietPanics::install();
        let cases: Box<dyn Iterator<Item = u64>> = match bounds.only {
            Some(only) => Box::new(std::iter::once(only)),
            None => Box::new(0..bounds.cases),
        };
        for number in cases {
            if started.elapsed() >= bounds.time {
                break;
            }
            ran += 1;
            TRACE.with(|t| t.borrow_mut().clear());
            let mut rng = Rng::new(case_seed(bounds.seed, number));
            let mut input = String::new();
            let case_started = Instant::now();
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| case(&mut rng, &mut input)));
            slowest = slowest.max((case_started.elapsed(), number));
            let problem = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(violation)) => format!("invariant: {violation}"),
                Err(_) => format!("PANIC {}", LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default()),
            };
            failed += 1;
            if failures.len() < 5 {
                let requests = TRACE.with(|t| t.borrow().join("\n      "));
                failures.push(format!(
                    "{name}: FUZZ_SEED={} FUZZ_CASE={number}\n  {problem}\n  input: {}\n  requests:\n      {requests}",
                    bounds.seed,
                    snippet(&input)
                ));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {name}: {ran} cases in {elapsed:.1} s ({:.0}/s), seed {}, {failed} failed; slowest: case {} ({} ms)",
        ran as f64 / elapsed.max(1e-9),
        bounds.seed,
        slowest.1,
        slowest.0.as_millis(),
    );
    assert!(failed == 0, "{failed} of {ran} cases failed; the first:\n\n{}", failures.join("\n\n"));
}

#[test]
fn fuzz_execute_never_panics() {
    let registry = crate::nodes::registry();
    fuzz("execute", |rng, input| {
        let request = execute_request(rng, &registry);
        *input = request.to_string();
        run_execute(&registry, request, rng.next())
    });
}

#[test]
fn fuzz_search_never_panics() {
    let registry = crate::nodes::registry();
    fuzz("search", |rng, input| {
        let request = search_request(rng, &registry);
        *input = request.to_string();
        run_search(&registry, request, rng.next())
    });
}

/// The text path of the wasm exports: JSON text from JavaScript, parsed and read as `execute` and
/// `credentialHeaders` do (lone surrogates marked first) and as `search` does (parsed as it is).
#[test]
fn fuzz_json_text_never_panics() {
    let registry = crate::nodes::registry();
    fuzz("json text", |rng, input| {
        let original = match rng.below(10) {
            0 => text(rng),
            1 => search_request(rng, &registry).to_string(),
            2 => {
                let node = registry.nodes[rng.below(registry.nodes.len())].name;
                credentials(rng, &registry, Some(node)).to_string()
            }
            _ => execute_request(rng, &registry).to_string(),
        };
        let raw = if rng.chance(85) { mutate_text(rng, &original) } else { original };
        *input = raw.clone();
        let marked = crate::unicode::mark_lone_surrogates(&raw);
        let parsed = serde_json::from_str::<Value>(&marked);
        // Marking exists so that broken text still parses: a parse error about surrogates means one slipped by.
        if let Err(error) = &parsed {
            if missed_surrogate(&marked, error) {
                return Err(format!("marked text still has a lone surrogate: {error}"));
            }
        }
        // Text the JSON parser takes as it is has no lone surrogate, so marking must leave it alone.
        if serde_json::from_str::<Value>(&raw).is_ok() && marked != raw.as_str() {
            return Err("marking changed JSON that parsed as it was".into());
        }
        if let Ok(unmarked) = serde_json::from_str::<Value>(&raw) {
            run_search(&registry, unmarked, rng.next())?;
        }
        let Ok(value) = parsed else { return Ok(()) };
        let credential = registry.credentials[rng.below(registry.credentials.len())].name;
        if let Value::Object(values) = &value {
            credential_headers(&registry, credential, values)?;
        }
        run_execute(&registry, value, rng.next())
    });
}

/// Whether `text` failed to parse for a lone surrogate: serde_json names a lone low one, and reports a
/// lone high one as the end of a hex escape just after it (as it does a short escape such as `\u12`,
/// hence the look back for the high surrogate).
fn missed_surrogate(text: &str, error: &serde_json::Error) -> bool {
    let message = error.to_string();
    if message.contains("surrogate") {
        return true;
    }
    if !message.starts_with("unexpected end of hex escape") {
        return false;
    }
    let line = text.split('\n').nth(error.line().saturating_sub(1)).unwrap_or("").as_bytes();
    let end = error.column().min(line.len());
    let high = |w: &[u8]| w[0] == b'\\' && w[1] == b'u' && (w[2] | 0x20) == b'd' && b"89ab".contains(&(w[3] | 0x20));
    line[end.saturating_sub(14)..end].windows(4).any(high)
}

/// What `wasm::credential_headers` does with its values: headers that are sendable, or an error.
fn credential_headers(registry: &Registry, credential: &str, values: &Map<String, Value>) -> Result<(), String> {
    let Some(credential) = registry.credential(credential) else { return Ok(()) };
    let Ok(headers) = credential.checked_headers(values) else { return Ok(()) };
    for (name, value) in &headers {
        if !crate::http::is_header_name(name) || crate::http::header_problem(value).is_some() {
            return Err(format!("credential {} gave an unsendable header {name:?}: {value:?}", credential.name));
        }
    }
    Ok(())
}

/// The checks above must catch what they are for, or a clean fuzz run would mean nothing.
#[test]
fn fuzz_checks_catch_what_they_are_for() {
    use crate::http::Method::{Get, Post};
    let auth = crate::host::Auth { credential_type: "demoApi".into(), headers: vec![("x-token".into(), "t".into())] };
    let exchange = |method, url: &str, status| Exchange {
        request: Outgoing {
            method,
            url: url.into(),
            headers: vec![],
            body: Some(b"{}".to_vec()),
            auth: Some(auth.clone()),
            timeout_ms: 1000,
            max_response_bytes: 1000,
        },
        status,
        empty_success: false,
    };
    let base = Some("https://api.test");
    let post = |status| exchange(Post, "https://api.test/orders", status);
    assert!(check_log(&[post(Some(429)), post(Some(201))], base, true).is_ok());
    assert!(check_log(&[post(Some(503)), post(Some(201))], base, true).is_err());
    assert!(check_log(&[post(None), post(Some(201))], base, true).is_err());
    assert!(check_log(&[post(Some(503)), post(Some(201))], base, false).is_ok(), "two items may each send it");
    let get = |status| exchange(Get, "https://api.test/x", status);
    assert!(check_log(&[get(Some(503)), get(Some(200))], base, true).is_ok());
    let foreign = exchange(Get, "https://evil.test/x", Some(200));
    assert!(check_log(&[get(Some(302)), foreign], base, true).is_err());
    let mut timeless = get(Some(200));
    timeless.request.timeout_ms = 0;
    assert!(check_log(&[timeless], base, true).is_err());

    let parse_error = |text: &str| serde_json::from_str::<Value>(text).err().unwrap_or_else(|| panic!("{text} parses"));
    for lone in [r#"["\ud800x"]"#, r#""\udc00""#, "{\"a\":\n\"b\\uDBFF\\n\"}", r#""\ud800\u0041""#] {
        assert!(missed_surrogate(lone, &parse_error(lone)), "{lone}");
    }
    for other in [r#""\u12x""#, r#""\uFDD0\u12""#, r#"{"a":"#] {
        assert!(!missed_surrogate(other, &parse_error(other)), "{other}");
    }

    let output =
        |item| boundary::ItemOut { json: json!({}).into(), binary: None, paired_item: boundary::PairedItem { item } };
    let result = |items| ExecuteResult { items, error: None };
    assert!(check_result(&result(vec![output(0), output(1)]), 2, true, true, &[], &[]).is_ok());
    assert!(check_result(&result(vec![output(0)]), 2, true, true, &[], &[]).is_err(), "item 1 lost");
    assert!(check_result(&result(vec![output(2)]), 2, false, true, &[], &[]).is_err(), "paired with no item");
    assert!(check_result(&result(vec![]), 1, false, true, &[], &[]).is_err(), "neither error nor output");
    let leaky = ExecuteResult {
        items: vec![boundary::ItemOut { json: json!({ "a": "x sekret-token" }).into(), ..output(0) }],
        error: None,
    };
    assert!(check_result(&leaky, 1, false, true, &[], &["sekret-token".into()]).is_err());
}

/// What the fuzzer found, as plain cases, so each stays fixed however the generators change.
#[test]
fn fuzz_findings_stay_fixed() {
    let registry = crate::nodes::registry();
    // A date-time field cut its text at byte 10 without looking for a character boundary.
    let request = json!({ "node": "mittwald", "credentials": { "apiToken": "t0ken-1234" }, "items": [{ "parameters": {
        "resource": "Backup", "operation": "backup-create-project-backup",
        "projectId": "7f9a3c1e-5b2d-4a60-8c1e-5b2d4a607f9a", "expirationTime": "2026-01-3😀T12:00:00Z" } }] });
    let host = crate::testing::MockHost::new(vec![]);
    let result = block_on(crate::engine::execute(
        &registry,
        ExecuteRequest::from_json(request).unwrap_or_else(|e| panic!("{e}")),
        &host,
    ));
    let message = result.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("must be a date-time"), "{message}");
}
