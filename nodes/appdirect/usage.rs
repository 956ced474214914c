//! Metered usage V2 (`POST /api/integration/v2/billing/usage`): AppDirect drops a request whose
//! `idempotencyKey` it has seen, so each item gets one of its own when the user gives none — made when
//! the item is prepared, so every retry of its request carries the same key. The documented
//! per-request limits are checked before anything is sent.

use crate::prelude::*;

/// The operation's id (the supplement's `operationId`): its name may change, its id does not.
const OPERATION: &str = "reportUsageV2";
const MAX_PRECONFIGURED_EVENTS: usize = 250;
const MAX_CUSTOM_EVENTS: usize = 850;
const MAX_PAYLOAD_BYTES: usize = 262_144;

/// Wraps the generated operation's `prepare`.
pub(super) fn refine(resources: &mut [Resource]) {
    let Some(operation) = resources.iter_mut().flat_map(|r| r.operations.iter_mut()).find(|o| o.value == OPERATION)
    else {
        return;
    };
    let generated = std::mem::replace(&mut operation.prepare, Box::new(|_| Err(NodeError::internal("unset"))));
    operation.prepare = Box::new(move |input| {
        let mut plan = generated(input)?;
        if let Plan::Call { request, .. } = &mut plan {
            let body = request.body.get_or_insert_with(|| json!({}));
            with_key_and_checked(body, input)?;
        }
        Ok(plan)
    });
}

fn with_key_and_checked(body: &mut Value, input: &Input) -> Result<(), NodeError> {
    let p = &input.params;
    let given = body["idempotencyKey"].as_str().map(str::trim).filter(|k| !k.is_empty()).map(String::from);
    body["idempotencyKey"] = json!(given.unwrap_or_else(|| input.unique_id()));
    let events: Vec<&Value> = body["usages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|usage| usage["usageList"].as_array().into_iter().flatten())
        .collect();
    let custom = events.iter().filter(|e| e.get("customUnit").is_some_and(|u| !u.is_null())).count();
    let preconfigured = events.len() - custom;
    if preconfigured > MAX_PRECONFIGURED_EVENTS {
        return Err(p.invalid(
            "usages",
            format!("holds {preconfigured} events with a pricing unit; AppDirect takes at most {MAX_PRECONFIGURED_EVENTS} per request: split them over several items"),
        ));
    }
    if custom > MAX_CUSTOM_EVENTS {
        return Err(p.invalid(
            "usages",
            format!("holds {custom} custom-unit events; AppDirect takes at most {MAX_CUSTOM_EVENTS} per request: split them over several items"),
        ));
    }
    let bytes = body.to_string().len();
    if bytes > MAX_PAYLOAD_BYTES {
        return Err(p.invalid(
            "usages",
            format!("makes a request of {bytes} bytes; AppDirect takes at most {MAX_PAYLOAD_BYTES}: split the events over several items"),
        ));
    }
    Ok(())
}
