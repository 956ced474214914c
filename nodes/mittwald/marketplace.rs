use crate::prelude::*;

/// `extension-order-extension`: the body is a oneOf — for a customer or for a project, never both.
pub fn order_extension() -> Operation {
    Operation::new("extension-order-extension", "Order an extension", "Order an extension", |input| {
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
                        "cannot be given together with \"Customer ID\": order for a customer or for a project",
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
            "Extension ID",
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
        Property::locator("customerId", "Customer ID", &super::CUSTOMERS, "e.g. 4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
            .required()
            .describe("The customer the extension should be booked for")
            .show_when("orderFor", &[json!("customer")]),
        Property::locator("projectId", "Project ID", &super::PROJECTS, "e.g. 4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
            .required()
            .describe("The project the extension should be installed in")
            .show_when("orderFor", &[json!("project")]),
        // Always sent (the spec requires the field), as `[]` when the extension asks for no scopes.
        Property::loaded_options("consentedScopes", "Consented Scopes", &super::SCOPES, &["extensionId"]).describe(
            "The scopes you consent to grant the extension: the list is the ones the chosen extension asks for \
             (consent to all of them to order it). An expression or a JSON array of strings works too.",
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
        assert!(error.message.starts_with("Parameter \"Project ID\" of item 0 cannot be given together"));
    }

    #[test]
    fn rejects_bad_ids_and_scopes_by_label() {
        let error = prepare(json!({ "extensionId": "../x", "customerId": ID })).err().unwrap();
        assert!(error.message.contains("\"Extension ID\""), "{}", error.message);
        let error = prepare(json!({ "extensionId": EXT, "orderFor": "project" })).err().unwrap();
        assert_eq!(error.message, "Parameter \"Project ID\" of item 0 is required");
        let error = prepare(json!({ "extensionId": EXT, "customerId": ID, "consentedScopes": "{" })).err().unwrap();
        assert!(error.message.contains("\"Consented Scopes\""), "{}", error.message);
    }
}

#[cfg(test)]
mod scope_tests {
    use crate::boundary::SearchRequest;
    use crate::prelude::*;
    use crate::testing::{block_on, MockHost};

    #[test]
    fn consented_scopes_are_offered_from_the_chosen_extension() {
        let host = MockHost::new(vec![MockHost::reply(
            200,
            &[],
            r#"{"id":"e1","name":"Mail","scopes":["project:read","mail:write"]}"#,
        )]);
        let request = SearchRequest::from_json(json!({
            "node": "mittwald", "method": "listExtensionScopes",
            "parameters": { "extensionId": { "__rl": true, "mode": "list", "value": "e1" } },
        }))
        .unwrap();
        let result = block_on(crate::picker::search(&crate::nodes::registry(), request, &host));
        assert!(result.error.is_none(), "{:?}", result.error);
        assert_eq!(host.sent()[0].url, "https://api.mittwald.de/v2/extensions/e1");
        let values: Vec<&str> = result.results.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(values, ["project:read", "mail:write"]);
        assert_eq!(result.pagination_token, None);
    }
}
