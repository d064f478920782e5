//! Types as text and as tokens: the text the metadata carries, and the
//! rewrites the metadata's constant needs.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};

use crate::method::split_top_level;

/// A type as a person writes it: `Option<&str>`, `&'a [u8]`,
/// `Result<Vec<Job>, Error>`, whatever the spacing of the source. The
/// tokens' own `to_string` spaces every token (`Option < & str >`).
#[cfg(test)]
pub(crate) fn type_text(ty: &TokenStream) -> String {
    scan(ty).text
}

/// The span a type's diagnostics point at: its first token's.
pub(crate) fn first_span(ty: &TokenStream) -> Span {
    ty.clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span())
}

/// Whether `ty` is a path whose last segment is `name` (`Option<u32>`,
/// `std::option::Option<u32>`): read by name, so that aliases count.
pub(crate) fn is_path_to(ty: &TokenStream, name: &str) -> bool {
    path_arguments(ty, |last| last == name).is_some()
}

/// `T` in `name<T, ..>`, a path whose last segment is `name` (`Result<T, E>`,
/// `twill_api::Result<T>`), when `T` is a type.
pub(crate) fn first_generic_argument(ty: &TokenStream, name: &str) -> Option<TokenStream> {
    first_argument_of(path_arguments(ty, |last| last == name)??)
}

/// `T` in `ApiResult<T>`: a path whose last segment ends with `suffix`, an
/// alias of `Result` by its name.
pub(crate) fn first_generic_argument_by_suffix(
    ty: &TokenStream,
    suffix: &str,
) -> Option<TokenStream> {
    first_argument_of(path_arguments(ty, |last| last.ends_with(suffix))??)
}

fn first_argument_of(arguments: TokenStream) -> Option<TokenStream> {
    let first = split_top_level(arguments).into_iter().next()?;
    match first.first()? {
        // A lifetime, a constant.
        TokenTree::Punct(punct) if punct.as_char() == '\'' => None,
        TokenTree::Literal(_) => None,
        TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => None,
        _ => Some(first.into_iter().collect()),
    }
}

/// For a path ending in the segment `name`: `Some(Some(arguments))` with
/// what is between its angle brackets, or `Some(None)` when it has none.
fn path_arguments(
    ty: &TokenStream,
    name: impl Fn(&str) -> bool + Copy,
) -> Option<Option<TokenStream>> {
    let tokens: Vec<TokenTree> = ty.clone().into_iter().collect();
    // A type in parentheses, or in the invisible group of a `macro_rules!`
    // fragment, is the type inside.
    if let [TokenTree::Group(group)] = tokens.as_slice()
        && matches!(group.delimiter(), Delimiter::Parenthesis | Delimiter::None)
    {
        return path_arguments(&group.stream(), name);
    }
    let is_colon =
        |at: usize| matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    let mut at = 0;
    let last = loop {
        if is_colon(at) && is_colon(at + 1) {
            at += 2;
        }
        let Some(TokenTree::Ident(ident)) = tokens.get(at) else {
            return None;
        };
        at += 1;
        if !(is_colon(at) && is_colon(at + 1)) {
            break ident;
        }
    };
    if !name(&last.to_string()) {
        return None;
    }
    match tokens.get(at) {
        None => Some(None),
        Some(TokenTree::Punct(open)) if open.as_char() == '<' => {
            let close = tokens.len() - 1;
            match &tokens[close] {
                TokenTree::Punct(punct) if punct.as_char() == '>' && close > at => {
                    Some(Some(tokens[at + 1..close].iter().cloned().collect()))
                }
                _ => None,
            }
        }
        Some(_) => None,
    }
}

/// What one walk over a type's tokens tells: each token crosses the
/// compiler's bridge, which in a dev build is the macro's main cost, so
/// the type is walked once for all of it.
pub(crate) struct TypeScan {
    /// The type as a person writes it (see [`type_text`]).
    pub(crate) text: String,
    /// Its identifiers, lifetimes' names left out.
    pub(crate) idents: Vec<(String, Span)>,
    /// Whether it names a lifetime.
    pub(crate) has_lifetime: bool,
    /// Its tokens.
    pub(crate) tokens: TokenStream,
}

