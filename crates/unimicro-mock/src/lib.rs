//! A faithful in-process fake of the Unimicro identity server and API, for tests and examples.
//!
//! [`MockUnimicro`] runs an OpenID Connect identity server and the Unimicro REST API on two loopback
//! ports (on [wiremock](https://docs.rs/wiremock)). It checks what the real platform checks, so code that
//! passes against it works against the real one:
//!
//! - **Token endpoint** (`/connect/token`, found by discovery): the client-credentials grant only;
//!   client assertions (RFC 7523) are verified — signature against the client's registered certificate
//!   (RS256, PS256 or ES256), `aud` (token endpoint or issuer), `exp`, `nbf`/`iat` (10 s leeway),
//!   lifetime of at most 5 minutes, `jti` never replayed, `iss` = `sub` = `client_id`; client secrets
//!   by HTTP Basic (form-urlencoded id and secret, RFC 6749 §2.3.1) or in the form; a scope the client
//!   isn't allowed is `invalid_scope`. Errors are RFC 6749 JSON (`invalid_client` 401, the others 400).
//!   Access tokens are RS256 JWTs with the platform's claims, including `AppFramework` = the API base.
//! - **API**: every `/api/*` request needs a valid, unexpired (by the mock's [`Clock`](unimicro_auth::Clock)),
//!   unrevoked token, else 401 `{"Message":"Authorization has been denied for this request."}`.
//!   `/api/init/companies` lists the companies granted to the client. `/api/biz/*` and `/api/statistics`
//!   need a `CompanyKey` header (400 when missing or not a GUID, 403 when not granted). Entities under
//!   `/api/biz/{route}` support list (`filter`, `select`, `expand`, `orderby`, `top`, `skip`; parameter
//!   names case-insensitive), get, POST (201), PUT (merge), DELETE (204), validation rules answering 400
//!   with `_validationResults`, and `?action=` handlers. Navigations (nested objects and arrays) are
//!   `null` unless expanded. Text compares case-insensitively, as on the platform's SQL backend.
//! - **Faults and counters**: fail the next N token or API requests (503 + `Retry-After`), add latency,
//!   revoke issued tokens, and count token requests per client and API requests per path and status.
//!
//! # A test of your own integration
//!
//! ```
//! use serde_json::Value;
//! use unimicro_auth::ClientCredentials;
//! use unimicro_mock::{MockClient, MockCompany, MockUnimicro};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! const COMPANY: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
//! let mock = MockUnimicro::builder()
//!     .client(MockClient::new("my-integration").secret("test-secret"))
//!     .company(MockCompany::new(COMPANY, "Test AS").organization_number("999999999").grant("my-integration"))
//!     .start()
//!     .await?;
//!
//! // Your code, pointed at the mock instead of https://test-login.unimicro.no and https://test.unimicro.no/.
//! let credentials = ClientCredentials::builder("my-integration")
//!     .client_secret("test-secret")
//!     .authority(mock.authority())
//!     .scopes(["AppFramework"])
//!     .build()?;
//! let token = credentials.request_token().await?;
//! let http = reqwest::Client::new();
//! let companies: Value = http
//!     .get(format!("{}api/init/companies", mock.api_base()))
//!     .bearer_auth(token.secret())
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(companies[0]["Name"], "Test AS");
//! let settings = http
//!     .get(format!("{}api/biz/companysettings/1?select=CompanyName,OrganizationNumber", mock.api_base()))
//!     .bearer_auth(token.secret())
//!     .header("CompanyKey", COMPANY)
//!     .send()
//!     .await?;
//! assert_eq!(settings.status(), 200);
//! assert_eq!(settings.json::<Value>().await?["OrganizationNumber"], "999999999");
//!
//! // And what your code did, as the server saw it.
//! assert_eq!(mock.token_requests("my-integration"), 1);
//! assert_eq!(mock.api_requests_with_status("/api/biz/companysettings/1", 200), 1);
//! # Ok(()) }
//! ```
//!
//! With certificates: register the client with [`MockClient::test_certificate`] and sign with
//! [`MockUnimicro::certificate`]. For a ready-made world (two clients, two companies with settings,
//! customers, products) use [`MockBuilder::with_demo_data`] and the names in [`DemoData`].
//!
//! # Time
//!
//! Access-token expiry follows the clock given to [`MockBuilder::clock`] (a
//! [`ManualClock`](unimicro_auth::ManualClock) makes "the token expired" a test without waiting).
//! Client assertions are checked against real time, since clients sign them with real time.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod builder;
mod demo;
mod error;
mod faults;
mod filter;
mod identity;
mod jwt;
mod query;
mod reply;
mod server;
mod stats;
mod store;
mod testcert;

pub use api::ActionCall;
pub use builder::{MockBuilder, MockClient, MockCompany};
pub use demo::DemoData;
pub use error::{Error, Result};
pub use faults::ApiRequest;
pub use server::MockUnimicro;
pub use store::ValidationRule;
pub use testcert::TestCertificate;

/// The HTTP types this crate's API exposes, re-exported so versions always match.
pub use http::StatusCode;
