//! Addon Create / Update / Cancel: the subscription itself stays as it is (`None`); the add-ons the
//! call acts on carry its ActionType, every other add-on listed is `None`.

use super::definition::{AddonForm, AddonRole, Call, Rules};

pub static CALLS: [&Call; 3] = [&CREATE, &UPDATE, &CANCEL];

pub static CREATE: Call = Call {
    value: "addonCreate",
    name: "Create",
    action: "Create add-ons on a subscription",
    description: "Add add-ons to a subscription in the vendor's system (Addon Create)",
    title: "Addon Create",
    setting: "addonCreatePath",
    default_path: "Addon/Create",
    rules: Rules { parent: "None", marked: "Provision", addons: AddonRole::Subject("to create") },
    needs_id: true,
    addons: Some(AddonForm {
        marker: Some((
            "In This Order",
            "On: the order adds it (Provision). Off: the subscription already has it (None).",
        )),
        quantity: "How many of this add-on",
    }),
    up_front: &[],
};

pub static UPDATE: Call = Call {
    value: "addonUpdate",
    name: "Update",
    action: "Update add-ons of a subscription",
    description: "Change the quantity of a subscription's add-ons in the vendor's system (Addon Update)",
    title: "Addon Update",
    setting: "addonUpdatePath",
    default_path: "Addon/Update",
    rules: Rules { parent: "None", marked: "Provision", addons: AddonRole::Subject("to update") },
    needs_id: true,
    addons: Some(AddonForm {
        marker: Some(("Changed", "On: its quantity changed (Provision). Off: it stays as it is (None).")),
        quantity: "The add-on's new total after the change, not the difference",
    }),
    up_front: &[],
};

pub static CANCEL: Call = Call {
    value: "addonCancel",
    name: "Cancel",
    action: "Cancel add-ons of a subscription",
    description: "Cancel add-ons of a subscription in the vendor's system (Addon Cancel)",
    title: "Addon Cancel",
    setting: "addonCancelPath",
    default_path: "Addon/Cancel",
    rules: Rules { parent: "None", marked: "Cancel", addons: AddonRole::Subject("to cancel") },
    needs_id: true,
    addons: Some(AddonForm {
        marker: Some(("Cancel It", "On: cancel this add-on (Cancel). Off: it stays (None).")),
        quantity: "The add-on's quantity",
    }),
    up_front: &[],
};

#[cfg(test)]
mod tests {
    use crate::prelude::*;

    fn prepare(call: &'static super::Call, params: Value, settings: Value) -> Result<Plan, NodeError> {
        crate::testing::prepare(&call.operation(), 0, params, settings)
    }

    fn body(plan: Plan) -> Value {
        plan.request().unwrap().body.clone().unwrap()
    }

    #[test]
    fn custom_paths_apply_only_with_the_switch_on_or_from_credentials_older_than_it() {
        let params =
            json!({ "subscriptionId": "sub-1", "addons": { "addon": [{ "productId": "P1", "quantity": 1 }] } });
        let path = |settings: Value| {
            prepare(&super::CREATE, params.clone(), settings).unwrap().request().unwrap().path.clone()
        };
        assert_eq!(path(json!({ "customPaths": false, "addonCreatePath": "x/Create" })), "Addon/Create");
        assert_eq!(path(json!({ "customPaths": true, "addonCreatePath": "x/Create" })), "x/Create");
        assert_eq!(path(json!({ "addonCreatePath": "x/Create" })), "x/Create");
        assert_eq!(path(json!({ "customPaths": true })), "Addon/Create");
    }

    #[test]
    fn create_builds_the_service_definition_with_action_types_and_attribute_map() {
        let plan = prepare(
            &super::CREATE,
            json!({
                "subscriptionId": "sub-1",
                "addons": { "addon": [{ "productId": "P1", "name": "Domain", "quantity": 2,
                    "attributes": { "attribute": [{ "id": "plan", "value": "Pro", "quantityLinked": true }] } },
                    { "productId": "P0", "id": "a-0", "quantity": 1, "included": false }] },
                "additionalFields": { "derivative": 1, "billingCycleDuration": "1", "billingCycleDurationType": "Month",
                    "account": "{\"ID\":\"1001\"}" }
            }),
            json!({ "addonCreatePath": "/api/Example/Addons/Create/" }),
        )
        .unwrap();
        assert_eq!(plan.request().unwrap().path, "api/Example/Addons/Create");
        assert_eq!(
            body(plan),
            json!({
                "ID": "sub-1", "ActionType": "None",
                "Addons": [{ "ProductID": "P1", "Name": "Domain", "ActionType": "Provision", "Quantity": 2,
                    "AttributeList": { "plan": { "ID": "plan", "Value": "Pro", "QuantityLinked": true } } },
                    { "ProductID": "P0", "ID": "a-0", "ActionType": "None", "Quantity": 1 }],
                "Derivative": 1, "BillingCycle": { "Duration": "1", "DurationType": "Month" }, "Account": { "ID": "1001" }
            })
        );
    }