pub(crate) fn scan(ty: &TokenStream) -> TypeScan {
    let tokens = ty.clone();
    let mut scan = TypeScan {
        text: String::new(),
        idents: Vec::new(),
        has_lifetime: false,
        tokens: TokenStream::new(),
    };
    write_tokens(tokens.clone(), &mut scan);
    scan.tokens = tokens;
    scan
}

impl TypeScan {
    /// The first of `names` among the identifiers, with its span.
    pub(crate) fn first_of(&self, names: &[String]) -> Option<(String, Span)> {
        self.idents
            .iter()
            .find(|(name, _)| names.contains(name))
            .cloned()
    }

    /// The tokens with every lifetime made `'static` (see
    /// [`rewrite_lifetimes`]).
    /// [`text`](Self::text) with every lifetime `'static`, for code written
    /// as text that names the type outside the method (a constant).
    pub(crate) fn static_text(&self) -> std::borrow::Cow<'_, str> {
        if !self.has_lifetime {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut chars = self.text.char_indices().peekable();
        while let Some((at, ch)) = chars.next() {
            if ch != '\'' {
                out.push(ch);
                continue;
            }
            let mut end = at + 1;
            while let Some(&(next, c)) = chars.peek() {
                if !(c.is_alphanumeric() || c == '_') {
                    break;
                }
                end = next + c.len_utf8();
                chars.next();
            }
            // A char literal (`'x'`, in a const argument) stays as it is.
            if chars.peek().is_some_and(|&(_, c)| c == '\'') {
                chars.next();
                out.push_str(&self.text[at..end]);
                out.push('\'');
            } else {
                out.push_str("'static");
            }
        }
        std::borrow::Cow::Owned(out)
    }

    pub(crate) fn static_tokens(&self) -> TokenStream {
        if self.has_lifetime {
            rewrite_lifetimes(self.tokens.clone())
        } else {
            self.tokens.clone()
        }
    }
}

fn write_tokens(tokens: TokenStream, scan: &mut TypeScan) {
    // Whether the last token written ends a word: an identifier, a literal,
    // a lifetime's name or a closing group. Two words need a space between.
    let mut after_word = false;
    // After `mut`, `dyn` and the like a group is a type of its own
    // (`&mut [u8]`), not arguments (`Fn(u32)`).
    let mut after_keyword = false;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let is_keyword = matches!(&token, TokenTree::Ident(ident)
            if ["mut", "dyn", "impl", "const", "as", "for"].contains(&ident.to_string().as_str()));
        match token {
            TokenTree::Ident(ident) => {
                if after_word {
                    scan.text.push(' ');
                }
                let name = ident.to_string();
                scan.text.push_str(&name);
                scan.idents.push((name, ident.span()));
                after_word = true;
            }
            TokenTree::Literal(literal) => {
                if after_word {
                    scan.text.push(' ');
                }
                scan.text.push_str(&literal.to_string());
                after_word = true;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => (" { ", " }"),
                    Delimiter::None => ("", ""),
                };
                if after_keyword {
                    scan.text.push(' ');
                }
                scan.text.push_str(open);
                write_tokens(group.stream(), scan);
                scan.text.push_str(close);
                after_word = true;
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                match c {
                    // A lifetime: `'a` glued to its name, a space after it
                    // when a word follows (`&'a str`).
                    '\'' => {
                        if after_word {
                            scan.text.push(' ');
                        }
                        scan.text.push('\'');
                        scan.has_lifetime = true;
                        if let Some(TokenTree::Ident(name)) = tokens.next() {
                            scan.text.push_str(&name.to_string());
                        }
                        after_word = true;
                        after_keyword = false;
                        continue;
                    }
                    ',' | ';' => scan.text.push_str(&format!("{c} ")),
                    '+' | '=' => scan.text.push_str(&format!(" {c} ")),
                    '-' if punct.spacing() == Spacing::Joint => scan.text.push_str(" -"),
                    '>' if scan.text.ends_with(" -") => scan.text.push_str("> "),
                    _ => scan.text.push(c),
                }
                after_word = false;
            }
        }
        after_keyword = is_keyword;
    }
}

