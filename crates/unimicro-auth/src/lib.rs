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
//! # Caching tokens and authenticating requests
//!
//! A [`TokenProvider`] caches the token of one set of credentials: callers get the cached token
//! without waiting, a background refresh replaces it before it expires, and any number of concurrent
//! callers cause one token request. An [`AuthMiddleware`] puts the provider's token on the requests of a
//! [`reqwest_middleware`] client that go to the origins it allows, and on HTTP 401 gets a new token and
//! replays the request once.
//!
//! ```no_run
//! use unimicro_auth::reqwest_middleware::ClientBuilder;
//! use unimicro_auth::{AuthMiddleware, ClientCredentials, TokenProvider};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = ClientCredentials::builder("my-client-id")
//!     .client_secret("my-secret")
//!     .authority("https://test-login.unimicro.no")
//!     .scopes(["AppFramework"])
//!     .build()?;
//! let provider = TokenProvider::new(credentials);
//! let auth = AuthMiddleware::new(provider).allow_origin("https://test.unimicro.no")?;
//! let client = ClientBuilder::new(unimicro_auth::reqwest::Client::new()).with(auth).build();
//!
//! match client.get("https://test.unimicro.no/api/init/companies").send().await {
//!     Ok(response) => println!("HTTP {}", response.status()),
//!     // No token could be got, so the request was not sent: here is why.
//!     Err(err) => match unimicro_auth::auth_error(&err) {
//!         Some(auth) => eprintln!("authentication failed (transient: {}): {auth}", auth.is_transient()),
//!         None => eprintln!("request failed: {err}"),
//!     },
//! }
//! # Ok(()) }
//! ```
//!
//! The error of a failed token acquisition reaches the caller as
//! [`reqwest_middleware::Error::Middleware`]; [`auth_error`] finds the [`Error`] in it, also when a
//! retry middleware wrapped it (put a retry middleware such as `reqwest-retry`'s *before* the
//! `AuthMiddleware`, so that every retry is authenticated anew). Without such a wrapper,
//! `anyhow::Error::downcast_ref::<unimicro_auth::Error>()` on the `Middleware` variant's error works too.
//! Tokens can be shared between providers, or processes, through a [`TokenStore`].
//!
//! # Secrets
//!
//! No type of this crate prints a token, secret, password, assertion or private key in its `Debug`
//! or `Display`, and none is logged. [`AccessToken::secret`] is the one way to read a token.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod assertion;
mod certificate;
mod clock;
mod credentials;
mod discovery;
mod error;
mod middleware;
mod provider;
#[cfg(feature = "redis")]
mod redis_store;
mod secret;
mod store;
mod token;

pub use assertion::{
    AssertionAudience, AssertionClaims, CertificateSigner, ClientAssertionSigner, KeyIdStyle,
    SigningAlgorithm,
};
pub use certificate::{Certificate, KeyKind};
pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use credentials::{
    CacheKey, ClientCredentials, ClientCredentialsBuilder, RetryPolicy, jittered_backoff, parse_retry_after,
};
pub use error::{Error, OAuthError, Result};
pub use middleware::{AuthMiddleware, auth_error};
pub use provider::{RefreshPolicy, TokenProvider, TokenProviderBuilder};
#[cfg(feature = "redis")]
pub use redis_store::{RedisTokenStore, RedisTokenStoreBuilder, TokenEncryptionKey};
pub use secret::{ClientSecret, SecretStyle};
pub use store::{InMemoryTokenStore, TokenStore};
pub use token::AccessToken;

/// The Redis client crate [`RedisTokenStore::builder_for_client`] takes, re-exported so versions match.
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis;
/// The HTTP crates this crate's API exposes, re-exported so versions always match.
pub use {reqwest, reqwest_middleware};
