//! Writing an expansion cheaply. In a dev build a proc macro runs
//! unoptimised, and building its output token by token (`quote!`) was half
//! of its cost: every token is made by unoptimised code and crosses the
//! compiler's bridge. So the fixed parts of an expansion are written as
//! text and lexed in one piece by the compiler's own (optimised) lexer, and
//! only the tokens whose spans matter, the user's own, are kept as tokens.

use std::fmt;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;

/// Code being written: text not yet lexed, after the pieces so far.
#[derive(Default)]
pub(crate) struct Code {
    /// Joined once at the end: each join crosses the compiler's bridge.
    pieces: Vec<TokenStream>,
    text: String,
}

impl Code {
    /// Appends source text (spanned at the macro's call site once lexed).
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends tokens as they are, spans and all.
    pub(crate) fn tokens(&mut self, tokens: impl ToTokens) -> &mut Self {
        self.flush();
        self.pieces.push(tokens.into_token_stream());
        self
    }

    /// Appends `inner` in a group: the way to put the user's tokens
    /// between brackets, which text cannot open without closing.
    pub(crate) fn group(&mut self, delimiter: Delimiter, inner: Code) -> &mut Self {
        self.flush();
        let group = Group::new(delimiter, inner.into_tokens());
        self.pieces.push(TokenTree::Group(group).into());
        self
    }

    pub(crate) fn into_tokens(mut self) -> TokenStream {
        self.flush();
        if self.pieces.len() == 1 {
            return self.pieces.pop().unwrap_or_default();
        }
        self.pieces.into_iter().collect()
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.pieces.push(lex(&self.text));
            self.text.clear();
        }
    }
}

impl fmt::Write for Code {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.text.push_str(text);
        Ok(())
    }
}

/// Lexes text this crate wrote. Inside the compiler, with the compiler's
/// lexer directly: `proc_macro2` would first lex it again with its own
/// unoptimised lexer, to guard against text that does not lex, which ours
/// cannot be (its strings are written with `{:?}`, its brackets balance,
/// and the unit tests lex every expansion with that checking lexer).
fn lex(text: &str) -> TokenStream {
    if proc_macro::is_available()
        && let Ok(tokens) = text.parse::<proc_macro::TokenStream>()
    {
        return tokens.into();
    }
    text.parse().unwrap_or_else(|_| {
        let message = format!("twill_endpoint wrote code that does not lex (a bug): {text}");
        quote::quote!(::core::compile_error! { #message })
    })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn text_tokens_and_groups_in_order() {
        let mut inner = Code::default();
        inner.text("a,").tokens(quote::quote!(b));
        let mut code = Code::default();
        write!(code, "f{}", 1).expect("write");
        code.group(Delimiter::Parenthesis, inner).text(".g()");
        assert_eq!(code.into_tokens().to_string(), "f1 (a , b) . g ()");
    }
}
