//! Marks lone UTF-16 surrogate escapes in JSON text from JavaScript, which `serde_json` refuses without naming a field,
//! so the JSON can be parsed and the parameter holding the broken text named afterwards.

use std::borrow::Cow;

/// Stands in for a lone surrogate: a Unicode noncharacter, so it never turns up in real text.
pub const LONE_SURROGATE: char = '\u{FDD0}';

const MARK_ESCAPE: &str = "\\uFDD0";

/// The value of the `\uXXXX` escape starting at `at` (the backslash), if the four hex digits are all there.
fn escape_at(bytes: &[u8], at: usize) -> Option<u16> {
    if bytes.get(at) != Some(&b'\\') || bytes.get(at.checked_add(1)?) != Some(&b'u') {
        return None;
    }
    let digits = bytes.get(at.checked_add(2)?..at.checked_add(6)?)?;
    digits.iter().try_fold(0u16, |value, &b| {
        let digit = char::from(b).to_digit(16)?;
        value.checked_mul(16)?.checked_add(u16::try_from(digit).ok()?)
    })
}

/// Replaces each `\uXXXX` escape of a lone or out-of-order UTF-16 surrogate inside JSON string literals with
/// `\uFDD0` ([`LONE_SURROGATE`]); correctly ordered high+low pairs and everything else are left alone.
///
/// Borrows when nothing needed marking. Malformed JSON comes back with at most its surrogates marked, for the JSON
/// parser to report. Text that already holds U+FDD0 will look marked too; real text never does.
pub fn mark_lone_surrogates(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut marked: Option<String> = None;
    // Everything before `copied` is already in `marked`.
    let mut copied = 0usize;
    let mut in_string = false;
    let mut at = 0usize;
    while let Some(&byte) = bytes.get(at) {
        if !in_string {
            in_string = byte == b'"';
            at = at.saturating_add(1);
            continue;
        }
        match byte {
            b'"' => {
                in_string = false;
                at = at.saturating_add(1);
            }
            b'\\' => match escape_at(bytes, at) {
                Some(0xD800..=0xDBFF) if matches!(escape_at(bytes, at.saturating_add(6)), Some(0xDC00..=0xDFFF)) => {
                    at = at.saturating_add(12);
                }
                Some(0xD800..=0xDFFF) => {
                    let out = marked.get_or_insert_with(|| String::with_capacity(json.len()));
                    out.push_str(json.get(copied..at).unwrap_or(""));
                    out.push_str(MARK_ESCAPE);
                    at = at.saturating_add(6);
                    copied = at;
                }
                Some(_) => at = at.saturating_add(6),
                // Any other escape is two bytes; skipping both keeps `\\u` and `\"` from being misread.
                None => at = at.saturating_add(2),
            },
            _ => at = at.saturating_add(1),
        }
    }
    match marked {
        Some(mut out) => {
            out.push_str(json.get(copied..).unwrap_or(""));
            Cow::Owned(out)
        }
        None => Cow::Borrowed(json),
    }
}

