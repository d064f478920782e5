//! The path template: `"/tasks/<taskIdOrSlug>/messages"`.
//!
//! A template is literal segments and `<placeholder>`s; a placeholder is a
//! segment of its own, or one beside literal text in a segment
//! (`/files/<name>.json`, Google's custom methods `/tasks/<id>:cancel`).
//! Its value is percent-encoded as part of one segment, and it binds the
//! snake_case argument of the same name (`<taskIdOrSlug>` binds
//! `task_id_or_slug`). A last segment `<name..>` (Rocket's syntax) is a
//! tail: its value may hold `/`, and each of its segments is encoded.

use syn::{Error, LitStr};

use crate::errors::Errors;

pub(crate) struct PathTemplate {
    /// The literal as written, for spans.
    pub(crate) lit: LitStr,
    /// The well-formed pieces; a malformed segment is left out.
    pub(crate) pieces: Vec<Piece>,
    /// Whether every segment was well formed. When not, an argument may be
    /// meant for the malformed placeholder, so unbound arguments are not
    /// reported.
    pub(crate) complete: bool,
}

pub(crate) enum Piece {
    /// Text sent as written, slashes included.
    Literal(String),
    Placeholder(Placeholder),
}

pub(crate) struct Placeholder {
    /// The name as written between `<` and `>`, also used in error values.
    pub(crate) name: String,
    /// The argument it binds.
    pub(crate) argument: String,
    /// `<name..>`: the rest of the path, `/` kept between its segments.
    pub(crate) tail: bool,
}

impl PathTemplate {
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Placeholder(placeholder) => Some(placeholder),
            Piece::Literal(_) => None,
        })
    }
}

