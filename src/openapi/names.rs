//! The names a workflow builder reads, made from the spec: operation names (n8n's operation list,
//! and the node panel's actions), resource names (from tags) and field labels (from parameter and
//! property names).
//!
//! - Operation names are n8n's actions: short, sentence case, verb first ("Create a key", "Get an
//!   extension instance", "List articles"). [`operation_name`] makes one from the spec's summary;
//!   [`disambiguate`] then tells apart the operations of a node that still share a name, by the
//!   scope their path names ("… for a customer", "… for a project").
//! - Field labels are n8n's display names: Title Case, with acronyms as people write them
//!   ("DNS Zone ID", "Redirect URI"): [`label`].
//! - Resource names are sentence case ("Company memberships"): [`resource_name`].
//!
//! What the rules cannot mend (vendor typos, summaries that are no verb phrase, names still too long)
//! goes into the node's [`Overrides`] (`nodes/<vendor>/names.rs`), each entry with its reason.
//!
//! `build.rs` includes this file and names every generated operation, resource, field and option by
//! it, so the spec tables carry the names and the module none of this; the crate compiles it only
//! for its tests (`names_tests.rs`). So it uses nothing of the crate and, as all of `src/`, names
//! no marketplace.

/// Written as here wherever they occur, in any casing (`Id`, `id` → `ID`).
const ACRONYMS: [&str; 46] = [
    "AAAA", "ACME", "AI", "API", "APIs", "CAA", "CNAME", "CPU", "CSR", "CSS", "CSV", "DNS", "EML", "FQDN", "GUI",
    "HTML", "HTTP", "HTTPS", "ID", "IDs", "IP", "IPs", "JSON", "JWT", "LDAP", "MFA", "MX", "PDF", "PHP", "SAML",
    "SFTP", "SMS", "SRV", "SSH", "SSL", "SSO", "TLD", "TLDs", "TLS", "TTL", "TXT", "URI", "URL", "URLs", "UUID", "VAT",
];

/// Technology and product names, kept as written here, also where a CamelCase word holds them
/// (`MySQLUser` → "MySQL user"). A vendor's own names come with its [`Overrides::words`].
const PROPER: [&str; 10] =
    ["GraphQL", "IdP", "MySQL", "OAuth", "OAuth2", "phpMyAdmin", "Redis", "Stripe", "WebUI", "GitHub"];

/// Words Title Case leaves lower-case inside a label ("Price in Cents"), as n8n's linter does.
const SMALL_WORDS: [&str; 19] = [
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "nor", "of", "on", "or", "per", "the", "to", "via",
    "with",
];

/// The verbs an operation name may start with (imperative), space-separated. A summary's
/// third-person form ("Creates", "Patches") becomes the verb; the registry tests check every
/// generated name's first word against these.
const VERBS: &str =
    "abort accept activate add assign authenticate call cancel change check close confirm consent copy \
     create declare decline delete disable dry edit enable execute expire export express finalize \
     generate get initialize invalidate invite link list mark move notify obtain open order patch pay \
     preview publish pull reactivate recover recreate refresh register relocate remove rename replace \
     report request resend reserve reset restart restore revoke rotate run save schedule search select \
     send set start stop store submit subscribe suggest terminate tokenize trigger unassign unlink \
     unlock unsubscribe update upload validate verify";

/// Whether `word` (lower-case) is one of [`VERBS`].
pub fn is_verb(word: &str) -> bool {
    VERBS.split_whitespace().any(|verb| verb == word)
}

/// Verbs that say "get" in other words; n8n says "Get".
const GET_SYNONYMS: [&str; 9] =
    ["return", "returns", "retrieve", "retrieves", "read", "reads", "fetch", "fetches", "getting"];

