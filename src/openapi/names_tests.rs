//! The naming rules' tests (`names.rs`): real summaries, tags and field names of the marketplaces'
//! specs, and what every node of the registry shows a builder.

use super::names::{self, disambiguate, label, operation_name, resource_name, Named, Overrides};
use serde_json::Value;
use std::collections::BTreeMap;

/// The product names the nodes' overrides keep as written.
const WORDS: &[&str] = &["mittwald", "mStudio", "LeadFyndr", "AppDirect"];

#[test]
fn labels_write_acronyms_as_people_do() {
    for (name, expected) in [
        ("dnsZoneId", "DNS Zone ID"),
        ("customerId", "Customer ID"),
        ("redirect_uri", "Redirect URI"),
        ("webhookURLs", "Webhook URLs"),
        ("targetAppVersionID", "Target App Version ID"),
        ("mysqlDatabaseId", "MySQL Database ID"),
        ("idpUuid", "IdP UUID"),
        ("oauth2Config", "OAuth2 Config"),
        ("api.usesExternalIds", "API Uses External IDs"),
        ("priceInCents", "Price in Cents"),
        ("isCatchAll", "Is Catch All"),
        ("AD-ShoppingCart-Partner", "AD Shopping Cart Partner"),
        ("code_verifier", "Code Verifier"),
        ("sshKeyId", "SSH Key ID"),
        ("accessIpMask", "Access IP Mask"),
        ("vatId", "VAT ID"),
        ("FREE_TRIAL", "FREE TRIAL"),
        ("a", "A"),
        ("aaaa", "AAAA"),
        ("url", "URL"),
    ] {
        assert_eq!(label(name), expected, "{name}");
    }
}

/// Real summaries of the mittwald and AppDirect specs.
#[test]
fn summaries_become_short_sentence_case_actions() {
    for (summary, expected) in [
        ("Creates a new key", "Create a key"),
        ("Get an ExtensionInstance", "Get an extension instance"),
        (
            "Delete a free ExtensionInstance. If the Extension is chargable the contract must be terminated instead.",
            "Delete a free extension instance",
        ),
        ("Creates or Updates Pricing for an Extension.", "Create or update pricing for an extension"),
        ("Get a list of currently active models.", "List currently active models"),
        ("Return a list of Contracts for the given Customer.", "List contracts for a customer"),
        ("Returns the Contract with the given ID.", "Get the contract with the given ID"),
        ("Gets the Wallet of the Customer.", "Get the wallet of the customer"),
        ("Get a MySQLUser's PhpMyAdmin-URL.", "Get a MySQL user's phpMyAdmin URL"),
        (
            "Get the installed `SystemSoftware' for a specific `AppInstallation`.",
            "Get the installed system software for an app installation",
        ),
        ("List CustomerInvites belonging to the executing user.", "List your customer invites"),
        ("List AppInstallations belonging to a Project.", "List app installations of a project"),
        ("Remove a ssh-key.", "Remove an SSH key"),
        (
            "Authenticate an user with an access token retrieval key.",
            "Authenticate a user with an access token retrieval key",
        ),
        ("Reserve a unlocked lead for the given customerId.", "Reserve an unlocked lead for a customer"),
        ("Rotate a License's key, i.e. revoke the old and generate a new one.", "Rotate a license's key"),
        ("Get all SFTPUsers for a Project.", "List SFTP users for a project"),
        ("Get all data for a given strace.", "Get all data for a strace"),
        ("List all of your ApiTokens.", "List your API tokens"),
        ("Change your Email-Address.", "Change your email address"),
        (
            "Get ai hosting plan and usages of a project. Same as the customer route, but less details.",
            "Get AI hosting plan and usages of a project",
        ),
        ("Get all customer profiles the authenticated user has access to.", "List customer profiles you can access"),
        (
            "List available MySQL character sets and collations, optionally filtered by a MySQLVersion.",
            "List available MySQL character sets and collations",
        ),
        ("Return the Contract for the given LeadFyndrProfile.", "Get the contract for a LeadFyndr profile"),
        ("Update the tls settings of an Ingress.", "Update the TLS settings of an ingress"),
        ("List TLDs", "List TLDs"),
        ("Enable/Disable company membership", "Enable or disable company membership"),
        ("List All Invoice Payments", "List invoice payments"),
        ("Retrieve an Invoice", "Get an invoice"),
        ("Returns all supported Payment Method Types", "List supported payment method types"),
        ("Read company assignable roles", "Get company assignable roles"),
        ("Subscribe a user to the mStudio newsletter.", "Subscribe a user to the mStudio newsletter"),
    ] {
        assert_eq!(operation_name(summary, WORDS), expected, "{summary}");
    }
}

