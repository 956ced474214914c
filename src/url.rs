//! Origins and redirect targets for outgoing requests, parsed by hand so the `url` crate stays out of the wasm module.
//! Only what redirects and same-origin checks need: http/https, RFC 3986 reference resolution.

use std::fmt;

/// The scheme, host and port that decide whether two URLs may share credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        f.write_str("://")?;
        f.write_str(&self.host)?;
        if default_port(&self.scheme) != Some(self.port) {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn is_web_scheme(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// Splits off an RFC 3986 scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` then `:`), if there is one.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut bytes = scheme.bytes();
    if !bytes.next()?.is_ascii_alphabetic() {
        return None;
    }
    if !bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) {
        return None;
    }
    Some((scheme, rest))
}

/// The components of a reference after its scheme: authority, path, query and fragment (RFC 3986 §3).
struct Parts<'a> {
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split_parts(text: &str) -> Parts<'_> {
    let (text, fragment) = match text.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (text, None),
    };
    let (text, query) = match text.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (text, None),
    };
    let (authority, path) = match text.strip_prefix("//") {
        Some(rest) => {
            let (authority, path) = rest.split_at_checked(rest.find('/').unwrap_or(rest.len())).unwrap_or((rest, ""));
            (Some(authority), path)
        }
        None => (None, text),
    };
    Parts { authority, path, query, fragment }
}

fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(inner_and_rest) = text.strip_prefix('[') {
        let (inner, after) = inner_and_rest.split_once(']')?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return None;
        }
        let host = text.get(..inner.len().checked_add(2)?)?;
        if after.is_empty() {
            return Some((host, None));
        }
        return Some((host, Some(after.strip_prefix(':')?)));
    }
    match text.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((text, None)),
    }
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut port: u16 = 0;
    for b in text.bytes() {
        port = port.checked_mul(10)?.checked_add(u16::from(b.saturating_sub(b'0')))?;
    }
    (port != 0).then_some(port)
}

/// The origin of an absolute `http`/`https` URL, or `None` for anything else.
///
/// Authorities that WHATWG parsers (browsers, the `url` crate) would read differently from RFC 3986 (backslashes,
/// whitespace, percent signs) are refused rather than guessed at, so a check here cannot be fooled into approving a
/// host the HTTP client then reads differently. An empty port (`http://h:/`) means the default port, as in RFC 3986.
pub fn origin(url: &str) -> Option<Origin> {
    let (scheme, rest) = split_scheme(url)?;
    if !is_web_scheme(scheme) {
        return None;
    }
    let authority = rest.strip_prefix("//")?.split(['/', '?', '#']).next().unwrap_or("");
    if authority.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'\\') {
        return None;
    }
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host_port)| host_port);
    let (host, port) = split_host_port(host_port)?;
    // A bracketed IPv6 literal was checked by split_host_port; elsewhere these are WHATWG forbidden host code points.
    let forbidden = |b: u8| matches!(b, b'[' | b']' | b'<' | b'>' | b'^' | b'|' | b'%' | b'"');
    if host.is_empty() || (!host.starts_with('[') && host.bytes().any(forbidden)) {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let port = match port {
        Some("") | None => default_port(&scheme)?,
        Some(port) => parse_port(port)?,
    };
    Some(Origin { scheme, host: host.to_ascii_lowercase(), port })
}

