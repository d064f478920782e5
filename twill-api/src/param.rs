//! Values that go into a URL path segment, a query string or a header, and
//! how they are encoded there.

use std::borrow::Cow;
use std::fmt::{self, Write};
use std::rc::Rc;
use std::sync::Arc;

use crate::endpoint::{Param, ParamKind};

/// A value that can fill a path placeholder, a `#[query]` or a
/// `#[header("…")]` argument.
///
/// Implemented for string types, integers and `bool`. The value is written as
/// plain text; the client encodes it for where it goes (a path segment is
/// percent-encoded so that it stays one segment).
///
/// Implement it for your own identifier types:
///
/// ```
/// use std::fmt;
///
/// struct JobId(u64);
///
/// impl twill_api::ParamValue for JobId {
///     fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result {
///         write!(out, "job-{}", self.0)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent in a URL path, a query or a header",
    label = "this argument's type does not implement `twill_api::ParamValue`",
    note = "use a string or an integer, or implement `twill_api::ParamValue` for `{Self}`; \
            `Option` is accepted for `#[query]` and `#[header]` arguments only"
)]
pub trait ParamValue {
    /// The value's JSON type, for consumers that take values as JSON (an
    /// MCP tool's schema): text unless the type says otherwise.
    const KIND: ParamKind = ParamKind::String;

    /// Writes the value as text, unencoded.
    fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result;
}

impl ParamValue for str {
    fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(self)
    }
}

macro_rules! param_via {
    ($how:ident $kind:ident: $($ty:ty),* $(,)?) => {$(
        impl ParamValue for $ty {
            const KIND: ParamKind = ParamKind::$kind;

            fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result {
                param_via!(@ $how self out)
            }
        }
    )*};
    (@ deref $value:ident $out:ident) => { $out.write_str($value) };
    (@ display $value:ident $out:ident) => { write!($out, "{}", $value) };
}

param_via!(deref String: String, Box<str>, Rc<str>, Arc<str>, Cow<'_, str>);
param_via!(display Boolean: bool);
param_via!(display Integer: u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

impl<T: ParamValue + ?Sized> ParamValue for &T {
    const KIND: ParamKind = T::KIND;

    fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        (**self).write_param(out)
    }
}

/// A [`ParamValue`] that may be absent: `None` leaves a `#[query]` or
/// `#[header]` argument out of the request.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a query or header value",
    label = "this argument's type does not implement `twill_api::ParamValue`",
    note = "use a string, an integer or an `Option` of one, or implement \
            `twill_api::ParamValue` for it"
)]
pub trait OptionalParamValue {
    /// The type of the present value.
    type Value: ParamValue + ?Sized;

    /// The present value's JSON type.
    const KIND: ParamKind = <Self::Value as ParamValue>::KIND;

    /// The value, or `None` to leave it out.
    fn param_value(&self) -> Option<&Self::Value>;
}

impl<T: ParamValue + ?Sized> OptionalParamValue for T {
    type Value = T;

    fn param_value(&self) -> Option<&T> {
        Some(self)
    }
}

impl<T: ParamValue> OptionalParamValue for Option<T> {
    type Value = T;

    fn param_value(&self) -> Option<&T> {
        self.as_ref()
    }
}

/// What a `#[query]` argument may be: a [`ParamValue`], sent once; an
/// `Option` of one, left out when `None`; or a list of them (a slice, an
/// array or a `Vec`), the name repeated for each value in order
/// (`tag=a&tag=b`, as Retrofit and Feign send a list), left out when empty.
///
/// ```
/// use twill_api::QueryValue;
///
/// fn sent<V: QueryValue + ?Sized>(value: &V) -> usize {
///     let mut count = 0;
///     value.each_value(&mut |_| count += 1);
///     count
/// }
/// assert_eq!(sent("one"), 1);
/// assert_eq!(sent(&None::<u32>), 0);
/// assert_eq!(sent(&vec!["a", "b"]), 2);
/// assert!(<Vec<&str> as QueryValue>::REPEATED && !<Option<u8> as QueryValue>::REPEATED);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a query value",
    label = "this argument's type does not implement `twill_api::QueryValue`",
    note = "use a string, an integer, an `Option` of one or a slice, array or `Vec` of them, \
            or implement `twill_api::ParamValue` for the value's type"
)]
pub trait QueryValue {
    /// The type of each value sent.
    type Item: ParamValue + ?Sized;

