//! The trait method, read straight from its tokens. `syn`'s full parse of
//! a method was the macro's largest single cost in a dev build, where the
//! macro runs unoptimised; the macro needs only the method's outline (its
//! attributes, name, generics, inputs, return type and whether it has a
//! body), and keeps each part's tokens as written, so that every span, and
//! the method it emits, are the user's own.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::{Error, Generics, WhereClause};

pub(crate) const NOT_A_TRAIT_METHOD: &str = "`#[twill_endpoint]` goes on a method declaration in a trait, \
                                  such as `async fn get_task(&self, task_id_or_slug: &str) -> \
                                  Result<GetTaskResponse, Error>;`";

/// The keywords that may come before `fn` (an `extern` with its ABI's name).
pub(crate) const QUALIFIERS: [&str; 4] = ["async", "const", "unsafe", "extern"];

/// A trait method declaration, in parts.
pub(crate) struct Method {
    pub(crate) attrs: Vec<Attr>,
    /// What comes before `fn`: `async`, and any of `const`, `unsafe`,
    /// `extern "C"`, which an endpoint refuses.
    pub(crate) qualifiers: Vec<TokenTree>,
    pub(crate) fn_token: Ident,
    pub(crate) ident: Ident,
    /// The generic parameters and the `where` clause (read by `syn`: rare
    /// and short).
    pub(crate) generics: Generics,
    /// The parentheses around the inputs, for their spans.
    pub(crate) parens: Group,
    pub(crate) inputs: Vec<Input>,
    /// `->` and the return type.
    pub(crate) output: Option<(TokenStream, TokenStream)>,
    /// The body, which a declaration does not have.
    pub(crate) body: Option<Group>,
}

/// One input between the parentheses.
pub(crate) struct Input {
    pub(crate) attrs: Vec<Attr>,
    /// The input after its attributes, as written.
    pub(crate) tokens: TokenStream,
    pub(crate) kind: InputKind,
}

pub(crate) enum InputKind {
    /// `self` in any form: `&self` (or `&'a self`) is the one accepted.
    Receiver { shared_ref: bool },
    /// `name: Type` or `mut name: Type`.
    Named { ident: Ident, ty: TokenStream },
    /// Any other pattern.
    Pattern,
}

/// An outer attribute, `#[..]`, as written.
#[derive(Clone)]
pub(crate) struct Attr {
    pound: Punct,
    brackets: Group,
}

/// What follows an attribute's name.
#[derive(Clone)]
pub(crate) enum AttrArgs {
    /// `#[name]`.
    None,
    /// `#[name(..)]`: the parentheses.
    List(Group),
    /// `#[name = ..]`: the value.
    Value(TokenStream),
}

/// An attribute's path, read by its segments.
#[derive(Clone)]
pub(crate) struct AttrPath {
    /// Whether it starts with `::`.
    pub(crate) global: bool,
    pub(crate) segments: Vec<Ident>,
    /// The path as written, for spans.
    pub(crate) tokens: TokenStream,
    /// What follows the path.
    pub(crate) args: AttrArgs,
}

impl AttrPath {
    /// The path as a person writes it: `twill_api::twill_endpoint`.
    pub(crate) fn text(&self) -> String {
        let names: Vec<String> = self.segments.iter().map(Ident::to_string).collect();
        let prefix = if self.global { "::" } else { "" };
        format!("{prefix}{}", names.join("::"))
    }
}

impl Attr {
    /// What is between the brackets.
    pub(crate) fn meta(&self) -> TokenStream {
        self.brackets.stream()
    }