/// True when both URLs parse and share scheme, host and port; an unparsable URL is never the same origin.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (origin(a), origin(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// RFC 3986 §5.2.4, as a segment stack; `..` at the root stays at the root.
fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut segments = path.split('/');
    if absolute {
        segments.next();
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut ends_in_directory = false;
    for segment in segments {
        ends_in_directory = matches!(segment, "." | "..");
        match segment {
            "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    if absolute {
        out.push('/');
    }
    for (index, segment) in kept.iter().enumerate() {
        if index > 0 {
            out.push('/');
        }
        out.push_str(segment);
    }
    if ends_in_directory && !kept.is_empty() {
        out.push('/');
    }
    out
}

/// RFC 3986 §5.2.3: a relative path replaces the last segment of the base path.
fn merge(base_path: &str, relative: &str) -> String {
    let directory = match base_path.rfind('/') {
        Some(slash) => base_path.get(..slash.saturating_add(1)).unwrap_or("/"),
        None => "/",
    };
    let mut out = String::with_capacity(directory.len().saturating_add(relative.len()));
    out.push_str(directory);
    out.push_str(relative);
    out
}

/// The absolute URL a redirect's `Location` names, resolved against the absolute http(s) URL `base` (RFC 3986 §5).
///
/// `None` for an empty location, one holding ASCII control characters, a non-http(s) scheme (`javascript:`, `file:`,
/// `data:`), an unusable base, or a result without a valid origin (`//` alone, `///host`). Absolute http(s)
/// locations come back exactly as sent (after trimming); the base's fragment is never carried over.
pub fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() || location.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    if let Some((scheme, _)) = split_scheme(location) {
        return (is_web_scheme(scheme) && origin(location).is_some()).then(|| location.to_owned());
    }
    origin(base)?;
    let (base_scheme, base_rest) = split_scheme(base)?;
    let base = split_parts(base_rest);
    let base_authority = base.authority?;
    let reference = split_parts(location);
    let (authority, path, query) = match reference.authority {
        Some(authority) => (authority, remove_dot_segments(reference.path), reference.query),
        None if reference.path.is_empty() => (base_authority, base.path.to_owned(), reference.query.or(base.query)),
        None if reference.path.starts_with('/') => {
            (base_authority, remove_dot_segments(reference.path), reference.query)
        }
        None => (base_authority, remove_dot_segments(&merge(base.path, reference.path)), reference.query),
    };
    let mut out = String::with_capacity(base.path.len().saturating_add(location.len()).saturating_add(16));
    out.push_str(&base_scheme.to_ascii_lowercase());
    out.push_str("://");
    out.push_str(authority);
    out.push_str(&path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = reference.fragment {
        out.push('#');
        out.push_str(fragment);
    }
    origin(&out)?;
    Some(out)
}

/// The `scheme://authority` prefix of a URL, for error messages that must not echo a path or query string.
///
/// The whole input comes back when it has no `://`. Userinfo is kept (our callers never put credentials there).
pub fn strip_to_origin(url: &str) -> &str {
    let Some(separator) = url.find("://") else {
        return url;
    };
    let start = separator.saturating_add(3);
    let rest = url.get(start..).unwrap_or("");
    // A backslash also ends it: WHATWG parsers treat it as a path separator in http(s) URLs.
    let end = rest.find(['/', '?', '#', '\\']).map_or(url.len(), |offset| start.saturating_add(offset));
    url.get(..end).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)]
    fn o(scheme: &str, host: &str, port: u16) -> Option<Origin> {
        Some(Origin { scheme: scheme.to_owned(), host: host.to_owned(), port })
    }

    #[test]
    fn default_ports() {
        assert_eq!(origin("http://example.com"), o("http", "example.com", 80));
        assert_eq!(origin("https://example.com/a/b?c#d"), o("https", "example.com", 443));
        assert_eq!(origin("http://example.com:/x"), o("http", "example.com", 80));
    }

    #[test]
    fn explicit_ports() {
        assert_eq!(origin("http://example.com:8080/"), o("http", "example.com", 8080));
        assert_eq!(origin("https://example.com:443"), o("https", "example.com", 443));
        assert_eq!(origin("https://example.com:80"), o("https", "example.com", 80));
        assert_eq!(origin("http://h:65535"), o("http", "h", 65535));
        assert_eq!(origin("http://h:0080"), o("http", "h", 80));
    }

    #[test]
    fn stops_at_path_query_or_fragment() {
        assert_eq!(origin("http://h?x=1:2"), o("http", "h", 80));
        assert_eq!(origin("http://h#frag@evil"), o("http", "h", 80));
        assert_eq!(origin("http://h/p@evil.com"), o("http", "h", 80));
    }

    #[test]
    fn case_folding() {
        assert_eq!(origin("HTTPS://Example.COM:8443/Path"), o("https", "example.com", 8443));
        assert_eq!(origin("HtTp://EXAMPLE.com"), o("http", "example.com", 80));
        // Only ASCII is folded; non-ASCII hosts are kept as sent.
        assert_eq!(origin("http://ÉCOLE.fr"), o("http", "École.fr", 80));
    }

    #[test]
    fn ipv6() {
        assert_eq!(origin("http://[::1]:8080/x"), o("http", "[::1]", 8080));
        assert_eq!(origin("https://[2001:DB8::1]"), o("https", "[2001:db8::1]", 443));
        assert_eq!(origin("http://[::ffff:1.2.3.4]"), o("http", "[::ffff:1.2.3.4]", 80));
        assert_eq!(origin("http://[]/"), None);
        assert_eq!(origin("http://[::1/"), None);
        assert_eq!(origin("http://[::1]x/"), None);
        assert_eq!(origin("http://[::1]:0/"), None);
        assert_eq!(origin("http://[fe80::1%25eth0]/"), None);
        assert_eq!(origin("http://a[::1]/"), None);
    }

    #[test]
    fn userinfo_is_skipped() {
        assert_eq!(origin("https://user:pass@example.com/x"), o("https", "example.com", 443));
        assert_eq!(origin("http://user@example.com:81"), o("http", "example.com", 81));
        assert_eq!(origin("http://a@b@example.com"), o("http", "example.com", 80));
        assert_eq!(origin("http://user:pass@[::1]:9"), o("http", "[::1]", 9));
        assert_eq!(origin("http://user@/"), None);
    }

    #[test]
    fn bad_ports() {
        assert_eq!(origin("http://h:0"), None);
        assert_eq!(origin("http://h:99999"), None);
        assert_eq!(origin("http://h:65536"), None);
        assert_eq!(origin("http://h:8a"), None);
        assert_eq!(origin("http://h:-1"), None);
        assert_eq!(origin("http://h:+80"), None);
        assert_eq!(origin("http://h:1:2"), None);
        assert_eq!(origin("http://h:99999999999999999999999999"), None);
    }

    #[test]
    fn rejects_non_http_and_malformed() {
        assert_eq!(origin("ftp://example.com"), None);
        assert_eq!(origin("file:///etc/passwd"), None);
        assert_eq!(origin("javascript:alert(1)"), None);
        assert_eq!(origin("http:example.com"), None);
        assert_eq!(origin("http:/example.com"), None);
        assert_eq!(origin("//example.com"), None);
        assert_eq!(origin("example.com"), None);
        assert_eq!(origin("http://"), None);
        assert_eq!(origin("http:///path"), None);
        assert_eq!(origin("http://:80"), None);
        assert_eq!(origin(""), None);
        assert_eq!(origin(":"), None);
        assert_eq!(origin("http://a b.com"), None);
        assert_eq!(origin("http://a\tb.com"), None);
        assert_eq!(origin("http://evil.com\\@good.com/"), None);
        assert_eq!(origin("http://good%2ecom/"), None);
    }

    #[test]
    fn display() {
        assert_eq!(origin("http://example.com/x").map(|o| o.to_string()).as_deref(), Some("http://example.com"));
        assert_eq!(origin("https://example.com:443").map(|o| o.to_string()).as_deref(), Some("https://example.com"));
        assert_eq!(origin("https://example.com:80").map(|o| o.to_string()).as_deref(), Some("https://example.com:80"));
        assert_eq!(origin("HTTP://[::1]:8080/").map(|o| o.to_string()).as_deref(), Some("http://[::1]:8080"));
        assert_eq!(origin("http://[::1]").map(|o| o.to_string()).as_deref(), Some("http://[::1]"));
        let odd = Origin { scheme: "ws".to_owned(), host: "h".to_owned(), port: 80 };
        assert_eq!(odd.to_string(), "ws://h:80");
    }

    #[test]
    fn same_origin_checks() {
        assert!(same_origin("https://a.com/x", "HTTPS://A.com:443/y?z"));
        assert!(same_origin("http://u:p@a.com", "http://a.com:80"));
        assert!(!same_origin("http://a.com", "https://a.com"));
        assert!(!same_origin("http://a.com", "http://a.com:8080"));
        assert!(!same_origin("http://a.com", "http://b.com"));
        assert!(!same_origin("http://a.com", "http://a.com.evil.com"));
        assert!(!same_origin("bogus", "bogus"));
        assert!(!same_origin("http://a.com", ""));
    }

    const BASE: &str = "http://a.com/b/c/d;p?q#f";

    fn r(location: &str) -> Option<String> {
        resolve(BASE, location)
    }

    #[test]
    fn resolve_rfc3986_examples() {
        // RFC 3986 §5.4.1, with the base host changed.
        assert_eq!(r("g").as_deref(), Some("http://a.com/b/c/g"));
        assert_eq!(r("./g").as_deref(), Some("http://a.com/b/c/g"));
        assert_eq!(r("g/").as_deref(), Some("http://a.com/b/c/g/"));
        assert_eq!(r("/g").as_deref(), Some("http://a.com/g"));
        assert_eq!(r("//g").as_deref(), Some("http://g"));
        assert_eq!(r("?y").as_deref(), Some("http://a.com/b/c/d;p?y"));
        assert_eq!(r("g?y").as_deref(), Some("http://a.com/b/c/g?y"));
        assert_eq!(r("#s").as_deref(), Some("http://a.com/b/c/d;p?q#s"));
        assert_eq!(r("g#s").as_deref(), Some("http://a.com/b/c/g#s"));
        assert_eq!(r("g?y#s").as_deref(), Some("http://a.com/b/c/g?y#s"));
        assert_eq!(r(";x").as_deref(), Some("http://a.com/b/c/;x"));
        assert_eq!(r(".").as_deref(), Some("http://a.com/b/c/"));
        assert_eq!(r("./").as_deref(), Some("http://a.com/b/c/"));
        assert_eq!(r("..").as_deref(), Some("http://a.com/b/"));
        assert_eq!(r("../").as_deref(), Some("http://a.com/b/"));
        assert_eq!(r("../g").as_deref(), Some("http://a.com/b/g"));
        assert_eq!(r("../..").as_deref(), Some("http://a.com/"));
        assert_eq!(r("../../").as_deref(), Some("http://a.com/"));
        assert_eq!(r("../../g").as_deref(), Some("http://a.com/g"));
        // §5.4.2 abnormal examples.
        assert_eq!(r("../../../g").as_deref(), Some("http://a.com/g"));
        assert_eq!(r("../../../../g").as_deref(), Some("http://a.com/g"));
        assert_eq!(r("/./g").as_deref(), Some("http://a.com/g"));
        assert_eq!(r("/../g").as_deref(), Some("http://a.com/g"));
        assert_eq!(r("g.").as_deref(), Some("http://a.com/b/c/g."));
        assert_eq!(r(".g").as_deref(), Some("http://a.com/b/c/.g"));
        assert_eq!(r("g..").as_deref(), Some("http://a.com/b/c/g.."));
        assert_eq!(r("..g").as_deref(), Some("http://a.com/b/c/..g"));
        assert_eq!(r("./../g").as_deref(), Some("http://a.com/b/g"));
        assert_eq!(r("./g/.").as_deref(), Some("http://a.com/b/c/g/"));
        assert_eq!(r("g/./h").as_deref(), Some("http://a.com/b/c/g/h"));
        assert_eq!(r("g/../h").as_deref(), Some("http://a.com/b/c/h"));
        assert_eq!(r("g;x=1/./y").as_deref(), Some("http://a.com/b/c/g;x=1/y"));
        assert_eq!(r("g;x=1/../y").as_deref(), Some("http://a.com/b/c/y"));
        assert_eq!(r("g?y/./x").as_deref(), Some("http://a.com/b/c/g?y/./x"));
        assert_eq!(r("g#s/../x").as_deref(), Some("http://a.com/b/c/g#s/../x"));
    }

    #[test]
    fn resolve_absolute_path_replaces_path_and_query() {
        assert_eq!(resolve("https://a.com/x/y?old=1#f", "/new?q=2").as_deref(), Some("https://a.com/new?q=2"));
        assert_eq!(resolve("https://a.com:8443/x", "/y").as_deref(), Some("https://a.com:8443/y"));
        assert_eq!(resolve("https://u:p@a.com/x", "/y").as_deref(), Some("https://u:p@a.com/y"));
    }

    #[test]
    fn resolve_query_and_fragment_only() {
        assert_eq!(resolve("https://a.com/x/y?old#f", "?new").as_deref(), Some("https://a.com/x/y?new"));
        assert_eq!(resolve("https://a.com/x/y?old#f", "#g").as_deref(), Some("https://a.com/x/y?old#g"));
        assert_eq!(resolve("https://a.com/x/y#f", "#g").as_deref(), Some("https://a.com/x/y#g"));
        assert_eq!(resolve("https://a.com", "?q").as_deref(), Some("https://a.com?q"));
    }

    #[test]
    fn resolve_relative_against_directory() {
        assert_eq!(resolve("https://a.com/api/v1/items", "next").as_deref(), Some("https://a.com/api/v1/next"));
        assert_eq!(resolve("https://a.com/api/v1/", "next").as_deref(), Some("https://a.com/api/v1/next"));
        assert_eq!(resolve("https://a.com", "next").as_deref(), Some("https://a.com/next"));
        assert_eq!(resolve("https://a.com?x", "a/b").as_deref(), Some("https://a.com/a/b"));
        assert_eq!(resolve("https://a.com/api/v1/items", "../v2/items").as_deref(), Some("https://a.com/api/v2/items"));
    }

    #[test]
    fn resolve_dot_dot_never_climbs_above_root() {
        assert_eq!(resolve("https://a.com/x", "../../../../etc/passwd").as_deref(), Some("https://a.com/etc/passwd"));
        assert_eq!(resolve("https://a.com/", "..").as_deref(), Some("https://a.com/"));
        assert_eq!(resolve("https://a.com/", "/../..").as_deref(), Some("https://a.com/"));
        assert_eq!(resolve("https://a.com/a//b", "../../c").as_deref(), Some("https://a.com/c"));
        assert_eq!(resolve("https://a.com/a//b", "../c").as_deref(), Some("https://a.com/a/c"));
    }

    #[test]
    fn resolve_scheme_relative() {
        assert_eq!(resolve("https://a.com/x", "//b.com/y?z").as_deref(), Some("https://b.com/y?z"));
        assert_eq!(resolve("HTTP://a.com/x", "//b.com").as_deref(), Some("http://b.com"));
        assert_eq!(resolve("https://a.com/x", "//b.com/p/../q").as_deref(), Some("https://b.com/q"));
        assert_eq!(resolve("https://a.com/x", "//"), None);
        assert_eq!(resolve("https://a.com/x", "///evil.com"), None);
        assert_eq!(resolve("https://a.com/x", "//b.com:99999/"), None);
    }

    #[test]
    fn resolve_absolute() {
        assert_eq!(resolve("https://a.com/x", "https://b.com/y#z").as_deref(), Some("https://b.com/y#z"));
        assert_eq!(resolve("https://a.com/x", "HTTP://B.com/y").as_deref(), Some("HTTP://B.com/y"));
        assert_eq!(resolve("https://a.com/x", "  http://b.com/\r\n").as_deref(), Some("http://b.com/"));
        assert_eq!(resolve("https://a.com/x", "http:b.com"), None);
        assert_eq!(resolve("https://a.com/x", "http://evil.com\\@a.com/"), None);
    }

    #[test]
    fn resolve_rejects_other_schemes() {
        assert_eq!(resolve("https://a.com/x", "javascript:alert(1)"), None);
        assert_eq!(resolve("https://a.com/x", "JavaScript:alert(1)"), None);
        assert_eq!(resolve("https://a.com/x", "file:///etc/passwd"), None);
        assert_eq!(resolve("https://a.com/x", "data:text/html,hi"), None);
        assert_eq!(resolve("https://a.com/x", "ftp://a.com/"), None);
        assert_eq!(resolve("https://a.com/x", "mailto:a@b.c"), None);
    }

    #[test]
    fn resolve_rejects_control_characters_and_empty() {
        assert_eq!(resolve("https://a.com/x", ""), None);
        assert_eq!(resolve("https://a.com/x", "   "), None);
        assert_eq!(resolve("https://a.com/x", "/a\nb"), None);
        assert_eq!(resolve("https://a.com/x", "/a\rSet-Cookie: x"), None);
        assert_eq!(resolve("https://a.com/x", "/a\0"), None);
        assert_eq!(resolve("https://a.com/x", "/a\u{7f}"), None);
        assert_eq!(resolve("https://a.com/x", "/a\tb"), None);
        assert_eq!(resolve("https://a.com/x", "java\tscript:alert(1)"), None);
    }

    #[test]
    fn resolve_needs_an_http_base() {
        assert_eq!(resolve("", "/x"), None);
        assert_eq!(resolve("/relative", "/x"), None);
        assert_eq!(resolve("file:///a/b", "c"), None);
        assert_eq!(resolve("http://", "/x"), None);
        // An absolute location does not need the base.
        assert_eq!(resolve("", "https://b.com").as_deref(), Some("https://b.com"));
    }

    #[test]
    fn resolve_keeps_colons_in_relative_references() {
        assert_eq!(resolve("https://a.com/x/", "./a:b").as_deref(), Some("https://a.com/x/a:b"));
        assert_eq!(resolve("https://a.com/x/", "/p?t=1:2").as_deref(), Some("https://a.com/p?t=1:2"));
        assert_eq!(resolve("https://a.com/x/", "a/b:c").as_deref(), Some("https://a.com/x/a/b:c"));
        // `page:1` has the shape of a scheme, so RFC 3986 reads it as one.
        assert_eq!(resolve("https://a.com/x/", "page:1"), None);
    }

    #[test]
    fn resolve_non_ascii_does_not_panic() {
        assert_eq!(resolve("https://a.com/é/ü", "ß/../ñ").as_deref(), Some("https://a.com/é/ñ"));
        assert_eq!(resolve("https://a.com/x", "//é.com/").as_deref(), Some("https://é.com/"));
        assert_eq!(resolve("https://a.com/x", "é:x").as_deref(), Some("https://a.com/é:x"));
    }

    #[test]
    fn strip_to_origin_prefix() {
        assert_eq!(strip_to_origin("https://a.com/secret?token=x"), "https://a.com");
        assert_eq!(strip_to_origin("https://a.com:8443?token=x"), "https://a.com:8443");
        assert_eq!(strip_to_origin("https://a.com#frag"), "https://a.com");
        assert_eq!(strip_to_origin("https://a.com"), "https://a.com");
        assert_eq!(strip_to_origin("https://a.com\\path"), "https://a.com");
        assert_eq!(strip_to_origin("https://u:p@a.com/x"), "https://u:p@a.com");
        assert_eq!(strip_to_origin("https://[::1]:80/x"), "https://[::1]:80");
        assert_eq!(strip_to_origin("https://"), "https://");
        assert_eq!(strip_to_origin("no scheme here"), "no scheme here");
        assert_eq!(strip_to_origin(""), "");
        assert_eq!(strip_to_origin("é://ü/ß"), "é://ü");
    }
}
