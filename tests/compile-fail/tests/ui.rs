//! Compile-time checks of `#[twill_endpoint]`: each `ui/*.rs` case is one
//! mistake with its expected diagnostics beside it in `ui/*.stderr`;
//! `ui/pass/*.rs` are accepted forms that need a crate of their own (the
//! rest compile, and are sent, in `tests/tests/integration/legal_forms.rs`).
//!
//! To review a changed diagnostic: `TRYBUILD=overwrite cargo test -p twill-compile-fail --test ui`,
//! then read the diff of the `.stderr` files.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
