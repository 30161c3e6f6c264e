//! Integration tests of unimicro-api: one binary, one module per area.

mod client;
mod companies;
mod entities;
mod errors;
mod mock;
mod models;
mod retries;
mod settings;
mod support;
