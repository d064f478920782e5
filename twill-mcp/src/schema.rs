//! The schemas the tools carry, written for every host: plain JSON Schema
//! that strict validators (Ajv) and hosts converting it for other model
//! families take, and lean, since every host puts the whole tool list in
//! each session's context.
//!
//! # The conventions
//!
//! - **Formats** only from the standard set hosts know ([`FORMATS`]);
//!   schemars' integer formats (`uint64`, `uint`, ...) go, their bounds
//!   staying as `minimum`.
//! - **No boolean subschemas**: a schema that accepts anything is `{}`,
//!   never `true` (`additionalProperties: false`, a keyword's value, stays).
//! - **Nullable** has one form, `"type": ["string", "null"]`, and only in
//!   outputs (the server's JSON holds `null`s, and hosts check answers
//!   against the schema; a host converting schemas for another model
//!   family converts inputs). An input never takes `null`: an optional
//!   argument or field is left out of `required`, and is omitted rather
//!   than sent as `null`; no input `enum` lists `null`. The one exception
//!   is a field whose `null` means something ([`NULL_MEANS`]: clearing a
//!   scheduled task's agent), which takes it in the same form.
//! - **Lean**: an output schema keeps its structure (types, properties,
//!   required fields, enums) and drops descriptions, titles and defaults:
//!   the model reads the answer, and the fields are named for it. An input
//!   keeps the descriptions of its fields, not of the types that hold them
//!   (the tool's description says what the body is).

use serde_json::{Map, Value};

/// The input fields whose `null` means something (it clears the value):
/// they keep `null`, as a `type` array.
pub const NULL_MEANS: &[&str] = &["agentProviderId"];

/// The `format` values a schema may carry.
pub const FORMATS: &[&str] = &["date-time", "uri"];

/// Which side of a call a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What the model sends: descriptions kept, no `null`.
    Input,
    /// What the tool answers: structure only, `null` in `type` arrays.
    Output,
}

/// `schema` in the conventions above, for `side`.
pub fn standard(mut schema: Value, side: Side) -> Value {
    walk(&mut schema, side, false);
    schema
}

/// The keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &["items", "additionalProperties", "not", "contains"];
/// The keywords whose value is a list of schemas.
const SCHEMA_LIST: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// The keywords whose value is a map of name to schema.
const SCHEMA_MAP: &[&str] = &["properties", "patternProperties", "$defs"];

fn walk(schema: &mut Value, side: Side, null_means: bool) {
    let Value::Object(object) = schema else {
        return;
    };
    for key in ONE_SCHEMA {
        if let Some(value) = object.get_mut(*key) {
            match value {
                // A keyword's `false` (no other properties) is its value,
                // not a subschema a host must read.
                Value::Bool(false) if *key == "additionalProperties" => {}
                Value::Bool(true) => *value = Value::Object(Map::new()),
                other => walk(other, side, false),
            }
        }
    }
    for key in SCHEMA_LIST {
        if let Some(Value::Array(items)) = object.get_mut(*key) {
            for item in items.iter_mut() {
                if item == &Value::Bool(true) {
                    *item = Value::Object(Map::new());
                }
                walk(item, side, false);
            }
        }
    }
    for key in SCHEMA_MAP {
        if let Some(Value::Object(map)) = object.get_mut(*key) {
            for (name, value) in map.iter_mut() {
                if value == &Value::Bool(true) {
                    *value = Value::Object(Map::new());
                }
                walk(value, side, NULL_MEANS.contains(&name.as_str()));
            }
        }
    }
    if let Some(Value::String(format)) = object.get("format")
        && !FORMATS.contains(&format.as_str())
    {
        object.remove("format");
    }
    object.remove("title");
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
    match side {
        Side::Output => {
            object.remove("description");
            object.remove("default");
            object.remove("examples");
        }
        Side::Input if null_means => {
            if let Some(Value::String(text)) = object.get_mut("description") {
                *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            }
        }
        Side::Input => {
            // A type's doc; the field that holds it says what it is for.
            if object.get("type") == Some(&Value::String("object".to_owned())) {
                object.remove("description");
            }
            if let Some(Value::String(text)) = object.get_mut("description") {
                *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                values.retain(|value| !value.is_null());
            }
            not_null(object);
        }
    }
}

