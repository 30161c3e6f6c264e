//! The client: an HTTP stack and the API's base URL.

use std::fmt;
use std::sync::Arc;

use reqwest_middleware::ClientWithMiddleware;
use url::Url;

use crate::environment::parse_base;
use unimicro_auth::{Clock, SystemClock};

use crate::{ClientBuilder, CompanyHandler, CompanyKey, ListCompanies, Result, RetryPolicy};

/// The Unimicro API client.
///
/// Cheap to clone (an `Arc` inside) and `Send + Sync`: build one and share it. Build it from
/// credentials with [`Client::builder`] or [`Client::from_env`], or from your own middleware stack
/// with [`Client::from_parts`].
///
/// ```no_run
/// use unimicro_api::{Certificate, Client, Environment};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder()
///     .environment(Environment::Test)
///     .client_id("my-client-id")
///     .certificate(Certificate::from_pkcs12_file("client.p12", "password")?)
///     .build()?;
/// for company in client.companies().await? {
///     let Some(key) = &company.key else { continue };
///     let settings = client.company(key).settings().await?;
///     println!("{:?}: {:?}", company.name, settings.organization_number);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: ClientWithMiddleware,
    api_base: Url,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("api_base", &self.inner.api_base.as_str()).finish_non_exhaustive()
    }
}

impl Client {
    /// A builder that wires credentials, token cache and authentication for an [`Environment`](crate::Environment).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client on your own middleware stack (retries, tracing, your own authentication), calling
    /// the API at `api_base` (e.g. `https://test.unimicro.no/`).
    ///
    /// The stack must authenticate requests itself, e.g. with
    /// [`AuthMiddleware`](unimicro_auth::AuthMiddleware).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when `api_base` is not an https URL
    /// (plain http only for loopback hosts).
    pub fn from_parts(http: ClientWithMiddleware, api_base: impl AsRef<str>) -> Result<Self> {
        let api_base = parse_base("API base", api_base.as_ref())?;
        let (retry, clock) = (RetryPolicy::default(), Arc::new(SystemClock));
        Ok(Self { inner: Arc::new(Inner { http, api_base, retry, clock }) })
    }

    /// This client with another [`RetryPolicy`] (the default retries idempotent requests twice); it
    /// shares the HTTP stack and its tokens with `self`.
    ///
    /// ```no_run
    /// # fn run(client: unimicro_api::Client) {
    /// use unimicro_api::RetryPolicy;
    /// let patient = client.with_retry_policy(RetryPolicy::default().max_retries(5));
    /// let never = client.with_retry_policy(RetryPolicy::none());
    /// # let _ = (patient, never); }
    /// ```
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        let inner = &self.inner;
        let clock = Arc::clone(&inner.clock);
        let (http, api_base) = (inner.http.clone(), inner.api_base.clone());
        Self { inner: Arc::new(Inner { http, api_base, retry: policy, clock }) }
    }

    /// How failed requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The clock retries wait on.
    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    /// The API's base URL, ending with `/`.
    pub fn api_base(&self) -> &Url {
        &self.inner.api_base
    }

    /// The HTTP stack requests go through.
    pub fn http(&self) -> &ClientWithMiddleware {
        &self.inner.http
    }

    /// The companies the client has access to (`GET /api/init/companies`).
    ///
    /// ```no_run
    /// # async fn run(client: unimicro_api::Client) -> unimicro_api::Result<()> {
    /// for company in client.companies().await? {
    ///     println!("{:?} {:?}", company.name, company.key);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn companies(&self) -> ListCompanies<'_> {
        ListCompanies::new(self)
    }

    /// Calls scoped to one company: each sends `CompanyKey: <key>`.
    ///
    /// A key that can't be sent as a header value fails each call with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub fn company(&self, key: impl Into<CompanyKey>) -> CompanyHandler<'_> {
        CompanyHandler::new(self, key.into())
    }
}
