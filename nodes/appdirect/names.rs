//! Where the naming rules (`src/openapi/names.rs`) cannot make a good name of AppDirect's specs:
//! each entry says why. `build.rs` reads these tables (plain `const` slices of string literals, read
//! as text: nothing else may go into their values) and names the generated operations by them. The
//! tests below fail on an entry whose operation is gone or that the rules now produce by themselves
//! (a variant's, the build).
#![cfg(test)]

/// The vendor's product names, kept as written like the rules' own (`PROPER`).
pub(super) const WORDS: &[&str] = &["AppDirect"];

/// operationId → the operation's name.
pub(super) const OPERATIONS: &[(&str, &str)] = &[
    // "Status verification": no verb.
    ("setDomainVerificationStatus", "Set a domain's verification status"),
    // "Billing Usage V1" / "V2": no verb; the version tells the two endpoints apart.
    ("reportUsageV1", "Report usage (V1)"),
    ("reportUsageV2", "Report usage (V2)"),
    // 83 characters ("Create payment methods using a token OR by providing all of the payment method data").
    ("createPaymentMethod", "Create a payment method from a token or its data"),
    // "Patch method to partially update an invoice": the HTTP method is wire jargon.
    ("resource_Other_patchInvoice_PATCH", "Update an invoice partially"),
    // "Subscription reactivation request": no verb.
    ("resource_Subscription_requestSubscriptionReactivation_POST", "Request a subscription reactivation"),
    // "Preview create a subscription".
    ("resource_Other_previewCreateSubscription_POST", "Preview creating a subscription"),
    // The vendor's plural names one discount ("Retrieve discounts" beside "List all discounts").
    ("resource_Other_createDiscount_POST", "Create a discount"),
    ("resource_Other_readDiscount_GET", "Get a discount"),
    ("resource_Other_updateDiscount_PUT", "Update a discount"),
    ("resource_Other_deleteDiscount_DELETE", "Delete a discount"),
];

/// Tag → the resource's name (its value stays the tag).
pub(super) const RESOURCES: &[(&str, &str)] = &[
    // Singular tags beside the plural ones ("Companies", "Subscriptions", "Webhooks", …).
    ("Discount", "Discounts"),
    ("Event", "Events"),
    ("Invoice", "Invoices"),
    ("PurchaseOrder", "Purchase orders"),
    ("User", "Users"),
];

/// (operationId, the body variant's stored value) → what its option shows.
pub(super) const VARIANTS: &[(&str, &str, &str)] = &[];

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
}
