//! Execute GraphQL: one query or mutation against the marketplace's GraphQL endpoint, for what the REST
//! reference does not cover (carts, products). GraphQL answers HTTP 200 with `errors[]`, and mutations
//! report refusals in their payload's `userErrors`: both become errors here.

use crate::prelude::*;

pub fn execute() -> Operation {
    Operation::new("executeGraphql", "Execute GraphQL", "Execute a GraphQL query or mutation", |input| {
        let p = &input.params;
        let query = p.required_text("query")?;
        let endpoint = match p.choice("endpoint")?.as_ref().and_then(Value::as_str) {
            None | Some("ga") => "/api/graphql",
            Some("preview") => "/api/graphql/preview",
            Some(other) => return Err(p.invalid("endpoint", format!("must be \"ga\" or \"preview\", got \"{other}\""))),
        };
        let variables = match p.json("variables")? {
            None | Some(Value::Null) => json!({}),
            Some(Value::Object(map)) => Value::Object(map),
            Some(_) => return Err(p.invalid("variables", "must be a JSON object, e.g. {\"first\": 10}")),
        };
        let mut body = json!({ "query": query, "variables": variables });
        if let Some(name) = p.text("operationName")? {
            body["operationName"] = json!(name);
        }
        Ok(Plan::shaped(Request::post(endpoint).json(body), answer_of))
    })
    .describe("Send a GraphQL query or mutation (carts, products, webhooks) with the credential's token")
    .fields(vec![
        Property::options(
            "endpoint",
            "Endpoint",
            vec![
                Choice::new("Generally Available (/api/graphql)", "ga"),
                Choice::new("Preview (/api/graphql/preview)", "preview"),
            ],
        )
        .default_value("ga"),
        Property::string("query", "Query")
            .required()
            .type_option("rows", 8)
            .placeholder("query { products(first: 10) { nodes { id name } } }")
            .describe("The GraphQL document: one query or mutation"),
        Property::json("variables", "Variables", "{}").describe("The operation's variables, as a JSON object"),
        Property::string("operationName", "Operation Name")
            .describe("Which operation of the document to run, when it has several"),
    ])
}

/// The answer's `data`, or an error made of its `errors[]` and any mutation's `userErrors`.
pub(super) fn answer_of(answer: Value) -> Result<Value, NodeError> {
    let errors: Vec<String> = answer["errors"].as_array().into_iter().flatten().map(describe_error).collect();
    if !errors.is_empty() {
        let code = answer["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
        let message = match code {
            "RATE_LIMIT_EXCEEDED" | "RESOURCE_LIMIT_EXCEEDED" => {
                format!("AppDirect GraphQL limit reached: {}", errors[0])
            }
            _ => format!("GraphQL error: {}", errors[0]),
        };
        return Err(NodeError::api(message).with_description(errors.join("\n")));
    }
    let data = answer.get("data").cloned().unwrap_or(Value::Null);
    let user_errors: Vec<String> = data
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.iter())
        .flat_map(|(field, payload)| {
            payload["userErrors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |e| format!("{field}: {}", describe_error(e)))
        })
        .collect();
    if let Some(first) = user_errors.first() {
        return Err(
            NodeError::api(format!("The mutation was refused: {first}")).with_description(user_errors.join("\n"))
        );
    }
    match data {
        Value::Object(_) => Ok(data),
        _ => Err(NodeError::api("The GraphQL answer has no data")
            .with_description(crate::error::snippet(&answer.to_string()))),
    }
}

/// `message (CODE) at a.b.c`.
fn describe_error(error: &Value) -> String {
    let mut line = error["message"].as_str().unwrap_or("error").to_string();
    if let Some(code) = error["extensions"]["code"].as_str().or(error["code"].as_str()) {
        line.push_str(&format!(" ({code})"));
    }
    let path: Vec<String> = error["path"]
        .as_array()
        .or(error["field"].as_array())
        .into_iter()
        .flatten()
        .map(|p| p.as_str().map_or_else(|| p.to_string(), String::from))
        .collect();
    if !path.is_empty() {
        line.push_str(&format!(" at {}", path.join(".")));
    }
    line
}