/// Whether decoded text holds a surrogate that [`mark_lone_surrogates`] marked.
pub fn has_lone_surrogate(text: &str) -> bool {
    text.contains(LONE_SURROGATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(json: &str) -> String {
        mark_lone_surrogates(json).into_owned()
    }

    fn is_borrowed(json: &str) -> bool {
        matches!(mark_lone_surrogates(json), Cow::Borrowed(_))
    }

    #[test]
    fn lone_high() {
        assert_eq!(mark(r#""\ud800""#), r#""\uFDD0""#);
        assert_eq!(mark(r#"{"a":"x\udbffy"}"#), r#"{"a":"x\uFDD0y"}"#);
        assert_eq!(mark(r#""\ud800""#).len(), r#""\ud800""#.len());
    }

    #[test]
    fn lone_low() {
        assert_eq!(mark(r#""\udc00""#), r#""\uFDD0""#);
        assert_eq!(mark(r#""a\udfffb""#), r#""a\uFDD0b""#);
    }

    #[test]
    fn high_followed_by_non_low() {
        assert_eq!(mark(r#""\ud800\u0041""#), r#""\uFDD0\u0041""#);
        assert_eq!(mark(r#""\ud800x""#), r#""\uFDD0x""#);
        assert_eq!(mark(r#""\ud800\n""#), r#""\uFDD0\n""#);
        assert_eq!(mark(r#""\ud800""#), r#""\uFDD0""#);
    }

    #[test]
    fn reversed_pair() {
        assert_eq!(mark(r#""\udc00\ud800""#), r#""\uFDD0\uFDD0""#);
    }

    #[test]
    fn double_high_then_low() {
        assert_eq!(mark(r#""\ud800\ud800\udc00""#), r#""\uFDD0\ud800\udc00""#);
        assert_eq!(mark(r#""\ud83d\ude00\ude00""#), r#""\ud83d\ude00\uFDD0""#);
    }

    #[test]
    fn valid_pairs_are_borrowed() {
        assert!(is_borrowed(r#""\ud83d\ude00""#));
        assert!(is_borrowed(r#""\uD83D\uDE00""#));
        assert!(is_borrowed(r#""\uDBFF\uDFFF""#));
        assert!(is_borrowed(r#"{"a":"\u0041\u00e9\uFFFF","b":[1,2,{"c":"😀"}]}"#));
        assert!(is_borrowed(""));
        assert!(is_borrowed("plain"));
    }

    #[test]
    fn hex_case_is_ignored() {
        assert_eq!(mark(r#""\uD800""#), r#""\uFDD0""#);
        assert_eq!(mark(r#""\uDc00""#), r#""\uFDD0""#);
        assert!(is_borrowed(r#""\uD83d\uDe00""#));
    }

    #[test]
    fn escaped_backslash_is_not_an_escape() {
        assert!(is_borrowed(r#""\\ud800""#));
        assert!(is_borrowed(r#""\\\\ud800""#));
        assert_eq!(mark(r#""\\\ud800""#), r#""\\\uFDD0""#);
        assert!(is_borrowed(r#""\"\\ud800""#));
    }

    #[test]
    fn escaped_quote_keeps_string_open() {
        assert_eq!(mark(r#""a\"\ud800""#), r#""a\"\uFDD0""#);
        assert_eq!(mark(r#"["\\", "\ud800"]"#), r#"["\\", "\uFDD0"]"#);
    }

    #[test]
    fn outside_strings_untouched() {
        assert!(is_borrowed(r"\ud800"));
        assert!(is_borrowed(r#"{"a":1} \ud800"#));
        assert_eq!(mark(r#"\udc00 "\udc00" \udc00"#), r#"\udc00 "\uFDD0" \udc00"#);
    }

    #[test]
    fn keys_are_strings_too() {
        assert_eq!(mark(r#"{"\ud800":1}"#), r#"{"\uFDD0":1}"#);
    }

    #[test]
    fn non_ascii_around_escapes() {
        assert_eq!(mark("\"é\\ud800ü\""), "\"é\\uFDD0ü\"");
        assert_eq!(mark("\"日本\\udc00語\" \"😀\""), "\"日本\\uFDD0語\" \"😀\"");
    }

    #[test]
    fn truncated_and_malformed_do_not_panic() {
        for json in [
            "\"\\ud8",
            "\"\\u",
            "\"\\",
            "\"",
            "\"\\ud800",
            "\"\\ud800\\",
            "\"\\ud800\\u",
            "\"\\ud800\\udc",
            "\"\\uzzzz\"",
            "\"\\ud800\\uzzzz\"",
            "\"\\u\u{e9}\u{e9}\"",
            "\"\\u12\u{1F600}\"",
            "\\",
            "\"é\\",
        ] {
            let _ = mark_lone_surrogates(json);
        }
        assert_eq!(mark("\"\\ud8"), "\"\\ud8");
        assert_eq!(mark("\"\\ud800"), "\"\\uFDD0");
        assert_eq!(mark("\"\\ud800\\udc"), "\"\\uFDD0\\udc");
        assert!(is_borrowed("\"\\uzzzz\""));
    }

    #[test]
    fn mark_decodes_to_lone_surrogate() {
        let out = mark(r#""x\udc00""#);
        let escape = out.find("\\u").and_then(|at| out.get(at + 2..at + 6));
        let decoded = escape.and_then(|hex| u32::from_str_radix(hex, 16).ok()).and_then(char::from_u32);
        assert_eq!(decoded, Some(LONE_SURROGATE));
        assert!(has_lone_surrogate(&format!("x{LONE_SURROGATE}")));
    }

    #[test]
    fn has_lone_surrogate_checks() {
        assert!(has_lone_surrogate("\u{FDD0}"));
        assert!(has_lone_surrogate("abc\u{FDD0}def"));
        assert!(!has_lone_surrogate("abc"));
        assert!(!has_lone_surrogate(""));
        assert!(!has_lone_surrogate("\u{FDD1}\u{FFFD}"));
    }
}
