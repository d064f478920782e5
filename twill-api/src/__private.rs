//! What generated code names, as `::twill_api::__private::..`: re-exports
//! only, of items defined where a reader looks for them (the call engine in
//! `call/`). Not public API.

pub use crate::call::Call;

pub use crate::param::query_param;