/// Parses a template, reporting each malformed segment.
pub(crate) fn parse(lit: LitStr) -> (PathTemplate, Errors) {
    let path = lit.value();
    let mut errors = Errors::default();
    let error = |message: String| Error::new(lit.span(), message);

    if !path.starts_with('/') {
        errors.push(error(format!(
            "the path must start with `/`, as in `\"/{path}\"`"
        )));
    }
    // Byte tests, not `str::contains` with a char pattern: the pattern
    // machinery is generic, so it runs unoptimised in a dev build's macro.
    let has_query = path.bytes().any(|b| matches!(b, b'?' | b'#'));
    if has_query {
        errors.push(error(
            "the path cannot hold a query or a fragment; declare query parameters as \
             `#[query]` arguments"
                .to_owned(),
        ));
    }

    let mut pieces = Vec::new();
    let mut literal = String::new();
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(&path).split('/').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().copied().enumerate() {
        literal.push('/');
        if segment.is_empty() {
            // `"/"` and a trailing slash are fine; `//` inside is a mistake.
            if index != last {
                errors.push(error(format!("empty segment (`//`) in the path `{path}`")));
            }
            continue;
        }
        if segment == "." || segment == ".." {
            errors.push(error(format!(
                "`{segment}` cannot be a path segment: URL parsing collapses dot segments, so \
                 the request would go to another path than `{path}`"
            )));
            continue;
        }
        if !segment.bytes().any(|b| matches!(b, b'<' | b'>')) {
            // `?` and `#` were reported above, once for the whole path.
            let bad = segment
                .chars()
                .find(|&c| !(is_literal_char(c) || (has_query && matches!(c, '?' | '#'))));
            if let Some(bad) = bad {
                // The OpenAPI habit: `{taskId}` for a placeholder.
                let braced = segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                    .filter(|inner| !inner.is_empty() && !inner.contains(['{', '}']));
                errors.push(error(match braced {
                    Some(inner) => format!(
                        "`{segment}` is not a placeholder here: write `<{inner}>` (placeholders \
                         are in angle brackets, not braces)"
                    ),
                    None => format!(
                        "`{}` is not allowed in a path literal (segment `{segment}`); literal \
                         segments use letters, digits and `-._~!$&'()*+,;=:@`",
                        bad.escape_default()
                    ),
                }));
            }
            literal.push_str(segment);
            continue;
        }
        match within_segment(segment) {
            Ok((before, placeholder, after)) if placeholder.tail && index != last => {
                errors.push(error(format!(
                    "`<{}..>` takes the rest of the path, so it must be the last segment \
                     (`{path}` goes on after it)",
                    placeholder.name
                )));
                _ = (before, after);
            }
            Ok((before, placeholder, after))
                if placeholder.tail && !(before.is_empty() && after.is_empty()) =>
            {
                errors.push(error(format!(
                    "`<{}..>` takes whole segments, so it must be a segment of its own \
                     (`/{segment}` holds other text)",
                    placeholder.name
                )));
            }
            Ok((before, placeholder, after)) => {
                literal.push_str(before);
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                pieces.push(Piece::Placeholder(placeholder));
                literal.push_str(after);
            }
            Err(message) => errors.push(error(message)),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    pieces.retain(|piece| !matches!(piece, Piece::Literal(text) if text.is_empty()));

    let complete = errors.is_empty();
    (
        PathTemplate {
            lit,
            pieces,
            complete,
        },
        errors,
    )
}

/// How a placeholder is written, for messages.
const FORM: &str = "a placeholder is `<name>`, the name made of letters, digits and `_` and \
                    starting with a letter: a segment of its own, or one beside literal text \
                    (`<name>.json`, `<id>:cancel`)";

/// A segment that holds `<` or `>`: the literal text before the one
/// placeholder it may hold, the placeholder, and the text after.
fn within_segment(segment: &str) -> Result<(&str, Placeholder, &str), String> {
    let (open, close) = (segment.find('<'), segment.find('>'));
    let (open, close) = match (open, close) {
        (Some(open), Some(close)) if open < close => (open, close),
        (Some(open), None) => {
            return Err(format!("unclosed `<` in `{}`; {FORM}", &segment[open..]));
        }
        _ => return Err(format!("unmatched `>` in `{segment}`; {FORM}")),
    };
    let (before, after) = (&segment[..open], &segment[close + 1..]);
    if after.contains(['<', '>']) || before.contains('>') {
        return Err(format!(
            "`{segment}` holds more than one placeholder: a segment holds one, so that the \
             value of each can be told from the other's"
        ));
    }
    let text = before.chars().chain(after.chars());
    if let Some(bad) = text.into_iter().find(|&c| !is_literal_char(c)) {
        return Err(format!(
            "`{}` is not allowed in a path literal (segment `{segment}`); literal text uses \
             letters, digits and `-._~!$&'()*+,;=:@`",
            bad.escape_default()
        ));
    }
    Ok((before, placeholder(&segment[open + 1..close])?, after))
}

/// The name between `<` and `>`, and whether it is a tail (`name..`).
fn placeholder(inner: &str) -> Result<Placeholder, String> {
    let written = inner;
    let (inner, tail) = match inner.strip_suffix("..") {
        Some(name) => (name, true),
        None => (inner, false),
    };
    if inner.is_empty() {
        return Err(format!("empty placeholder `<>`; {FORM}"));
    }
    let valid = inner.starts_with(|c: char| c.is_ascii_alphabetic())
        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        // `<task-id>`: the name an argument would have, spelled another way.
        let spelled: String = inner
            .chars()
            .map(|c| if c == '-' || c == ' ' { '_' } else { c })
            .collect();
        let near = spelled.starts_with(|c: char| c.is_ascii_alphabetic())
            && spelled
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let hint = if near {
            format!("; did you mean `<{}>`?", camel_case(&spelled))
        } else if written.contains('.') {
            "; the last segment may be a tail, `<name..>`, whose value keeps its `/`".to_owned()
        } else {
            String::new()
        };
        return Err(format!("invalid placeholder `<{written}>`; {FORM}{hint}"));
    }
    Ok(Placeholder {
        name: inner.to_owned(),
        argument: snake_case(inner),
        tail,
    })
}

/// RFC 3986 `pchar` less `%`: what a literal segment may hold unencoded.
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | ':'
                | '@'
        )
}