#[test]
fn resource_names_are_sentence_case_words() {
    for (tag, expected) in [
        ("CompanyMemberships", "Company memberships"),
        ("ShoppingCarts", "Shopping carts"),
        ("SubscriptionAssignments", "Subscription assignments"),
        ("AI hosting", "AI hosting"),
        ("SSH/SFTP User", "SSH/SFTP user"),
        ("Page Insights", "Page insights"),
        ("LeadFyndr", "LeadFyndr"),
        ("MeteredUsage", "Metered usage"),
    ] {
        assert_eq!(resource_name(tag, WORDS), expected, "{tag}");
    }
}

#[test]
fn duplicates_are_told_apart_by_scope() {
    let named = |id: &'static str, path: &'static str| Named {
        id,
        path,
        public: false,
        name: "List currently active models".into(),
        fixed: false,
    };
    let mut operations = [
        named("ai-hosting-customer-get-detailed-models", "/v2/customers/{customerId}/ai-hosting-models"),
        named("ai-hosting-get-models", "/v2/ai-hosting-models"),
        named("ai-hosting-project-get-detailed-models", "/v2/projects/{projectId}/ai-hosting-models"),
    ];
    disambiguate(&mut operations);
    let names: Vec<&str> = operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "List currently active models for a customer",
            "List currently active models",
            "List currently active models for a project"
        ]
    );
    // Without a scope to tell them apart: the operationIds' own words.
    let mut operations = [named("list-foo", "/foo"), named("list-bar", "/bar")];
    disambiguate(&mut operations);
    assert_eq!(operations[0].name, "List currently active models (foo)");
    assert_eq!(operations[1].name, "List currently active models (bar)");
}

/// Checks a node's overrides against its spec tables: every entry names an operation, tag or variant
/// the spec has, says something the rules do not already make of it (for a variant, whose rule
/// `build.rs` alone applies, the build checks that) and is what the tables (`build.rs`) show; and the
/// tables' other names and labels are the rules'.
pub(crate) fn check_overrides(tables: super::tables::Tables, overrides: &Overrides) {
    let operations = tables.operations;
    for (id, name) in overrides.operations {
        let Some(spec) = operations.iter().find(|o| o.id == *id) else {
            panic!("override for {id}: no such operation")
        };
        assert_ne!(
            operation_name(spec.summary, overrides.words),
            *name,
            "override for {id}: the rules make it already"
        );
        assert_eq!(overrides.operation(id), Some(*name));
        assert_eq!(spec.name, *name, "override for {id}: the tables name it so");
    }
    for (tag, name) in overrides.resources {
        assert!(operations.iter().any(|o| o.tag == *tag), "override for tag {tag}: no such tag");
        assert_ne!(resource_name(tag, overrides.words), *name, "override for tag {tag}: the rules make it already");
        assert_eq!(overrides.resource(tag), Some(*name));
        assert!(operations.iter().filter(|o| o.tag == *tag).all(|o| o.resource == *name), "tag {tag}: the tables");
    }
    for (id, value, name) in overrides.variants {
        let spec = operations.iter().find(|o| o.id == *id).unwrap_or_else(|| panic!("variant override: no {id}"));
        let variants = spec.body.as_ref().map_or(&[][..], |b| b.variants);
        let Some(variant) = variants.iter().find(|v| v.label == *value) else {
            panic!("variant override for {id}: no variant {value}")
        };
        assert_eq!(overrides.variant(id, value), Some(*name));
        assert_eq!(variant.title, *name, "variant override for {id}/{value}: the tables show it");
    }
    for spec in operations {
        for (name, shown) in spec.fields {
            assert_eq!(label(name), *shown, "{}: the label of {name}", spec.id);
        }
        if overrides.resource(spec.tag).is_none() {
            assert_eq!(spec.resource, resource_name(spec.tag, overrides.words), "{}'s resource", spec.id);
        }
    }
    for schema in tables.schemas {
        for (text, shown) in schema.enumeration.iter().zip(schema.labels) {
            let expected = serde_json::from_str::<Value>(text).ok().and_then(|v| v.as_str().map(label));
            assert_eq!(expected.as_deref().unwrap_or(text), *shown, "the option of {text}");
        }
    }
}