    /// The path and what follows it, when the attribute starts with a path
    /// (`a::b`, `::a`) followed by nothing, `(..)` or `= ..`.
    pub(crate) fn path(&self) -> Option<AttrPath> {
        let tokens: Vec<TokenTree> = self.brackets.stream().into_iter().collect();
        let is_colons = |at: usize| {
            matches!(
                (tokens.get(at), tokens.get(at + 1)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                    if a.as_char() == ':' && b.as_char() == ':' && a.spacing() == Spacing::Joint
            )
        };
        let global = is_colons(0);
        let mut at = if global { 2 } else { 0 };
        let mut segments = Vec::new();
        loop {
            let Some(TokenTree::Ident(segment)) = tokens.get(at) else {
                return None;
            };
            segments.push(segment.clone());
            at += 1;
            if !is_colons(at) {
                break;
            }
            at += 2;
        }
        let path_tokens = tokens[..at].iter().cloned().collect();
        let args = match &tokens[at..] {
            [] => AttrArgs::None,
            [TokenTree::Group(group)] if group.delimiter() == Delimiter::Parenthesis => {
                AttrArgs::List(group.clone())
            }
            [TokenTree::Punct(eq), value @ ..] if eq.as_char() == '=' => {
                AttrArgs::Value(value.iter().cloned().collect())
            }
            _ => return None,
        };
        Some(AttrPath {
            global,
            segments,
            tokens: path_tokens,
            args,
        })
    }

    /// The name, when the attribute's path is one identifier (`doc`,
    /// `body`), with what follows it.
    pub(crate) fn named(&self) -> Option<(Ident, AttrArgs)> {
        let mut tokens = self.brackets.stream().into_iter();
        let Some(TokenTree::Ident(name)) = tokens.next() else {
            return None;
        };
        let args = match tokens.next() {
            None => AttrArgs::None,
            Some(TokenTree::Group(group))
                if group.delimiter() == Delimiter::Parenthesis && tokens.next().is_none() =>
            {
                AttrArgs::List(group)
            }
            Some(TokenTree::Punct(punct)) if punct.as_char() == '=' => {
                AttrArgs::Value(tokens.collect())
            }
            Some(_) => return None,
        };
        Some((name, args))
    }

    /// Whether this is `#[cfg(..)]`.
    pub(crate) fn is_cfg(&self) -> bool {
        matches!(self.named(), Some((name, AttrArgs::List(_))) if name == "cfg")
    }

    /// Whether this is `#[doc = ..]`.
    pub(crate) fn is_doc(&self) -> bool {
        matches!(self.named(), Some((name, AttrArgs::Value(_))) if name == "doc")
    }

    /// The text of `#[doc = ".."]` (a `///` line); `None` for any other
    /// attribute, and for a doc that is not a literal
    /// (`#[doc = include_str!(..)]`).
    pub(crate) fn doc_text(&self) -> Option<String> {
        let (name, AttrArgs::Value(value)) = self.named()? else {
            return None;
        };
        if name != "doc" {
            return None;
        }
        let mut value = value.into_iter();
        match (value.next(), value.next()) {
            (Some(TokenTree::Literal(literal)), None) => match syn::Lit::new(literal) {
                syn::Lit::Str(text) => Some(text.value()),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn span(&self) -> Span {
        self.pound.span()
    }

    /// The `]` that closes it.
    pub(crate) fn end_span(&self) -> Span {
        self.brackets.span_close()
    }
}

impl ToTokens for Attr {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(self.pound.clone());
        tokens.append(self.brackets.clone());
    }
}

/// Reads a trait method declaration, or says that `item` is not one.
pub(crate) fn read(item: TokenStream) -> syn::Result<Method> {
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let not_a_method = || Error::new(Span::call_site(), NOT_A_TRAIT_METHOD);
    let mut at = 0;
    let attrs = attributes(&tokens, &mut at);

    let mut qualifiers = Vec::new();
    let fn_token = loop {
        match tokens.get(at) {
            Some(TokenTree::Ident(ident)) if ident == "fn" => break ident.clone(),
            Some(TokenTree::Ident(ident)) if QUALIFIERS.iter().any(|q| ident == q) => {
                qualifiers.push(tokens[at].clone());
            }
            Some(TokenTree::Literal(_)) if qualifiers.last().is_some_and(is_extern) => {
                qualifiers.push(tokens[at].clone());
            }
            _ => return Err(not_a_method()),
        }
        at += 1;
    };
    at += 1;
    let Some(TokenTree::Ident(ident)) = tokens.get(at) else {
        return Err(not_a_method());
    };
    let ident = ident.clone();
    at += 1;

    let mut generics = Generics::default();
    if is_punct(tokens.get(at), '<') {
        let start = at;
        let mut depth = 0usize;
        loop {
            match tokens.get(at) {
                None => return Err(not_a_method()),
                Some(token) if is_punct(Some(token), '<') => depth += 1,
                Some(token) if is_closing_angle(&tokens, at, token) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(_) => {}
            }
            at += 1;
        }
        at += 1;
        generics = syn::parse2(tokens[start..at].iter().cloned().collect())?;
    }

    let parens = match tokens.get(at) {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
            group.clone()
        }
        _ => return Err(not_a_method()),
    };
    at += 1;
    let inputs = split_top_level(parens.stream())
        .into_iter()
        .map(input)
        .collect();

    let mut output = None;
    if is_punct(tokens.get(at), '-') && is_punct(tokens.get(at + 1), '>') {
        let arrow = tokens[at..at + 2].iter().cloned().collect();
        let start = at + 2;
        at = part_end(&tokens, start);
        output = Some((arrow, tokens[start..at].iter().cloned().collect()));
    }

    if matches!(tokens.get(at), Some(TokenTree::Ident(ident)) if ident == "where") {
        let start = at;
        at = part_end(&tokens, at + 1);
        let clause: WhereClause = syn::parse2(tokens[start..at].iter().cloned().collect())?;
        generics.where_clause = Some(clause);
    }

    let body = match &tokens[at..] {
        [TokenTree::Punct(semi)] if semi.as_char() == ';' => None,
        [TokenTree::Group(block)] if block.delimiter() == Delimiter::Brace => Some(block.clone()),
        _ => return Err(not_a_method()),
    };
    Ok(Method {
        attrs,
        qualifiers,
        fn_token,
        ident,
        generics,
        parens,
        inputs,
        output,
        body,
    })
}

/// The outer attributes from `at` on.
pub(crate) fn attributes(tokens: &[TokenTree], at: &mut usize) -> Vec<Attr> {
    let mut attrs = Vec::new();
    while let (Some(TokenTree::Punct(pound)), Some(TokenTree::Group(brackets))) =
        (tokens.get(*at), tokens.get(*at + 1))
    {
        if pound.as_char() != '#' || brackets.delimiter() != Delimiter::Bracket {
            break;
        }
        attrs.push(Attr {
            pound: pound.clone(),
            brackets: brackets.clone(),
        });
        *at += 2;
    }
    attrs
}

fn input(tokens: Vec<TokenTree>) -> Input {
    let mut at = 0;
    let attrs = attributes(&tokens, &mut at);
    let rest = &tokens[at..];
    let kind = input_kind(rest);
    Input {
        attrs,
        tokens: rest.iter().cloned().collect(),
        kind,
    }
}

fn input_kind(tokens: &[TokenTree]) -> InputKind {
    let is_ident = |token: Option<&TokenTree>, name: &str| matches!(token, Some(TokenTree::Ident(ident)) if ident == name);
    // `&self`, `&'a self`, and the same typed: `self: &Self`,
    // `self: &'a Self`.
    // The typed form first, with a guard: the untyped patterns match any
    // slice of their length and would answer for it.
    let shared_ref = match tokens {
        [self_token, colon, rest @ ..]
            if is_ident(Some(self_token), "self") && is_punct(Some(colon), ':') =>
        {
            match rest {
                [amp, ty] => is_punct(Some(amp), '&') && is_ident(Some(ty), "Self"),
                [amp, tick, _, ty] => {
                    is_punct(Some(amp), '&')
                        && is_punct(Some(tick), '\'')
                        && is_ident(Some(ty), "Self")
                }
                _ => false,
            }
        }
        [amp, self_token] => is_punct(Some(amp), '&') && is_ident(Some(self_token), "self"),
        [amp, tick, _, self_token] => {
            is_punct(Some(amp), '&')
                && is_punct(Some(tick), '\'')
                && is_ident(Some(self_token), "self")
        }
        _ => false,
    };
    let receiver = shared_ref
        || tokens
            .iter()
            .take_while(|token| !is_punct(Some(token), ':'))
            .any(|token| is_ident(Some(token), "self"));
    if receiver {
        return InputKind::Receiver { shared_ref };
    }
    let name_at = usize::from(is_ident(tokens.first(), "mut"));
    match (tokens.get(name_at), tokens.get(name_at + 1)) {
        (Some(TokenTree::Ident(ident)), Some(TokenTree::Punct(colon)))
            if ident != "_"
                && colon.as_char() == ':'
                && colon.spacing() == Spacing::Alone
                && tokens.len() > name_at + 2 =>
        {
            InputKind::Named {
                ident: ident.clone(),
                ty: tokens[name_at + 2..].iter().cloned().collect(),
            }
        }
        _ => InputKind::Pattern,
    }
}

/// `stream` cut at its commas outside angle brackets (a comma inside a
/// group is inside the group's one token already).
pub(crate) fn split_top_level(stream: TokenStream) -> Vec<Vec<TokenTree>> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut parts = Vec::new();
    let mut part = Vec::new();
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate() {
        if is_punct(Some(token), '<') {
            depth += 1;
        } else if is_closing_angle(&tokens, at, token) {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && is_punct(Some(token), ',') {
            parts.push(std::mem::take(&mut part));
            continue;
        }
        part.push(token.clone());
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
}

/// A `>` that closes an angle bracket: not the one of `->`.
pub(crate) fn is_closing_angle(tokens: &[TokenTree], at: usize, token: &TokenTree) -> bool {
    is_punct(Some(token), '>')
        && !(at > 0
            && matches!(&tokens[at - 1], TokenTree::Punct(minus)
                if minus.as_char() == '-' && minus.spacing() == Spacing::Joint))
}

/// Where the return type or the `where` clause that starts at `start` ends:
/// at `where`, `;` or the body, outside angle brackets (a const argument
/// such as `Foo<{ N }>` is a brace group inside them).
fn part_end(tokens: &[TokenTree], start: usize) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    while let Some(token) = tokens.get(at) {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '<' => depth += 1,
            _ if is_closing_angle(tokens, at, token) => depth = depth.saturating_sub(1),
            TokenTree::Ident(ident) if depth == 0 && ident == "where" => break,
            TokenTree::Punct(punct) if depth == 0 && punct.as_char() == ';' => break,
            TokenTree::Group(group) if depth == 0 && group.delimiter() == Delimiter::Brace => {
                break;
            }
            _ => {}
        }
        at += 1;
    }
    at
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(punct)) if punct.as_char() == c)
}