/// `taskIdOrSlug` to `task_id_or_slug`; a run of capitals is one word
/// (`jobID` to `job_id`, `HTTPStatus` to `http_status`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let starts_word = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower);
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `next_cursor` to `nextCursor`: query names go on the wire in camelCase.
pub(crate) fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.trim_start_matches("r#").chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(path: &str) -> syn::Result<PathTemplate> {
        let (template, errors) = parse(LitStr::new(path, proc_macro2::Span::call_site()));
        errors.finish(Ok(template))
    }

    fn shape(path: &str) -> Vec<String> {
        parse_str(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => text.clone(),
                Piece::Placeholder(p) if p.tail => format!("<{}..={}>", p.name, p.argument),
                Piece::Placeholder(p) => format!("<{}={}>", p.name, p.argument),
            })
            .collect()
    }

    fn messages(path: &str) -> Vec<String> {
        match parse_str(path) {
            Ok(_) => panic!("{path} parsed"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn pieces() {
        assert_eq!(
            shape("/tasks/<taskIdOrSlug>/messages"),
            ["/tasks/", "<taskIdOrSlug=task_id_or_slug>", "/messages"]
        );
        assert_eq!(shape("/tasks"), ["/tasks"]);
        assert_eq!(shape("/"), ["/"]);
        assert_eq!(shape("/<a>/<b>"), ["/", "<a=a>", "/", "<b=b>"]);
        // Beside literal text in its segment.
        assert_eq!(
            shape("/files/<name>.json"),
            ["/files/", "<name=name>", ".json"]
        );
        assert_eq!(
            shape("/tasks/<taskId>:cancel"),
            ["/tasks/", "<taskId=task_id>", ":cancel"]
        );
        assert_eq!(shape("/v<version>/x"), ["/v", "<version=version>", "/x"]);
        // A tail.
        assert_eq!(
            shape("/repos/<repoId>/contents/<filePath..>"),
            [
                "/repos/",
                "<repoId=repo_id>",
                "/contents/",
                "<filePath..=file_path>"
            ]
        );
    }

    #[test]
    fn malformed() {
        assert!(messages("/tasks/<")[0].starts_with("unclosed `<` in `<`"));
        assert!(messages("/tasks/<id")[0].starts_with("unclosed `<` in `<id`"));
        assert!(messages("/tasks/<>")[0].starts_with("empty placeholder `<>`"));
        assert!(messages("/tasks/<a b>")[0].starts_with("invalid placeholder `<a b>`"));
        assert!(messages("/tasks/id>")[0].starts_with("unmatched `>`"));
        assert!(
            messages("/files/<a><b>")[0].starts_with("`<a><b>` holds more than one placeholder")
        );
        assert!(messages("/files/<a>.<b>")[0].starts_with("`<a>.<b>` holds more than one"));
        assert!(messages("/files/<a>%2e")[0].starts_with("`%` is not allowed"));
        assert!(messages("/<rest..>/x")[0].starts_with("`<rest..>` takes the rest of the path"));
        assert!(messages("/files/<rest..>/")[0].starts_with("`<rest..>` takes the rest"));
        assert!(messages("/files/v<rest..>")[0].starts_with("`<rest..>` takes whole segments"));
        assert!(messages("/files/<..>")[0].starts_with("empty placeholder"));
        assert!(messages("/files/<a.b>")[0].starts_with("invalid placeholder `<a.b>`"));
        assert!(
            messages("/files/<a...>")[0].ends_with("a tail, `<name..>`, whose value keeps its `/`")
        );
        assert!(messages("tasks")[0].starts_with("the path must start with `/`"));
        assert_eq!(messages("/tasks?x=1").len(), 1);
        assert!(messages("/tasks?x=1")[0].contains("query"));
        assert!(messages("/a//b")[0].starts_with("empty segment"));
        assert!(messages("/a b")[0].starts_with("` ` is not allowed"));
        assert!(messages("/tasks/./x")[0].starts_with("`.` cannot be a path segment"));
        assert!(messages("/tasks/..")[0].starts_with("`..` cannot be a path segment"));
        assert_eq!(shape("/v1.2/a..b"), ["/v1.2/a..b"]);
        // Every problem is reported, not just the first.
        assert_eq!(messages("/<>/<a b>/c d").len(), 3);
    }

    #[test]
    fn cases() {
        assert_eq!(snake_case("taskIdOrSlug"), "task_id_or_slug");
        assert_eq!(snake_case("jobId"), "job_id");
        assert_eq!(snake_case("jobID"), "job_id");
        assert_eq!(snake_case("HTTPStatus"), "http_status");
        assert_eq!(snake_case("task_id"), "task_id");
        assert_eq!(snake_case("v2Id"), "v2_id");
        assert_eq!(camel_case("next_cursor"), "nextCursor");
        assert_eq!(camel_case("limit"), "limit");
        assert_eq!(camel_case("r#type"), "type");
    }
}
