//! `--json`, `--json=FIELDS` and `--jq`: which document a command prints
//! and what is made of it.
//!
//! `--json` alone prints the answer as received. `--json=FIELDS` picks
//! top-level fields of each list item (an array of objects, as gh prints),
//! or of the answer's main object (`task` for `tasks show`); the names are
//! checked against the answer's type before anything is sent. `--jq EXPR`
//! runs a jq filter on that document and prints each result on its line,
//! strings as plain text.

use std::rc::Rc;

use serde_json::{Map, Value};

use super::jq::JqFilter;
use crate::failure::Failure;

/// What a command's answer is, for `--json=FIELDS`.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A page whose items are under `field`, each with `fields`.
    List {
        field: &'static str,
        item: &'static str,
        fields: Vec<String>,
    },
    /// An object with `fields`, under `main` (or the answer itself).
    Object {
        main: Option<&'static str>,
        item: &'static str,
        fields: Vec<String>,
    },
    /// JSON whose fields are not declared (an undocumented answer, or any
    /// endpoint's through `twill api`): `--jq` works, `--json=FIELDS` not.
    Undeclared,
    /// No JSON at all (an archive, a log stream).
    NotJson,
}

impl Shape {
    /// A list of `T` under `field`; `item` names one in messages.
    pub fn list<T: schemars::JsonSchema>(field: &'static str, item: &'static str) -> Self {
        Shape::List {
            field,
            item,
            fields: fields_of::<T>(),
        }
    }

    /// A `T` under `main`, or the answer itself when `None`.
    pub fn object<T: schemars::JsonSchema>(main: Option<&'static str>, item: &'static str) -> Self {
        Shape::Object {
            main,
            item,
            fields: fields_of::<T>(),
        }
    }
}

/// The JSON field names of `T`, in declaration order.
fn fields_of<T: schemars::JsonSchema>() -> Vec<String> {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// What `--json=FIELDS` and `--jq` asked of the command's JSON.
#[derive(Debug, Clone)]
pub struct JsonView {
    shape: Shape,
    fields: Option<Vec<String>>,
    jq: Option<Rc<JqFilter>>,
}

/// One thing to print: a filter's string result as text, or JSON.
pub enum Printed {
    Text(String),
    Json(Value),
}

impl JsonView {
    /// The JSON as received.
    #[cfg(test)]
    pub fn whole() -> Self {
        JsonView {
            shape: Shape::Undeclared,
            fields: None,
            jq: None,
        }
    }

    /// Checks `fields` (comma-separated) against `shape` and compiles `jq`:
    /// a usage error, before anything is sent, when either is wrong.
    pub fn new(shape: Shape, fields: Option<&str>, jq: Option<&str>) -> Result<Self, Failure> {
        let fields: Option<Vec<String>> = fields
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|names| !names.is_empty());
        if (fields.is_some() || jq.is_some()) && matches!(shape, Shape::NotJson) {
            return Err(Failure::Usage(
                "this command prints no JSON document: --json=FIELDS and --jq do not apply"
                    .to_owned(),
            ));
        }
        if let Some(names) = &fields {
            check_fields(&shape, names)?;
        }
        let jq = jq.map(JqFilter::parse).transpose()?.map(Rc::new);
        Ok(JsonView { shape, fields, jq })
    }

    /// Whether the document is changed before it is printed.
    pub fn transforms(&self) -> bool {
        self.fields.is_some() || self.jq.is_some()
    }

    /// Whether a jq filter decides what is printed.
    pub fn filters(&self) -> bool {
        self.jq.is_some()
    }

    /// The fields picked, then the filter run: what to print.
    pub fn apply(&self, document: Value) -> Result<Vec<Printed>, Failure> {
        let document = match &self.fields {
            Some(names) => select(&self.shape, names, document),
            None => document,
        };
        match &self.jq {
            None => Ok(vec![Printed::Json(document)]),
            Some(filter) => filter.run(&document),
        }
    }
}

