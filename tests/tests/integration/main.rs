//! Integration tests: the client against loopback servers (a recording
//! server for the exact wire, `twill-mock` for behaviour). One binary, so
//! the workspace links once.

mod downstream;
mod errors;
mod futures;
mod mock;
mod secrets;
mod wire;
