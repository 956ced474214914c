//! "Request Options": the node option every node offers last — the item's limits and the run's pace.

use crate::describe::Property;
use crate::error::NodeError;
use crate::params::Params;

/// The parameter's name.
pub const NAME: &str = "requestOptions";

pub fn property() -> Property {
    let mut fields = crate::limits::option_fields();
    fields.extend(crate::limits::PaceSettings::option_fields());
    Property::collection(NAME, "Request Options", fields).placeholder("Add Option")
}

/// The options an item's parameters set, read against their form (for labels in errors).
pub fn of<'a>(
    parameters: &'a serde_json::Map<String, serde_json::Value>,
    item: usize,
    form: &'a [Property],
) -> Result<Params<'a>, NodeError> {
    Params::new(parameters, item, form).group(NAME)
}