/// A node's mends of what the rules make of its spec (`build.rs` reads them from the `const`s of
/// `nodes/<vendor>/names.rs`). Every entry says why in a comment beside it; the tests fail on an
/// entry whose operation is gone or that the rules now produce anyway.
pub struct Overrides {
    /// The vendor's product names, kept as written like [`PROPER`]'s.
    pub words: &'static [&'static str],
    /// operationId → the operation's name.
    pub operations: &'static [(&'static str, &'static str)],
    /// Tag → the resource's name (its value stays the tag).
    pub resources: &'static [(&'static str, &'static str)],
    /// (operationId, the body variant's stored value) → what its option shows.
    pub variants: &'static [(&'static str, &'static str, &'static str)],
}

impl Overrides {
    pub const NONE: Overrides = Overrides { words: &[], operations: &[], resources: &[], variants: &[] };

    pub fn operation(&self, id: &str) -> Option<&'static str> {
        self.operations.iter().find(|(key, _)| *key == id).map(|(_, name)| *name)
    }

    pub fn resource(&self, tag: &str) -> Option<&'static str> {
        self.resources.iter().find(|(key, _)| *key == tag).map(|(_, name)| *name)
    }

    pub fn variant(&self, id: &str, value: &str) -> Option<&'static str> {
        self.variants.iter().find(|(op, key, _)| *op == id && *key == value).map(|(_, _, name)| *name)
    }
}

fn acronym(word: &str) -> Option<&'static str> {
    ACRONYMS.iter().find(|a| a.eq_ignore_ascii_case(word)).copied()
}

