//! Integration tests of unimicro-mock: one binary, one module per area.

mod api;
mod demo;
mod entities;
mod faults;
mod identity;
mod support;
