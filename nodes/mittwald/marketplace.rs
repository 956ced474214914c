use crate::prelude::*;

/// `extension-order-extension`: the body is a oneOf — for a customer or for a project, never both.
pub fn order_extension() -> Operation {
    Operation::new("extension-order-extension", "Order Extension", "Order an extension", |input| {
        let p = &input.params;
        let extension_id = p.required_uuid("extensionId")?;
        let target_field = match p.choice("orderFor")?.as_ref().and_then(Value::as_str) {
            Some("project") => "projectId",
            Some(_) => "customerId",
            // Plain-JS callers may leave the picker out: the id they gave decides, and two ids are ambiguous.
            None => match (p.text("customerId")?, p.text("projectId")?) {
                (Some(_), Some(_)) => {
                    return Err(p.invalid(
                        "projectId",
                        "cannot be given together with \"Customer Id\": order for a customer or for a project",
                    ))
                }
                (None, Some(_)) => "projectId",
                _ => "customerId",
            },
        };
        let target_id = p.required_uuid(target_field)?;
        let scopes = p.string_list("consentedScopes")?;
        let variant = p.text("variantKey")?;

        let mut body = json!({ "consentedScopes": scopes, target_field: target_id });
        if let Some(variant) = &variant {
            body["variantKey"] = json!(variant);
        }
        let request = Request::post("/v2/extensions/{extensionId}/order")
            .path_param("extensionId", &extension_id)?
            .json(body.clone());
        Ok(Plan::shaped(request, move |answer| {
            let mut ordered = json!({
                "ordered": true,
                "extensionId": extension_id,
                "target": if target_field == "projectId" { "project" } else { "customer" },
            });
            if let (Value::Object(out), Value::Object(sent)) = (&mut ordered, body) {
                out.extend(sent);
            }
            if let (Value::Object(out), Value::Object(extra)) = (&mut ordered, answer) {
                out.extend(extra);
            }
            Ok(ordered)
        }))
    })
    .describe("Order an extension with the saved payment method, for a customer or into a project")
    .fields(vec![
        Property::locator(
            "extensionId",
            "Extension Id",
            &super::EXTENSIONS,
            "e.g. 907a24e9-0723-4566-b584-86578419e983",
        )
        .required()
        .describe("The extension to order: pick it from the marketplace or enter its ID (UUID)"),
        Property::options(
            "orderFor",
            "Order For",
            vec![
                Choice::new("Customer", "customer").describe("Book the extension for a customer (organisation)"),
                Choice::new("Project", "project").describe("Install the extension in a project"),
            ],
        ),
        Property::locator("customerId", "Customer Id", &super::CUSTOMERS, "e.g. 4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
            .required()
            .describe("The customer the extension should be booked for")
            .show_when("orderFor", &[json!("customer")]),
        Property::locator("projectId", "Project Id", &super::PROJECTS, "e.g. 4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
            .required()
            .describe("The project the extension should be installed in")
            .show_when("orderFor", &[json!("project")]),
        // Required as the spec says; n8n checks each entry of a multiple-value field, so an empty
        // list (an extension that asks for no scopes) still passes, and is sent as `[]`.
        Property::string_list("consentedScopes", "Consented Scopes", "Add Scope").required().describe(
            "The scopes you consent to grant the extension (it lists the ones it asks for). Leave empty if it \
                 asks for none. A JSON array of strings is accepted too.",
        ),
        Property::string("variantKey", "Variant Key")
            .describe("Only needed if the extension has several variants; left out of the order when empty"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &str = "907a24e9-0723-4566-b584-86578419e983";
    const ID: &str = "4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b";

    fn prepare(params: Value) -> Result<Plan, NodeError> {
        crate::testing::prepare(&order_extension(), 0, params, json!({}))
    }

    #[test]
    fn orders_for_a_project_with_only_that_branch_in_the_body() {
        let plan = prepare(json!({
            "extensionId": EXT, "orderFor": "project", "projectId": ID, "customerId": "ignored",
            "consentedScopes": "[\"a\",\"b\"]", "variantKey": ""
        }))
        .unwrap();
        assert_eq!(plan.request().unwrap().path, format!("/v2/extensions/{EXT}/order"));
        assert_eq!(plan.request().unwrap().body, Some(json!({ "consentedScopes": ["a", "b"], "projectId": ID })));
    }

    #[test]
    fn customer_is_the_default_target_and_variant_is_sent_when_set() {
        let plan = prepare(json!({ "extensionId": EXT, "customerId": ID, "consentedScopes": [], "variantKey": "pro" }))
            .unwrap();
        assert_eq!(
            plan.request().unwrap().body,
            Some(json!({ "consentedScopes": [], "customerId": ID, "variantKey": "pro" }))
        );
    }

    #[test]
    fn without_the_picker_the_given_id_decides_and_two_ids_are_refused() {
        let plan = prepare(json!({ "extensionId": EXT, "projectId": ID })).unwrap();
        assert_eq!(plan.request().unwrap().body.clone().unwrap()["projectId"], ID);
        let error = prepare(json!({ "extensionId": EXT, "projectId": ID, "customerId": ID })).err().unwrap();
        assert!(error.message.starts_with("Parameter \"Project Id\" of item 0 cannot be given together"));
    }

    #[test]
    fn rejects_bad_ids_and_scopes_by_label() {
        let error = prepare(json!({ "extensionId": "../x", "customerId": ID })).err().unwrap();
        assert!(error.message.contains("\"Extension Id\""), "{}", error.message);
        let error = prepare(json!({ "extensionId": EXT, "orderFor": "project" })).err().unwrap();
        assert_eq!(error.message, "Parameter \"Project Id\" of item 0 is required");
        let error = prepare(json!({ "extensionId": EXT, "customerId": ID, "consentedScopes": "{" })).err().unwrap();
        assert!(error.message.contains("\"Consented Scopes\""), "{}", error.message);
    }
}