fn proper(word: &str, extra: &[&'static str]) -> Option<&'static str> {
    PROPER.iter().chain(extra).find(|p| p.eq_ignore_ascii_case(word)).copied()
}

/// Whether `word` is written as an acronym or a name is (then its capitals are no CamelCase).
pub fn kept(word: &str, extra: &[&'static str]) -> bool {
    acronym(word).is_some() || proper(word, extra).is_some()
}

/// Kept as written: a known acronym or name, or a word in capitals (with digits: "V2", "DACH").
fn fixed(word: &str, extra: &[&'static str]) -> Option<String> {
    if let Some(known) = acronym(word).or_else(|| proper(word, extra)) {
        return Some(known.to_string());
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let shouting = word.chars().all(|c| !c.is_lowercase()) && word.chars().any(|c| c.is_uppercase());
    (shouting && (letters >= 2 || word.chars().any(|c| c.is_ascii_digit()))).then(|| word.to_string())
}

/// The words of one CamelCase or camelCase token: `DNSZone` → DNS, Zone; `webhookURLs` → webhook,
/// URLs; `oauth2Config` → oauth2, Config; `MySQLUser` → MySQL, User (names in [`PROPER`] stay whole).
fn camel_words(token: &str, extra: &[&'static str]) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let previous = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let after_next = chars.get(i + 2).copied();
            // An acronym's plural: "URLs", "IDs" (an "s" that ends the word).
            let plural_s = next == Some('s') && after_next.is_none_or(|c| !c.is_lowercase());
            let boundary = previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next.is_some_and(char::is_lowercase) && !plural_s);
            if boundary && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    // Join the parts that spell a proper name, longest first.
    let mut words = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let found =
            (i + 1..=parts.len()).rev().find_map(|j| proper(&parts[i..j].concat(), extra).map(|name| (j, name)));
        match found {
            Some((j, name)) => {
                words.push(name.to_string());
                i = j;
            }
            None => {
                words.push(parts[i].clone());
                i += 1;
            }
        }
    }
    words
}

/// The words of an identifier: `dnsZoneId` → dns, Zone, Id; `redirect_uri` → redirect, uri.
pub fn words(name: &str) -> Vec<String> {
    name.split(['_', '-', '.', ':', ' ']).filter(|t| !t.is_empty()).flat_map(|t| camel_words(t, &[])).collect()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A field's label, from its name: `dnsZoneId` → "DNS Zone ID", `redirect_uri` → "Redirect URI",
/// `priceInCents` → "Price in Cents", `webhookURLs` → "Webhook URLs".
pub fn label(name: &str) -> String {
    let words = words(name);
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let lower = word.to_lowercase();
        out.push(match fixed(word, &[]) {
            Some(kept) => kept,
            None if i > 0 && SMALL_WORDS.contains(&lower.as_str()) => lower,
            None => capitalized(word),
        });
    }
    out.join(" ")
}

/// One word of a sentence-case name: acronyms and names as written, every other word lower-case.
fn sentence_word(word: &str, extra: &[&'static str]) -> String {
    fixed(word, extra).unwrap_or_else(|| word.to_lowercase())
}

/// A word of a summary in sentence case: CamelCase split into words ("ExtensionInstance" →
/// "extension instance"), hyphenated nouns too ("Email-Address", "ssh-key" → "SSH key"), plain
/// hyphenated words kept ("pull-image"); an identifier's `Id` dropped ("customerId" → "customer").
fn sentence_token(token: &str, extra: &[&'static str]) -> String {
    // Punctuation around the word stays as it is; quotes and backticks around names go.
    let start = token.find(|c: char| c.is_alphanumeric()).unwrap_or(token.len());
    let end = token.rfind(|c: char| c.is_alphanumeric()).map_or(start, |i| i + 1);
    let (lead, mut core, mut trail) = (&token[..start], &token[start..end], &token[end..]);
    let lead: String = lead.chars().filter(|c| !matches!(c, '`' | '\'' | '"')).collect();
    let mut possessive = "";
    if let Some(stem) = core.strip_suffix("'s") {
        core = stem;
        possessive = "'s";
    }
    let cleaned: String;
    if trail.starts_with('\'') && !core.ends_with('s') {
        cleaned = trail.trim_start_matches('\'').to_string();
        trail = &cleaned;
    }
    let trail: String = trail.chars().filter(|c| !matches!(c, '`' | '"')).collect();
    let words = if core.contains('/') {
        core.split('/').map(|part| sentence_token(part, extra)).collect::<Vec<_>>().join("/")
    } else if core.contains('-') {
        let parts: Vec<&str> = core.split('-').collect();
        let nouns = parts.iter().all(|p| p.starts_with(char::is_uppercase)) || parts.iter().any(|p| kept(p, extra));
        let rendered: Vec<String> = parts.iter().map(|p| sentence_token(p, extra)).collect();
        rendered.join(if nouns { " " } else { "-" })
    } else {
        let mut words = camel_words(core, extra);
        let identifier = core.starts_with(char::is_lowercase) && words.len() > 1;
        if identifier && words.last().is_some_and(|w| w == "Id") {
            words.pop();
        }
        words.iter().map(|w| sentence_word(w, extra)).collect::<Vec<_>>().join(" ")
    };
    format!("{lead}{words}{possessive}{trail}")
}

/// The imperative of a summary's first word: "Creates" → "create", "Returns" → "get".
fn imperative(word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    if GET_SYNONYMS.contains(&lower.as_str()) {
        return Some("get".into());
    }
    if is_verb(&lower) {
        return Some(lower);
    }
    let stems = [lower.strip_suffix("es"), lower.strip_suffix('s')];
    let stem = stems.into_iter().flatten().find(|stem| is_verb(stem))?;
    Some(stem.to_string())
}

/// A plural noun among the words before the phrase ends ("all open extension orders for …").
fn plural_phrase(rest: &str) -> bool {
    const ENDS: [&str; 11] = ["for", "of", "the", "in", "on", "with", "from", "that", "to", "by", "belonging"];
    rest.split(' ').take_while(|w| !ENDS.contains(w)).any(|w| w.len() > 2 && w.ends_with('s') && !w.ends_with("ss"))
}

/// "a" or "an" before `next`, by how it sounds ("an SSH user", "a user", "an unlocked lead").
fn article_for(next: &str) -> &'static str {
    let letters: String = next.chars().take_while(|c| c.is_alphanumeric()).collect();
    let Some(first) = letters.chars().next() else { return "a" };
    let spelled = letters.len() >= 2 && letters.chars().all(|c| !c.is_lowercase());
    if spelled {
        return if "AEFHILMNORSX".contains(first) { "an" } else { "a" };
    }
    let lower = letters.to_lowercase();
    let sounds_like_you = ["us", "uti", "eu", "one", "unique", "unit", "univers", "union", "uniform"]
        .iter()
        .any(|p| lower.starts_with(p));
    if "aeiou".contains(first.to_ascii_lowercase()) && !sounds_like_you {
        "an"
    } else {
        "a"
    }
}

/// Replaces `from` with `to` wherever it occurs as whole words.
fn replace_words(text: &str, from: &str, to: &str) -> String {
    let padded = format!(" {text} ").replace(&format!(" {from} "), &format!(" {to} "));
    padded.trim().to_string()
}

/// An operation's name from the spec's summary, by the rules of this module:
///
/// 1. the first sentence only, without trailing periods or an ", i.e." / ", optionally" / ", if
///    existing" tail;
/// 2. the verb in the imperative ("Creates or Updates" → "Create or update", "Returns"/"Retrieve"/
///    "Read"/"Fetch" → "Get");
/// 3. sentence case: vendor CamelCase words split into plain words ("AppInstallation" → "app
///    installation"), acronyms and product names as written ("API", "DNS", "MySQL");
/// 4. filler dropped: "Get a list of"/"Get list of"/"Get all …s" → "List", "List all" → "List",
///    "a new"/"a specific"/"a given" → "a", "for the given" → "for a", "belonging to" → "of",
///    "… belonging to the executing user" → "your …", "the executing user has access to" → "you
///    can access";
/// 5. "a"/"an" as the next word sounds.
///
/// `extra`: the vendor's product names ([`Overrides::words`]).
pub fn operation_name(summary: &str, extra: &[&'static str]) -> String {
    let mut text = summary.trim().replace('`', "");
    // Tails that explain, first (their abbreviations' periods would end the sentence early); then
    // the first sentence: a period, question or exclamation mark before a space ends it.
    for cut in [", i.e.", " i.e.", ", e.g.", " e.g.", ", optionally", ", if existing"] {
        if let Some(at) = text.find(cut) {
            text.truncate(at);
        }
    }
    if let Some(at) = text.find(". ").or_else(|| text.find("? ")).or_else(|| text.find("! ")) {
        text.truncate(at);
    }
    let text = text.trim().trim_end_matches(['.', '?', '!', ' ']);

    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut words: Vec<String> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        // "Enable/Disable company membership" → "Enable or disable …".
        if i == 0 {
            if let Some((a, b)) = token.split_once('/') {
                if let (Some(a), Some(b)) = (imperative(a), imperative(b)) {
                    words.push(format!("{a} or {b}"));
                    continue;
                }
            }
        }
        let verb_slot = i == 0 || (i == 2 && matches!(tokens[1], "or" | "and"));
        match imperative(token).filter(|_| verb_slot) {
            Some(verb) => words.push(verb),
            None => words.push(sentence_token(token, extra)),
        }
    }
    let mut name = words.join(" ");

    // Filler.
    for (from, to) in [
        ("get a list of ", "list "),
        ("get list of ", "list "),
        ("list all of your ", "list your "),
        ("list all ", "list "),
    ] {
        if let Some(rest) = name.strip_prefix(from) {
            name = format!("{to}{rest}");
        }
    }
    if let Some(rest) = name.strip_prefix("get all ") {
        if plural_phrase(rest) {
            name = format!("list {rest}");
        }
    }
    if let Some(rest) = name.strip_suffix(" belonging to the executing user") {
        if let Some((verb, object)) = rest.split_once(' ') {
            let object = ["a ", "an ", "the "].iter().find_map(|a| object.strip_prefix(a)).unwrap_or(object);
            name = format!("{verb} your {object}");
        }
    }
    for (from, to) in [
        ("the executing user's", "your"),
        ("the executing user has access to", "you can access"),
        ("the authenticated user has access to", "you can access"),
        ("that a user has access to", "you can access"),
        ("belonging to", "of"),
        ("a new", "a"),
        ("a specific", "a"),
        ("a given", "a"),
        ("for the given", "for a"),
        ("for given", "for a"),
        ("for the specified", "for a"),
        ("of the given", "of a"),
    ] {
        name = replace_words(&name, from, to);
    }

    // "a" or "an", as the next word sounds.
    let mut words: Vec<String> = name.split(' ').map(String::from).collect();
    for i in 1..words.len().saturating_sub(1) {
        if words[i] == "a" || words[i] == "an" {
            words[i] = article_for(&words[i + 1]).to_string();
        }
    }
    capitalized(&words.join(" "))
}

/// A resource's name, from its tag, in sentence case: "CompanyMemberships" → "Company memberships",
/// "AI hosting", "SSH/SFTP User" → "SSH/SFTP user"; `extra` as for [`operation_name`].
pub fn resource_name(tag: &str, extra: &[&'static str]) -> String {
    let words: Vec<String> = tag.split_whitespace().map(|token| sentence_token(token, extra)).collect();
    capitalized(&words.join(" "))
}

/// One operation of a node, as [`disambiguate`] sees it.
pub struct Named<'a> {
    pub id: &'a str,
    /// The request path, with `{parameters}`.
    pub path: &'a str,
    /// Works without credentials.
    pub public: bool,
    pub name: String,
    /// Written by hand or by an override: never changed.
    pub fixed: bool,
}

/// What an operation's path says it works on: its first path parameter (`/v2/customers/{customerId}/…`
/// → "for a customer").
fn scope(path: &str) -> Option<String> {
    let start = path.find('{')?;
    let end = start + path[start..].find('}')?;
    let mut words = words(&path[start + 1..end]);
    if words.len() > 1 && words.last().is_some_and(|w| ["id", "uuid"].contains(&w.to_lowercase().as_str())) {
        words.pop();
    }
    let noun = words.iter().map(|w| sentence_word(w, &[])).collect::<Vec<_>>().join(" ");
    Some(format!("for {} {noun}", article_for(&noun)))
}

/// Makes every name unique within the node: where operations share a name, each that is not
/// `fixed` gets what tells it apart from the others of that name — its path's scope ("… for a
/// customer"), unless another has the same or its name says it already; "(public)" for the one that
/// needs no credential; nothing for the only one without a scope; else the words of its operationId
/// the others' lack.
pub fn disambiguate(operations: &mut [Named]) {
    for _round in 0..3 {
        let mut renamed: Vec<(usize, String)> = Vec::new();
        for i in 0..operations.len() {
            let same: Vec<usize> =
                (0..operations.len()).filter(|&j| operations[j].name == operations[i].name).collect();
            if same.len() < 2 || operations[i].fixed {
                continue;
            }
            let own = &operations[i];
            let others = || same.iter().copied().filter(move |&j| j != i);
            let own_scope = scope(own.path);
            let tell = own_scope
                .clone()
                .filter(|s| !own.name.contains(s.as_str()))
                .filter(|s| others().all(|j| scope(operations[j].path).as_ref() != Some(s)))
                .or_else(|| {
                    (own.public && same.iter().filter(|&&j| operations[j].public).count() == 1)
                        .then(|| "(public)".into())
                })
                .or_else(|| {
                    (own_scope.is_none() && others().all(|j| scope(operations[j].path).is_some())).then(String::new)
                })
                .or_else(|| {
                    let theirs: Vec<&str> = others().flat_map(|j| operations[j].id.split(['-', '_'])).collect();
                    let words: Vec<String> = own
                        .id
                        .split(['-', '_'])
                        .filter(|w| !theirs.contains(w))
                        .flat_map(words)
                        .map(|w| sentence_word(&w, &[]))
                        .collect();
                    (!words.is_empty()).then(|| format!("({})", words.join(" ")))
                });
            if let Some(tell) = tell.filter(|t| !t.is_empty()) {
                renamed.push((i, format!("{} {tell}", own.name)));
            }
        }
        if renamed.is_empty() {
            return;
        }
        for (i, name) in renamed {
            operations[i].name = name;
        }
    }
}