/// A usage error naming the valid fields when one of `names` is not one.
fn check_fields(shape: &Shape, names: &[String]) -> Result<(), Failure> {
    let (item, known) = match shape {
        Shape::List { item, fields, .. } | Shape::Object { item, fields, .. } => (*item, fields),
        Shape::Undeclared | Shape::NotJson => {
            return Err(Failure::Usage(
                "this command's answer has no declared fields: use --json, or --jq to pick from it"
                    .to_owned(),
            ));
        }
    };
    let unknown: Vec<&str> = names
        .iter()
        .filter(|name| !known.contains(name))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "--json: {} {} no field of {item}; its fields: {}",
        unknown
            .iter()
            .map(|name| format!("`{}`", twill_api::untrusted::escape_line(name)))
            .collect::<Vec<_>>()
            .join(", "),
        if unknown.len() == 1 { "is" } else { "are" },
        known.join(",")
    )))
}

/// The `names` of each item, or of the main object; a field the answer
/// lacks is `null`, as gh shows it.
fn select(shape: &Shape, names: &[String], document: Value) -> Value {
    let pick = |object: &Value| -> Value {
        let picked: Map<String, Value> = names
            .iter()
            .map(|name| {
                (
                    name.clone(),
                    object.get(name).cloned().unwrap_or(Value::Null),
                )
            })
            .collect();
        Value::Object(picked)
    };
    match shape {
        Shape::List { field, .. } => Value::Array(
            document
                .get(field)
                .and_then(Value::as_array)
                .map(|items| items.iter().map(pick).collect())
                .unwrap_or_default(),
        ),
        Shape::Object {
            main: Some(main), ..
        } => document.get(main).map_or(Value::Null, pick),
        Shape::Object { main: None, .. } => pick(&document),
        Shape::Undeclared | Shape::NotJson => document,
    }
}

/// JSON text with the characters a terminal acts on that JSON leaves
/// raw (DEL, the C1 controls, the bidi overrides) written as `\u` escapes:
/// the same JSON value, which no longer drives the screen it is shown on.
/// They can only stand inside strings (elsewhere the text is no JSON), so
/// escaping them there is always right.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `raw` indented, its keys in the order received (serde_json's
/// `preserve_order`: "as received" is what `--json` promises).
pub fn pretty(raw: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(raw).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use twill_api::models::{GetTaskResponse, TaskDetail, TaskListItem};

    #[test]
    fn pretty_json_keeps_the_servers_key_order() {
        let pretty = pretty(br#"{"zeta":1,"alpha":{"y":2,"b":3}}"#).unwrap();
        assert_eq!(
            pretty,
            "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"y\": 2,\n    \"b\": 3\n  }\n}"
        );
    }

    #[test]
    fn json_shown_is_inert_and_the_same_value() {
        let raw = "{\"t\":\"a\u{9b}31m\u{202e}b\u{7f}\"}";
        let shown = inert(raw);
        assert_eq!(shown, r#"{"t":"a\u009b31m\u202eb\u007f"}"#);
        let (before, after): (Value, Value) = (
            serde_json::from_str(raw).unwrap(),
            serde_json::from_str(&shown).unwrap(),
        );
        assert_eq!(before, after);
    }

    #[test]
    fn fields_are_the_json_names_in_declaration_order() {
        let fields = fields_of::<TaskListItem>();
        assert_eq!(&fields[..4], ["id", "slug", "title", "url"], "{fields:?}");
        assert!(fields.contains(&"latestJobStatus".to_owned()), "{fields:?}");
        assert_eq!(fields_of::<GetTaskResponse>(), ["task", "latestJob"]);
    }

    #[test]
    fn an_unknown_field_is_named_with_the_valid_ones() {
        let shape = Shape::object::<TaskDetail>(Some("task"), "a task");
        let error = JsonView::new(shape, Some("id,nme"), None).unwrap_err();
        let message = error.to_string();
        assert!(
            message
                .starts_with("--json: `nme` is no field of a task; its fields: id,slug,title,url"),
            "{message}"
        );
    }

    #[test]
    fn list_items_and_the_main_object_are_picked() {
        let list = Shape::list::<TaskListItem>("tasks", "a task");
        let document = serde_json::json!({"tasks": [{"id": "1", "slug": "a", "url": "u"}, {"id": "2"}], "nextCursor": "c"});
        assert_eq!(
            select(&list, &["slug".to_owned(), "id".to_owned()], document),
            serde_json::json!([{"slug": "a", "id": "1"}, {"slug": null, "id": "2"}])
        );
        let object = Shape::object::<TaskDetail>(Some("task"), "a task");
        let document = serde_json::json!({"task": {"id": "1", "title": "t"}, "latestJob": null});
        assert_eq!(
            select(&object, &["title".to_owned()], document),
            serde_json::json!({"title": "t"})
        );
    }
}
