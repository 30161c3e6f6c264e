//! The one error type of this crate.

/// Result alias with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while configuring or starting the mock, or making a test certificate.
///
/// Requests to the running mock never produce this error: they get the HTTP answer the real platform
/// would give.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate registered for a client can't be used to verify its assertions.
    #[error("the certificate registered for client `{client_id}` is unusable: {reason}")]
    InvalidCertificate {
        /// The client the certificate was registered for.
        client_id: String,
        /// What is wrong, and what to do about it.
        reason: String,
    },

    /// The builder was given an inconsistent or invalid configuration.
    #[error("invalid mock configuration: {0}")]
    Config(String),

    /// Generating a key or a test certificate failed.
    #[error("could not generate {what}: {reason}")]
    KeyGeneration {
        /// What was being generated.
        what: &'static str,
        /// What the crypto library said.
        reason: String,
    },

    /// A test certificate could not be loaded as a [`unimicro_auth::Certificate`].
    #[error("could not load the test certificate")]
    Certificate(#[source] unimicro_auth::Error),
}