/// The tokens with every lifetime made `'static`: the metadata is a
/// constant, where the method's lifetimes are not in scope, and whether a
/// type streams does not depend on them.
fn rewrite_lifetimes(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '\'' => {
                let name = tokens.next();
                let span = name.as_ref().map_or(punct.span(), TokenTree::span);
                out.push(TokenTree::Punct(punct));
                out.push(TokenTree::Ident(Ident::new("static", span)));
            }
            TokenTree::Group(group) => {
                let mut rewritten =
                    Group::new(group.delimiter(), rewrite_lifetimes(group.stream()));
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod static_text_tests {
    use super::*;

    #[test]
    fn lifetimes_become_static_in_text_and_char_literals_stay() {
        let scan = |source: &str| scan(&source.parse().unwrap());
        assert_eq!(scan("&'a str").static_text(), "&'static str");
        assert_eq!(
            scan("Option<&'a Cow<'b, str>>").static_text(),
            "Option<&'static Cow<'static, str>>"
        );
        assert_eq!(scan("u32").static_text(), "u32");
        assert_eq!(scan("Fixed<'x', 'a>").static_text(), "Fixed<'x', 'static>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(source: &str) -> TokenStream {
        source.parse().expect("tokens")
    }

    fn text(source: &str) -> String {
        type_text(&ty(source))
    }

    #[test]
    fn paths_read_by_their_last_segment() {
        assert!(is_path_to(&ty("Option<u32>"), "Option"));
        assert!(is_path_to(&ty("::std::option::Option<&str>"), "Option"));
        assert!(!is_path_to(&ty("Vec<Option<u32>>"), "Option"));
        assert!(!is_path_to(&ty("<T as Trait>::Option"), "Option"));
        let success =
            |source: &str| first_generic_argument(&ty(source), "Result").map(|t| t.to_string());
        assert_eq!(success("Result<Vec<T>, E>").as_deref(), Some("Vec < T >"));
        assert_eq!(success("twill_api::Result<()>").as_deref(), Some("()"));
        assert_eq!(success("(Result<u8, E>)").as_deref(), Some("u8"));
        assert_eq!(success("Result<'a, E>"), None);
        assert_eq!(success("Result"), None);
        assert_eq!(success("Option<u8>"), None);
        assert_eq!(success("(u8, Result<u8, E>)"), None);
    }

    #[test]
    fn types_read_as_written() {
        assert_eq!(text("& str"), "&str");
        assert_eq!(text("Option < & 'a str >"), "Option<&'a str>");
        assert_eq!(text("&'static mut [u8]"), "&'static mut [u8]");
        assert_eq!(
            text("std::result::Result<Vec<Job>,Error>"),
            "std::result::Result<Vec<Job>, Error>"
        );
        assert_eq!(text("Cow<'_, str>"), "Cow<'_, str>");
        assert_eq!(text("(u8, String)"), "(u8, String)");
        assert_eq!(text("[u8; 4]"), "[u8; 4]");
        assert_eq!(
            text("Box<dyn Fn(u32) -> u32 + Send>"),
            "Box<dyn Fn(u32) -> u32 + Send>"
        );
        assert_eq!(text("<T as Trait>::Output"), "<T as Trait>::Output");
        assert_eq!(text("impl Iterator<Item = u8>"), "impl Iterator<Item = u8>");
    }

    #[test]
    fn lifetimes_become_static() {
        let foo = ty("Foo<'a, Cow<'_, str>>");
        assert_eq!(
            scan(&foo).static_tokens().to_string().replace(' ', ""),
            "Foo<'static,Cow<'static,str>>"
        );
    }

    #[test]
    fn finds_generic_names() {
        let page = ty("Vec<Page<T>>");
        let names = ["T".to_owned()];
        assert_eq!(
            scan(&page).first_of(&names).map(|(n, _)| n),
            Some("T".to_owned())
        );
        let thing = ty("Vec<Thing>");
        assert!(scan(&thing).first_of(&names).is_none());
        let lifetime = ty("&'T str");
        assert!(
            scan(&lifetime).first_of(&names).is_none(),
            "a lifetime's name is not a type"
        );
    }
}