/// Checks the names a node's `names.rs` gives `build.rs` for its hand-written operations (so it tells
/// the generated ones apart from them) against the operations' own.
pub(crate) fn check_hand_written(node: &crate::node::Node, hand_written: &[(&str, &str)]) {
    for (id, name) in hand_written {
        let operation = node.resources.iter().flat_map(|r| &r.operations).find(|o| o.value == *id);
        assert_eq!(operation.map(|o| o.name.as_str()), Some(*name), "hand-written operation {id}");
    }
}

/// n8n's operation list cuts longer names; its field column wraps longer labels.
const NAME_LIMIT: usize = 60;
const LABEL_LIMIT: usize = 40;
/// The nodes whose names the rules of this module make (their spec's summaries).
const GENERATED: [&str; 2] = ["mittwald", "appDirect"];

#[test]
fn operation_names_are_short_unique_sentences() {
    let mut problems = Vec::new();
    for node in crate::nodes::registry().nodes {
        let mut seen: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        let mut actions: BTreeMap<&str, &str> = BTreeMap::new();
        for resource in &node.resources {
            for operation in &resource.operations {
                let (name, id) = (operation.name.as_str(), operation.value.as_str());
                seen.entry(name).or_default().push((resource.value, operation.action.as_str()));
                if let Some(other) = actions.insert(&operation.action, id) {
                    problems
                        .push(format!("{}: {id} and {other} both show the action \"{}\"", node.name, operation.action));
                }
                for (what, text) in [("name", name), ("action", operation.action.as_str())] {
                    if text.chars().count() > NAME_LIMIT {
                        problems.push(format!("{}: {id}'s {what} is longer than {NAME_LIMIT}: \"{text}\"", node.name));
                    }
                    if !text.starts_with(char::is_uppercase) {
                        problems.push(format!("{}: {id}'s {what} does not start upper-case: \"{text}\"", node.name));
                    }
                }
                let verb = name.split([' ', ',']).next().unwrap_or("").to_lowercase();
                if GENERATED.contains(&node.name) && !names::is_verb(&verb) {
                    problems.push(format!("{}: {id}'s name does not start with a verb: \"{name}\"", node.name));
                }
            }
        }
        // A name is shown in its resource's operation list, and, where it is its action too, in the
        // node panel's list of all the node's actions: n8n's short per-resource names ("Create")
        // may repeat across resources, since their actions ("Create an add-on") differ.
        for (name, places) in seen {
            let in_one_list =
                places.iter().any(|(_, action)| *action == name) || places.windows(2).any(|w| w[0].0 == w[1].0);
            if places.len() > 1 && in_one_list {
                problems.push(format!("{}: {} operations are named \"{name}\"", node.name, places.len()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn labels<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            // A notice's "label" is its text.
            let notice = map.get("type").and_then(Value::as_str) == Some("notice");
            if let (Some(Value::String(label)), Some(_), false) = (map.get("displayName"), map.get("name"), notice) {
                out.push(label);
            }
            map.values().for_each(|v| labels(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| labels(v, out)),
        _ => {}
    }
}

#[test]
#[cfg(feature = "describe")]
fn field_labels_are_short_and_write_id_in_capitals() {
    let mut problems = Vec::new();
    for node in crate::nodes::registry().nodes {
        let description = node.description();
        let mut found = Vec::new();
        labels(&description["properties"], &mut found);
        for label in found {
            if label.chars().count() > LABEL_LIMIT {
                problems.push(format!("{}: label longer than {LABEL_LIMIT}: \"{label}\"", node.name));
            }
            if label.split([' ', '(', ')']).any(|w| w == "Id" || w == "Ids" || w == "Url" || w == "Uuid") {
                problems.push(format!("{}: \"{label}\" should write ID, URL, UUID", node.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn resource_names_read_as_words() {
    for node in crate::nodes::registry().nodes {
        for resource in &node.resources {
            let camel = resource.name.split(' ').any(|w| {
                let inner_capital = w.chars().skip(1).any(char::is_uppercase);
                let lower_after = w.chars().any(char::is_lowercase);
                inner_capital && lower_after && !names::kept(w, WORDS)
            });
            assert!(!camel, "{}: resource \"{}\" is CamelCase", node.name, resource.name);
        }
    }
}