    #[test]
    fn update_and_cancel_mark_the_add_ons_they_act_on() {
        let addons = json!({ "addon": [
            { "productId": "P1", "id": "a-1", "quantity": 7 },
            { "productId": "P2", "id": "a-2", "quantity": 0, "included": false }
        ] });
        let update =
            body(prepare(&super::UPDATE, json!({ "subscriptionId": "s", "addons": addons }), json!({})).unwrap());
        assert_eq!(update["ActionType"], "None");
        assert_eq!(
            update["Addons"][0],
            json!({ "ProductID": "P1", "ID": "a-1", "ActionType": "Provision", "Quantity": 7 })
        );
        assert_eq!(update["Addons"][1]["ActionType"], "None");
        let plan = prepare(&super::CANCEL, json!({ "subscriptionId": "s", "addons": addons }), json!({})).unwrap();
        assert_eq!(plan.request().unwrap().path, "Addon/Cancel");
        let cancel = body(plan);
        assert_eq!(cancel["Addons"][0]["ActionType"], "Cancel");
        assert_eq!(cancel["Addons"][1]["ActionType"], "None");
    }

    #[test]
    fn a_json_definition_gets_the_rules_on_top() {
        let definition = json!({ "ID": "s", "ActionType": "Provision", "Quantity": "4", "AttributeList": { "a": { "Value": "x" } },
            "Addons": [{ "ID": "a-1", "ProductID": "P1", "Quantity": 3 }, { "ID": "a-2", "ProductID": "P2", "ActionType": 0 }] });
        let sent = body(
            prepare(&super::UPDATE, json!({ "definitionSource": "json", "serviceDefinition": definition }), json!({}))
                .unwrap(),
        );
        assert_eq!(
            sent,
            json!({ "ID": "s", "ActionType": "None", "Quantity": 4, "AttributeList": { "a": { "ID": "a", "Value": "x" } },
                "Addons": [{ "ID": "a-1", "ProductID": "P1", "Quantity": 3, "ActionType": "Provision" },
                    { "ID": "a-2", "ProductID": "P2", "ActionType": "None" }] })
        );
        let error = prepare(
            &super::CANCEL,
            json!({ "definitionSource": "json", "serviceDefinition": { "ID": "s", "Addons": [{ "ProductID": "P", "ActionType": "Provision" }] } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(
            error
                .message
                .starts_with("Parameter \"Service Definition\" of item 0 does not fit Addon Cancel: Addons[0].ActionType is \"Provision\""),
            "{}",
            error.message
        );
        let advanced = json!({ "definitionSource": "json", "advanced": { "addonActionType": "Provision", "parentActionType": "Upgrade" },
            "serviceDefinition": { "ID": "s", "Addons": [{ "ProductID": "P", "ActionType": "Provision" }] } });
        let sent = body(prepare(&super::CANCEL, advanced, json!({})).unwrap());
        assert_eq!(
            (sent["ActionType"].clone(), sent["Addons"][0]["ActionType"].clone()),
            (json!("Upgrade"), json!("Provision"))
        );
    }

    #[test]
    fn refuses_missing_parts_before_sending() {
        let error = prepare(&super::CREATE, json!({ "addons": {} }), json!({})).err().unwrap();
        assert_eq!(error.message, "Parameter \"Subscription ID\" of item 0 is required");
        let error = prepare(&super::CREATE, json!({ "subscriptionId": "s" }), json!({})).err().unwrap();
        assert!(error.message.contains("\"Add-Ons\""), "{}", error.message);
        let only_kept =
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P", "included": false }] } });
        let error = prepare(&super::UPDATE, only_kept, json!({})).err().unwrap();
        assert!(error.message.ends_with("needs at least one add-on to update"), "{}", error.message);
        let error = prepare(
            &super::CREATE,
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P", "quantity": 0 }] } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("\"Add-Ons 1 › Quantity\""), "{}", error.message);
        let error = prepare(
            &super::CREATE,
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P" }] } }),
            json!({ "addonCreatePath": "../admin" }),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("plain path"));
        let error = prepare(
            &super::UPDATE,
            json!({ "definitionSource": "json", "serviceDefinition": { "Addons": [{ "ProductID": "P" }] } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("has no ID: Addon Update needs"), "{}", error.message);
        let error = prepare(
            &super::CREATE,
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P" }] },
                "additionalFields": { "attributeList": "[{\"ID\":\"a\"}]" } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(error.message.contains("\"Subscription Attributes (JSON)\""), "{}", error.message);
        assert!(error.message.ends_with("must be a JSON object, got a list"), "{}", error.message);
        let error = prepare(
            &super::CREATE,
            json!({ "subscriptionId": "s", "addons": { "addon": [{ "productId": "P" }] },
                "additionalFields": { "attributeList": { "a": { "QuantityLinked": "yes" } } } }),
            json!({}),
        )
        .err()
        .unwrap();
        assert!(
            error.message.ends_with("AttributeList.a.QuantityLinked must be true or false, got text"),
            "{}",
            error.message
        );
    }
}
