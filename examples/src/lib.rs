//! Shared setup for the examples.
