//! Types as text and as tokens: the text the metadata carries, and the
//! rewrites the metadata's constant needs.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::Type;

/// A type as a person writes it: `Option<&str>`, `&'a [u8]`,
/// `Result<Vec<Job>, Error>`, whatever the spacing of the source. The
/// tokens' own `to_string` spaces every token (`Option < & str >`).
pub(crate) fn type_text(ty: &Type) -> String {
    let mut out = String::new();
    write_tokens(ty.to_token_stream(), &mut out);
    out
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
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
                    out.push(' ');
                }
                out.push_str(&ident.to_string());
                after_word = true;
            }
            TokenTree::Literal(literal) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&literal.to_string());
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
                    out.push(' ');
                }
                out.push_str(open);
                write_tokens(group.stream(), out);
                out.push_str(close);
                after_word = true;
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                match c {
                    // A lifetime: `'a` glued to its name, a space after it
                    // when a word follows (`&'a str`).
                    '\'' => {
                        if after_word {
                            out.push(' ');
                        }
                        out.push('\'');
                        if let Some(TokenTree::Ident(name)) = tokens.next() {
                            out.push_str(&name.to_string());
                        }
                        after_word = true;
                        after_keyword = false;
                        continue;
                    }
                    ',' | ';' => out.push_str(&format!("{c} ")),
                    '+' | '=' => out.push_str(&format!(" {c} ")),
                    '-' if punct.spacing() == Spacing::Joint => out.push_str(" -"),
                    '>' if out.ends_with(" -") => out.push_str("> "),
                    _ => out.push(c),
                }
                after_word = false;
            }
        }
        after_keyword = is_keyword;
    }
}

/// The type with every lifetime made `'static`: the metadata is a
/// constant, where the method's lifetimes are not in scope, and whether a
/// type streams does not depend on them.
pub(crate) fn static_lifetimes(ty: &Type) -> TokenStream {
    rewrite_lifetimes(ty.to_token_stream())
}

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

/// The first identifier in `ty` that is one of `names` (a lifetime's name
/// is not one), with its span.
pub(crate) fn first_ident_of(ty: &Type, names: &[String]) -> Option<(String, Span)> {
    fn find(tokens: TokenStream, names: &[String]) -> Option<(String, Span)> {
        let mut after_quote = false;
        for token in tokens {
            match &token {
                TokenTree::Ident(ident) if !after_quote => {
                    let name = ident.to_string();
                    if names.contains(&name) {
                        return Some((name, ident.span()));
                    }
                }
                TokenTree::Group(group) => {
                    if let Some(found) = find(group.stream(), names) {
                        return Some(found);
                    }
                }
                _ => {}
            }
            after_quote = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == '\'');
        }
        None
    }
    if names.is_empty() {
        return None;
    }
    find(ty.to_token_stream(), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(source: &str) -> String {
        type_text(&syn::parse_str(source).expect("a type"))
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
        let ty: Type = syn::parse_str("Foo<'a, Cow<'_, str>>").expect("a type");
        assert_eq!(
            static_lifetimes(&ty).to_string(),
            "Foo < 'static , Cow < 'static , str > >"
        );
    }

    #[test]
    fn finds_generic_names() {
        let ty: Type = syn::parse_str("Vec<Page<T>>").expect("a type");
        let names = ["T".to_owned()];
        assert_eq!(
            first_ident_of(&ty, &names).map(|(n, _)| n),
            Some("T".to_owned())
        );
        let ty: Type = syn::parse_str("Vec<Thing>").expect("a type");
        assert!(first_ident_of(&ty, &names).is_none());
    }
}