/// An input's `type` array without `null`: one type.
fn not_null(object: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = object.get("type") else {
        return;
    };
    let others: Vec<Value> = types
        .iter()
        .filter(|kind| kind.as_str() != Some("null"))
        .cloned()
        .collect();
    let kind = match others.as_slice() {
        [one] => one.clone(),
        _ => Value::Array(others),
    };
    object.insert("type".to_owned(), kind);
}

/// What breaks the conventions in `schema`, each with where: for the test
/// that walks every schema the server lists.
pub fn problems(schema: &Value, side: Side) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, side, "#", &mut found);
    found
}

fn check(schema: &Value, side: Side, at: &str, found: &mut Vec<String>) {
    // A field whose null means something takes it, as outputs do.
    let side = match at.rsplit('/').next() {
        Some(name) if NULL_MEANS.contains(&name) => Side::Output,
        _ => side,
    };
    let object = match schema {
        Value::Object(object) => object,
        Value::Bool(_) => {
            found.push(format!("{at}: a boolean subschema"));
            return;
        }
        _ => return,
    };
    if let Some(Value::String(format)) = object.get("format")
        && !FORMATS.contains(&format.as_str())
    {
        found.push(format!("{at}: format {format}"));
    }
    let null = Value::String("null".to_owned());
    let in_anyof = object
        .get("anyOf")
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().any(|item| item["type"] == "null"));
    if in_anyof {
        found.push(format!("{at}: null in anyOf (the form is a type array)"));
    }
    match object.get("type") {
        Some(Value::Array(types)) if side == Side::Input => {
            found.push(format!("{at}: an input type array {types:?}"));
        }
        Some(Value::Array(types)) if !types.contains(&null) => {
            found.push(format!("{at}: a type array without null"));
        }
        _ => {}
    }
    let null_value = object
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(Value::is_null));
    if null_value && side == Side::Input {
        found.push(format!("{at}: an input enum with null"));
    }
    for key in ONE_SCHEMA {
        match object.get(*key) {
            Some(Value::Bool(false)) if *key == "additionalProperties" => {}
            Some(value) => check(value, side, &format!("{at}/{key}"), found),
            None => {}
        }
    }
    for key in SCHEMA_LIST {
        if let Some(Value::Array(items)) = object.get(*key) {
            for (index, item) in items.iter().enumerate() {
                check(item, side, &format!("{at}/{key}/{index}"), found);
            }
        }
    }
    for key in SCHEMA_MAP {
        if let Some(Value::Object(map)) = object.get(*key) {
            for (name, value) in map {
                check(value, side, &format!("{at}/{key}/{name}"), found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_booleans_and_nulls_take_one_form_a_side() {
        let schema = json!({
            "type": "object",
            "title": "X",
            "properties": {
                "n": { "type": ["integer", "null"], "format": "uint64", "minimum": 0, "default": null, "description": "A count." },
                "at": { "type": "string", "format": "date-time" },
                "any": true,
                "list": { "type": "array", "items": true }
            },
            "additionalProperties": false
        });
        let input = standard(schema.clone(), Side::Input);
        assert_eq!(
            input["properties"]["n"],
            json!({ "type": "integer", "minimum": 0, "description": "A count." })
        );
        assert_eq!(input["properties"]["at"]["format"], "date-time");
        assert_eq!(input["properties"]["any"], json!({}));
        assert_eq!(input["properties"]["list"]["items"], json!({}));
        assert_eq!(input["additionalProperties"], false);
        assert!(problems(&input, Side::Input).is_empty(), "{input}");
        let output = standard(schema.clone(), Side::Output);
        assert_eq!(
            output["properties"]["n"],
            json!({ "type": ["integer", "null"], "minimum": 0 })
        );
        assert!(problems(&output, Side::Output).is_empty(), "{output}");
        let raw = problems(&schema, Side::Input);
        assert_eq!(raw.len(), 4, "{raw:?}");
    }
}
