//! Types as text and as tokens: the text the metadata carries, and the
//! rewrites the metadata's constant needs.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::Type;

/// A type as a person writes it: `Option<&str>`, `&'a [u8]`,
/// `Result<Vec<Job>, Error>`, whatever the spacing of the source. The
/// tokens' own `to_string` spaces every token (`Option < & str >`).
pub(crate) fn type_text(ty: &Type) -> String {
    scan(ty).text
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

pub(crate) fn scan(ty: &Type) -> TypeScan {
    let tokens = ty.to_token_stream();
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
            scan(&ty).static_tokens().to_string(),
            "Foo < 'static , Cow < 'static , str > >"
        );
    }

    #[test]
    fn finds_generic_names() {
        let ty: Type = syn::parse_str("Vec<Page<T>>").expect("a type");
        let names = ["T".to_owned()];
        assert_eq!(
            scan(&ty).first_of(&names).map(|(n, _)| n),
            Some("T".to_owned())
        );
        let ty: Type = syn::parse_str("Vec<Thing>").expect("a type");
        assert!(scan(&ty).first_of(&names).is_none());
        let ty: Type = syn::parse_str("&'T str").expect("a type");
        assert!(
            scan(&ty).first_of(&names).is_none(),
            "a lifetime's name is not a type"
        );
    }
}
