//! Tests: certificate.
