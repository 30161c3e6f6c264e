//! Tests: middleware.
