//! `--jq EXPR`: a jq filter, compiled once before anything is sent, run on
//! the command's JSON document by jaq (jq in Rust).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Native, Vars, compile, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

use super::json::Printed;
use crate::failure::Failure;

type Data = data::JustLut<Val>;

/// A compiled jq filter.
pub struct JqFilter {
    filter: compile::Filter<Native<Data>>,
}

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JqFilter")
    }
}

impl JqFilter {
    /// Compiles `code` with jq's standard library; a usage error saying
    /// what is wrong where when it is not a filter.
    pub fn parse(code: &str) -> Result<Self, Failure> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let loader = Loader::new(defs);
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errors| {
                let problems: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, error)| load_problems(code, error))
                    .collect();
                invalid(code, &problems)
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let problems: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, undefined)| undefined)
                    .map(|(name, kind)| format!("undefined {} `{name}`", kind.as_str()))
                    .collect();
                invalid(code, &problems)
            })?;
        Ok(JqFilter { filter })
    }

    /// Runs the filter on `document`: each result, a string as its text.
    pub fn run(&self, document: &Value) -> Result<Vec<Printed>, Failure> {
        let bytes = serde_json::to_vec(document)
            .map_err(|error| Failure::Local(format!("--jq: {error}")))?;
        let input = jaq_json::read::parse_single(&bytes)
            .map_err(|error| Failure::Local(format!("--jq cannot read the answer: {error}")))?;
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        let mut printed = Vec::new();
        for result in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let value = result.map_err(|error| Failure::Local(format!("--jq: {error}")))?;
            printed.push(match value {
                Val::TStr(text) => Printed::Text(String::from_utf8_lossy(&text).into_owned()),
                other => {
                    let text = other.to_string();
                    Printed::Json(serde_json::from_str(&text).unwrap_or(Value::String(text)))
                }
            });
        }
        Ok(printed)
    }
}

fn invalid(code: &str, problems: &[String]) -> Failure {
    Failure::Usage(format!(
        "--jq `{}` is not a jq filter: {}",
        twill_api::untrusted::escape_line(code),
        problems.join("; ")
    ))
}

/// What a lex or parse error says, and where in `code`.
fn load_problems(code: &str, error: jaq_core::load::Error<&str>) -> Vec<String> {
    let at = |found: &str| {
        let offset = (found.as_ptr() as usize).saturating_sub(code.as_ptr() as usize);
        if found.is_empty() {
            "at the end".to_owned()
        } else {
            format!(
                "at column {}",
                code[..offset.min(code.len())].chars().count() + 1
            )
        }
    };
    match error {
        jaq_core::load::Error::Io(errors) => errors.into_iter().map(|(_, why)| why).collect(),
        jaq_core::load::Error::Lex(errors) => errors
            .into_iter()
            .map(|(expected, found)| format!("expected {} {}", expected.as_str(), at(found)))
            .collect(),
        jaq_core::load::Error::Parse(errors) => errors
            .into_iter()
            .map(|(expected, found)| format!("expected {} {}", expected.as_str(), at(found)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(filter: &str, document: Value) -> Vec<String> {
        JqFilter::parse(filter)
            .unwrap()
            .run(&document)
            .unwrap()
            .into_iter()
            .map(|printed| match printed {
                Printed::Text(text) => format!("text {text}"),
                Printed::Json(value) => format!("json {value}"),
            })
            .collect()
    }

    #[test]
    fn strings_print_as_text_and_the_rest_as_json() {
        let page = json!({"tasks": [{"slug": "a", "n": 1}, {"slug": "b", "n": 2}]});
        assert_eq!(texts(".tasks[].slug", page.clone()), ["text a", "text b"]);
        assert_eq!(
            texts("[.tasks[] | select(.n > 1)]", page.clone()),
            [r#"json [{"slug":"b","n":2}]"#]
        );
        assert_eq!(
            texts(r#".tasks[] | "\(.slug)\t\(.n)""#, page),
            ["text a\t1", "text b\t2"]
        );
    }

    #[test]
    fn a_bad_filter_is_a_usage_error_saying_where() {
        let message = JqFilter::parse(".tasks[").unwrap_err().to_string();
        assert!(
            message.starts_with("--jq `.tasks[` is not a jq filter: expected"),
            "{message}"
        );
        let message = JqFilter::parse("nosuchfunction").unwrap_err().to_string();
        assert!(
            message.contains("undefined filter `nosuchfunction`"),
            "{message}"
        );
    }
}
