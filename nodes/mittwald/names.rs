//! Where the naming rules (`src/openapi/names.rs`) cannot make a good name of mittwald's spec:
//! each entry says why. `build.rs` reads these tables (plain `const` slices of string literals, read
//! as text: nothing else may go into their values) and names the generated operations by them. The
//! tests below fail on an entry whose operation is gone or that the rules now produce by themselves
//! (a variant's, the build).
#![cfg(test)]

/// Product names, kept as written ("the mStudio newsletter", "LeadFyndr profile").
pub(super) const WORDS: &[&str] = &["mittwald", "mStudio", "LeadFyndr"];

/// operationId → the operation's name.
pub(super) const OPERATIONS: &[(&str, &str)] = &[
    // "Creates a new key": its project twin says "for a project"; this one is the customer's.
    ("ai-hosting-customer-create-key", "Create a key for a customer"),
    // "Get a list of already created keys": the customer's, beside "… keys of a project".
    ("ai-hosting-customer-get-keys", "List keys of a customer"),
    // 76 characters ("Get the missing requirements of an appInstallation for a specific target AppVersion").
    ("app-get-missing-dependencies-for-appinstallation", "Get an app installation's missing requirements"),
    // The vendor's plural "SystemSoftwares".
    ("app-list-systemsoftwares", "List system software"),
    // The vendor's apostrophe: "List database dump's for a ProjectBackup".
    ("backup-get-project-backup-database-dumps", "List database dumps of a project backup"),
    // 69 characters ("Declaratively create, update or delete Services or Volumes belonging to a Stack").
    ("container-declare-stack", "Declare the services and volumes of a stack"),
    // 72 characters, and "conversation" for "conversations".
    ("conversation-list-conversations", "List conversations you created or can access"),
    // "Get all message of the conversation": "message" for "messages".
    ("conversation-list-messages-by-conversation", "List messages of a conversation"),
    // 69 characters ("Check if the customer profile has a valid contract partner configured").
    ("customer-is-customer-legally-competent", "Check if a customer has a valid contract partner"),
    // "Lets us know your idea for our recommendation programm": no verb to start, and a typo.
    ("customer-create-recommendation-suggestion", "Suggest an idea for the recommendation program"),
    // "for a Domains transfer-out process": "Domains" for "domain's".
    ("domain-create-domain-auth-code", "Create an auth code for a domain transfer-out"),
    // The vendor's typo "Verifiy".
    ("ingress-ingress-verify-ownership", "Verify the ownership of an ingress"),
    // "of a MailAddresses": the plural for one address.
    ("mail-update-mail-address-forward-addresses", "Update the forward addresses of a mail address"),
    // 84 characters ("Authenticate your external application using a session token and an extension secret").
    ("extension-authenticate-with-session-token", "Authenticate with a session token and extension secret"),
    // 74 characters ("… using the extensionInstanceSecret").
    ("extension-authenticate-instance", "Authenticate with an extension instance secret"),
    // 87 characters, and the vendor's "unchargable".
    ("extension-check-extension-is-chargable", "Check if an extension must be charged"),
    // 79 characters, and the vendor's "und" ("… avatar und return to the inherited customer avatar").
    ("contributor-reset-contributor-avatar", "Delete a contributor's deviating avatar"),
    // 75 characters ("… to transmit it to the extensions frontend fragment").
    ("extension-generate-session-token", "Generate a session token for a frontend fragment"),
    // 62 characters ("Create an access token retrieval key for an extension instance").
    ("extension-create-retrieval-key", "Create a retrieval key for an extension instance"),
    // 69 characters ("… for the next possible date", which the description says).
    ("extension-schedule-extension-termination", "Schedule an extension instance termination"),
    // 72 characters, as above.
    ("extension-schedule-extension-variant-change", "Schedule an extension instance variant change"),
    // "Get a detail of a unlocked lead": "a detail of" garbles it.
    ("leadfyndr-get-unlocked-lead", "Get an unlocked lead"),
    // "Getting the subscription status of the subscription": it is the newsletter's.
    ("newsletter-get-info", "Get the newsletter subscription status"),
    // 95 characters ("List websites (specified as domain and path) from a project where performance data is available").
    ("pageinsights-list-performance-data-for-project", "List websites of a project with performance data"),
    // "Create a Project belonging to a Server": the rule's "of a server" reads wrong for a create.
    ("project-create-project", "Create a project on a server"),
    // "Store new or update poll settings".
    ("user-post-poll-status", "Create or update poll settings"),
    // "Submitted feedback of the given user": no verb.
    ("user-list-feedback", "List feedback of a user"),
    // "The timestamp of your latest password change": no verb.
    ("user-get-password-updated-at", "Get when your password last changed"),
];

/// Tag → the resource's name (its value stays the tag).
pub(super) const RESOURCES: &[(&str, &str)] = &[
    // The tag abbreviates.
    ("Misc", "Miscellaneous"),
];

/// (operationId, the body variant's stored value) → what its option shows.
pub(super) const VARIANTS: &[(&str, &str, &str)] = &[
    // The rules give "Certificate and Private Key", "Contact" (the CSR branch's own field) and
    // "With DNS" (its schema name): said alike, after the schemas' names.
    ("ssl-create-certificate-request", "Certificate + Private Key", "With Certificate and Private Key"),
    ("ssl-create-certificate-request", "Contact", "With CSR"),
    // The branches' schemas are CreateForwardAddress and CreateMailAddress: a forward address or
    // a mailbox, which their fields ("Forward Addresses", "Mailbox and Is Catch All") do not say.
    ("mail-create-mail-address", "Forward Addresses", "Forward Address"),
    ("mail-create-mail-address", "Mailbox + Is Catch All", "Mailbox"),
    // The record-set body's branches are the record types; their schema names ("RecordMXCustom",
    // "CombinedACustom", …) and fields ("records", shared by three) do not say which is which.
    ("dns-update-record-set", "Record Unset", "No records (unset)"),
    ("dns-update-record-set", "A + Aaaa", "A and AAAA records"),
    ("dns-update-record-set", "Record M X Custom", "MX records"),
    ("dns-update-record-set", "Entries", "TXT records"),
    ("dns-update-record-set", "Record S R V Component", "SRV records"),
    ("dns-update-record-set", "Fqdn", "CNAME record"),
    ("dns-update-record-set", "Record C A A Component", "CAA records"),
];

/// The operations the node writes by hand in place of the generated ones (operationId → the name
/// they give themselves), so that the generated names are told apart from theirs.
pub(super) const HAND_WRITTEN: &[(&str, &str)] = &[
    ("extension-order-extension", "Order an extension"),
    ("article-list-articles", "List articles"),
    ("article-get-article", "Get an article"),
];

mod tests {
    use crate::openapi::names::Overrides;

    const OVERRIDES: Overrides = Overrides {
        words: super::WORDS,
        operations: super::OPERATIONS,
        resources: super::RESOURCES,
        variants: super::VARIANTS,
    };

    #[test]
    fn every_override_names_what_the_spec_has_and_the_rules_do_not_make() {
        crate::openapi::names_tests::check_overrides(super::super::spec(), &OVERRIDES);
    }

    #[test]
    fn the_hand_written_operations_have_the_names_the_build_knows() {
        crate::openapi::names_tests::check_hand_written(&super::super::node(), super::HAND_WRITTEN);
    }
}
