//! The typed Unimicro API client (work in progress).
