//! Integration tests: the client against loopback servers (a recording
//! server for the exact wire, `twill-mock` for behaviour). One binary, so
//! the workspace links once.

mod all_endpoints_wire;
mod cut_short;
mod documented_examples;
mod downstream;
mod dynamic_call;
mod endpoint_table;
mod errors;
mod forms;
mod futures;
mod hooks;
mod legal_forms;
mod metadata_matches_wire;
mod mock;
mod mock_faults;
mod observe;
mod pagination;
mod quickstart;
mod rate_limit;
mod reliability;
mod scenario;
mod secrets;
mod sse;
mod wire;
mod workflows;