    /// Each value's JSON type.
    const KIND: ParamKind = <Self::Item as ParamValue>::KIND;

    /// Whether it is a list, which sends its name once per value.
    const REPEATED: bool = false;

    /// Calls `each` with every value to send, in order.
    fn each_value(&self, each: &mut dyn FnMut(&Self::Item));
}

impl<T: ParamValue + ?Sized> QueryValue for T {
    type Item = T;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        each(self);
    }
}

impl<T: ParamValue> QueryValue for Option<T> {
    type Item = T;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        if let Some(value) = self {
            each(value);
        }
    }
}

// The lists, and references to them (a `&[T]` argument is handed on as a
// `&&[T]`; a blanket impl for references would overlap the one for every
// `ParamValue`). Written out, not by a macro: a type that fits none is told
// these, and a macro's text there reads as noise.
impl<T: ParamValue> QueryValue for [T] {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

impl<T: ParamValue> QueryValue for &[T] {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

impl<T: ParamValue> QueryValue for Vec<T> {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

impl<T: ParamValue> QueryValue for &Vec<T> {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

impl<T: ParamValue, const N: usize> QueryValue for [T; N] {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

impl<T: ParamValue, const N: usize> QueryValue for &[T; N] {
    type Item = T;
    const REPEATED: bool = true;

    fn each_value(&self, each: &mut dyn FnMut(&T)) {
        self.iter().for_each(each);
    }
}

/// A `#[query]` argument's metadata, with its kind and whether it is a
/// list read from its type `V`: what the macro writes for each query.
pub const fn query_param<V: QueryValue + ?Sized>(
    name: &'static str,
    wire_name: &'static str,
    rust_type: &'static str,
    optional: bool,
) -> Param {
    let param = Param::query(name, wire_name, rust_type, V::KIND, optional);
    if V::REPEATED { param.repeated() } else { param }
}

/// Writes text percent-encoded, leaving only RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) as they are, so that a value can never add a path
/// segment (`/`), start a query (`?`) or fragment (`#`), or read as an
/// escape (`%`).
pub(crate) struct PercentEncoder<'a>(pub(crate) &'a mut String);

impl Write for PercentEncoder<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let out = &mut *self.0;
        let mut plain = 0;
        let bytes = text.as_bytes();
        for (i, &byte) in bytes.iter().enumerate() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                continue;
            }
            // Bytes before `i` back to `plain` are ASCII, so both ends are
            // char boundaries; when the range is empty `plain` may sit inside
            // a multi-byte character, hence the check.
            if plain < i {
                out.push_str(&text[plain..i]);
            }
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
            plain = i + 1;
        }
        out.push_str(&text[plain..]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(value: &str) -> String {
        let mut out = String::new();
        PercentEncoder(&mut out).write_str(value).unwrap();
        out
    }

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
        assert_eq!(encode("a/b"), "a%2Fb");
        assert_eq!(encode("x y"), "x%20y");
        assert_eq!(encode("%41"), "%2541");
        assert_eq!(encode("?q#f"), "%3Fq%23f");
        assert_eq!(encode("ü"), "%C3%BC");
        assert_eq!(encode("\r\n\0"), "%0D%0A%00");
        assert_eq!(encode("+&=;"), "%2B%26%3D%3B");
    }

    #[test]
    fn writes_integers_and_options() {
        let mut out = String::new();
        42u32.write_param(&mut out).unwrap();
        (-7i64).write_param(&mut out).unwrap();
        assert_eq!(out, "42-7");
        assert!(None::<u32>.param_value().is_none());
        assert_eq!(Some(3u8).param_value(), Some(&3));
        assert!("x".param_value().is_some());
    }

    #[test]
    fn kinds_follow_the_type() {
        assert_eq!(<&str as OptionalParamValue>::KIND, ParamKind::String);
        assert_eq!(
            <Option<u64> as OptionalParamValue>::KIND,
            ParamKind::Integer
        );
        assert_eq!(<&&bool as OptionalParamValue>::KIND, ParamKind::Boolean);
        assert_eq!(<Cow<'_, str> as ParamValue>::KIND, ParamKind::String);
    }
}
