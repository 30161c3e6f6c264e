//! Integration tests of unimicro-auth: one binary, one module per area.

mod certificate;
mod credentials;
mod interop;
mod middleware;
mod provider;
#[cfg(feature = "redis")]
mod redis;
mod support;