fn is_extern(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == "extern")
}

impl Method {
    /// The inputs as written, the macro's markers taken out by then.
    pub(crate) fn inputs_tokens(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        for (index, input) in self.inputs.iter().enumerate() {
            if index > 0 {
                tokens.append(Punct::new(',', Spacing::Alone));
            }
            for attr in &input.attrs {
                attr.to_tokens(&mut tokens);
            }
            tokens.extend(std::iter::once(input.tokens.clone()));
        }
        tokens
    }

    /// The method as declared, without its body.
    pub(crate) fn signature_tokens(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        tokens.extend(self.qualifiers.iter().cloned());
        tokens.append(self.fn_token.clone());
        tokens.append(self.ident.clone());
        self.generics.to_tokens(&mut tokens);
        let mut parens = Group::new(Delimiter::Parenthesis, self.inputs_tokens());
        parens.set_span(self.parens.span());
        tokens.append(parens);
        if let Some((arrow, ty)) = &self.output {
            tokens.extend([arrow.clone(), ty.clone()]);
        }
        self.generics.where_clause.to_tokens(&mut tokens);
        tokens
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn names(stream: TokenStream) -> Vec<String> {
        split_top_level(stream)
            .into_iter()
            .map(|part| part.into_iter().collect::<TokenStream>().to_string())
            .collect()
    }

    #[test]
    fn inputs_split_at_commas_outside_angle_brackets() {
        assert_eq!(
            names(quote!(&self, a: HashMap<K, V>, b: Box<dyn Fn(u8, u8) -> Vec<u8>>, c: u8,)),
            [
                "& self",
                "a : HashMap < K , V >",
                "b : Box < dyn Fn (u8 , u8) -> Vec < u8 >>",
                "c : u8"
            ]
        );
    }

    #[test]
    fn reads_a_declaration_in_parts() {
        let method = read(quote! {
            /// Docs.
            async fn get<'a, T>(&'a self, #[query] mut limit: Option<u32>, (a, b): (u8, u8))
                -> Result<T, Error> where T: Send;
        })
        .expect("a method");
        assert_eq!(method.ident, "get");
        assert_eq!(method.attrs[0].doc_text().as_deref(), Some(" Docs."));
        assert_eq!(method.generics.params.len(), 2);
        assert!(method.generics.where_clause.is_some());
        assert!(method.body.is_none());
        assert!(matches!(
            method.inputs[0].kind,
            InputKind::Receiver { shared_ref: true }
        ));
        match &method.inputs[1].kind {
            InputKind::Named { ident, ty } => {
                assert_eq!(ident, "limit");
                assert_eq!(ty.to_string(), "Option < u32 >");
            }
            _ => panic!("a named input"),
        }
        assert_eq!(method.inputs[1].attrs.len(), 1);
        assert!(matches!(method.inputs[2].kind, InputKind::Pattern));
        let (_, output) = method.output.as_ref().expect("a return type");
        assert_eq!(output.to_string(), "Result < T , Error >");
    }

    #[test]
    fn a_const_argument_in_the_return_type_is_part_of_it() {
        let method = read(quote! {
            async fn get(&self) -> Result<Bytes<{ 4 }>, Error> where Self: Sized;
        })
        .expect("a method");
        let (_, output) = method.output.as_ref().expect("a return type");
        assert_eq!(output.to_string(), "Result < Bytes < { 4 } > , Error >");
        assert!(method.generics.where_clause.is_some());
    }

    #[test]
    fn refuses_what_is_not_a_trait_method() {
        for item in [
            quote!(
                struct Task;
            ),
            quote!(
                pub async fn get(&self) -> Result<(), Error>;
            ),
            quote!(async fn get(&self) -> Result<(), Error>;, extra),
        ] {
            assert!(read(item).is_err());
        }
    }
}
