//! Subscription Create / Update / Cancel / Suspend / Activate / UpgradeToPaid: the subscription carries
//! the call's ActionType; add-ons come along with a Create (`Provision`) or, for an Update, when they
//! changed (`Provision`); any other add-on listed is `None`.

use super::definition::{AddonForm, AddonRole, Call, Rules};

pub static CALLS: [&Call; 6] = [&CREATE, &UPDATE, &CANCEL, &SUSPEND, &ACTIVATE, &UPGRADE_TO_PAID];

pub static CREATE: Call = Call {
    value: "subscriptionCreate",
    name: "Create",
    action: "Create a subscription",
    description: "Create a subscription in the vendor's system (Subscription Create); its Result is the external ID",
    title: "Subscription Create",
    setting: "subscriptionCreatePath",
    default_path: "Subscriptions/Create",
    rules: Rules { parent: "Provision", marked: "Provision", addons: AddonRole::Included },
    needs_id: false,
    addons: Some(AddonForm { marker: None, quantity: "How many of this add-on" }),
    up_front: &["productId", "quantity"],
};

pub static UPDATE: Call = Call {
    value: "subscriptionUpdate",
    name: "Update",
    action: "Update a subscription",
    description: "Change a subscription (quantity, attributes) in the vendor's system (Subscription Update)",
    title: "Subscription Update",
    setting: "subscriptionUpdatePath",
    default_path: "Subscriptions/Update",
    rules: Rules { parent: "Provision", marked: "Provision", addons: AddonRole::Context },
    needs_id: true,
    addons: Some(AddonForm {
        marker: Some(("Changed", "On: its quantity changed (Provision). Off: it stays as it is (None).")),
        quantity: "The add-on's new total after the change, not the difference",
    }),
    up_front: &[],
};

/// A call that changes only the subscription's state: its ID, the ActionType, optional fields.
const STATE_CHANGE: Call = Call {
    value: "",
    name: "",
    action: "",
    description: "",
    title: "",
    setting: "",
    default_path: "",
    rules: state("None"),
    needs_id: true,
    addons: None,
    up_front: &[],
};

const fn state(action_type: &'static str) -> Rules {
    Rules { parent: action_type, marked: action_type, addons: AddonRole::Context }
}

pub static CANCEL: Call = Call {
    value: "subscriptionCancel",
    name: "Cancel",
    action: "Cancel a subscription",
    description: "Cancel a subscription in the vendor's system (Subscription Cancel)",
    title: "Subscription Cancel",
    setting: "subscriptionCancelPath",
    default_path: "Subscriptions/Cancel",
    rules: state("Cancel"),
    ..STATE_CHANGE
};

pub static SUSPEND: Call = Call {
    value: "subscriptionSuspend",
    name: "Suspend",
    action: "Suspend a subscription",
    description: "Suspend a subscription in the vendor's system (Subscription Suspend)",
    title: "Subscription Suspend",
    setting: "subscriptionSuspendPath",
    default_path: "Subscriptions/Suspend",
    rules: state("Suspend"),
    ..STATE_CHANGE
};

pub static ACTIVATE: Call = Call {
    value: "subscriptionActivate",
    name: "Activate",
    action: "Activate a subscription",
    description: "Activate a suspended subscription in the vendor's system (Subscription Activate)",
    title: "Subscription Activate",
    setting: "subscriptionActivatePath",
    default_path: "Subscriptions/Activate",
    rules: state("Activate"),
    ..STATE_CHANGE
};

pub static UPGRADE_TO_PAID: Call = Call {
    value: "subscriptionUpgradeToPaid",
    name: "Upgrade to Paid",
    action: "Upgrade a trial subscription to paid",
    description: "Turn a trial subscription into a paid one in the vendor's system (Subscription UpgradeToPaid)",
    title: "Subscription UpgradeToPaid",
    setting: "subscriptionUpgradeToPaidPath",
    default_path: "Subscriptions/UpgradeToPaid",
    rules: state("UpgradeToPaid"),
    ..STATE_CHANGE
};

#[cfg(test)]
mod tests {
    use crate::prelude::*;

    fn sent(call: &'static super::Call, params: Value) -> Result<(String, Value), NodeError> {
        let plan = crate::testing::prepare(&call.operation(), 0, params, json!({}))?;
        let request = plan.request().unwrap();
        Ok((request.path.clone(), request.body.clone().unwrap()))
    }

    #[test]
    fn create_provisions_the_subscription_and_its_add_ons() {
        let (path, body) = sent(
            &super::CREATE,
            json!({ "productId": "VendorXPro", "quantity": 10,
                "addons": { "addon": [{ "productId": "P1", "quantity": 2 }] },
                "additionalFields": { "account": { "ID": "1001", "Name": "ACME" }, "subscriptionName": "Pro",
                    "attributes": { "attribute": [{ "id": "Plan", "value": "Pro" }] }, "checkOnly": true } }),
        )
        .unwrap();
        assert_eq!(path, "Subscriptions/Create");
        assert_eq!(
            body,
            json!({ "ActionType": "Provision", "ProductID": "VendorXPro", "Quantity": 10, "Name": "Pro", "CheckOnly": true,
                "Account": { "ID": "1001", "Name": "ACME" },
                "AttributeList": { "Plan": { "ID": "Plan", "Value": "Pro", "QuantityLinked": false } },
                "Addons": [{ "ProductID": "P1", "ActionType": "Provision", "Quantity": 2 }] })
        );
        let error = sent(&super::CREATE, json!({ "quantity": 1 })).unwrap_err();
        assert_eq!(error.message, "Parameter \"Product ID\" of item 0 is required");
        let error = sent(&super::CREATE, json!({ "productId": "P", "quantity": 0 })).unwrap_err();
        assert!(
            error.message.starts_with("Parameter \"Quantity\" of item 0 must be a whole number from 1"),
            "{}",
            error.message
        );
    }

    #[test]
    fn each_state_change_sends_its_own_action_type_to_its_own_path() {
        for (call, path, action) in [
            (&super::CANCEL, "Subscriptions/Cancel", "Cancel"),
            (&super::SUSPEND, "Subscriptions/Suspend", "Suspend"),
            (&super::ACTIVATE, "Subscriptions/Activate", "Activate"),
            (&super::UPGRADE_TO_PAID, "Subscriptions/UpgradeToPaid", "UpgradeToPaid"),
            (&super::UPDATE, "Subscriptions/Update", "Provision"),
        ] {
            let (sent_path, body) = sent(call, json!({ "subscriptionId": "ext-9" })).unwrap();
            assert_eq!((sent_path.as_str(), body), (path, json!({ "ID": "ext-9", "ActionType": action })));
            let error = sent(call, json!({})).unwrap_err();
            assert_eq!(error.message, "Parameter \"Subscription ID\" of item 0 is required");
        }
    }
}
