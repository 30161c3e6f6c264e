//! OAuth 2.0 client credentials for server applications, for any OpenID Connect server.
//!
//! A client proves who it is with a client assertion (RFC 7523, `private_key_jwt`) signed by the key of
//! its X.509 certificate (PKCS#12 or PEM), or with a client secret, and gets an access token with the
//! client-credentials grant.
//!
//! # Quick start
//!
//! ```no_run
//! use unimicro_auth::{Certificate, ClientCredentials};
//!
//! # async fn run() -> Result<(), unimicro_auth::Error> {
//! let cert = Certificate::from_pkcs12_file("client.p12", "password")?;
//! let credentials = ClientCredentials::builder("my-client-id")
//!     .certificate(cert)
//!     .authority("https://test-login.unimicro.no")
//!     .scopes(["AppFramework"])
//!     .build()?;
//! let token = credentials.request_token().await?;
//! # let _ = token;
//! # Ok(()) }
//! ```
//!
//! # Secrets
//!
//! No type of this crate prints a token, secret, password, assertion or private key in its `Debug`
//! or `Display`, and none is logged. [`AccessToken::secret`] is the one way to read a token.

#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod assertion;
mod certificate;
mod clock;
mod credentials;
mod discovery;
mod error;
mod middleware;
mod provider;
mod secret;
mod store;
mod token;

pub use assertion::{
    AssertionAudience, AssertionClaims, CertificateSigner, ClientAssertionSigner, KeyIdStyle,
    SigningAlgorithm,
};
pub use certificate::{Certificate, KeyKind};
pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use credentials::{CacheKey, ClientCredentials, ClientCredentialsBuilder, RetryPolicy};
pub use error::{Error, OAuthError, Result};
pub use middleware::{AuthMiddleware, auth_error};
pub use provider::{RefreshPolicy, TokenProvider, TokenProviderBuilder};
pub use secret::{ClientSecret, SecretStyle};
pub use store::{InMemoryTokenStore, TokenStore};
pub use token::AccessToken;

/// The HTTP crates this crate's API exposes, re-exported so versions always match.
pub use {reqwest, reqwest_middleware};
