//! Integration tests of unimicro-api: one binary, one module per area.

mod client;
mod companies;
mod errors;
mod models;
mod settings;
mod support;
