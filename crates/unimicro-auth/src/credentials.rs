//! Client credentials and the token request (RFC 6749 §4.4, RFC 7523).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, StatusCode, header};
use secrecy::ExposeSecret;
use serde::Deserialize;
use tokio::sync::OnceCell;
use tracing::Instrument as _;
use url::Url;
use url::form_urlencoded::{Serializer, byte_serialize};

use crate::discovery::{Endpoints, discover, read_capped};
use crate::error::{OAuthError, excerpt};
use crate::{
    AccessToken, AssertionAudience, AssertionClaims, Certificate, CertificateSigner, ClientAssertionSigner,
    ClientSecret, Clock, Error, Result, SecretStyle, SystemClock,
};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime assumed when a token response has no `expires_in`.
pub(crate) const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(300);
const CONTEXT: &str = "token endpoint";

/// Everything needed to get a token with the client-credentials grant: who the client is, how it
/// proves it, where the token endpoint is, and what to ask for.
///
/// Cheap to clone. [`ClientCredentials::request_token`] makes one token request each call, with no
/// cache: wrap it in a [`TokenProvider`](crate::TokenProvider) to cache and refresh.
///
/// ```no_run
/// use unimicro_auth::{Certificate, ClientCredentials};
///
/// # async fn run() -> Result<(), unimicro_auth::Error> {
/// let cert = Certificate::from_pkcs12_file("client.p12", "password")?;
/// let credentials = ClientCredentials::builder("my-client-id")
///     .certificate(cert)
///     .authority("https://test-login.unimicro.no")
///     .scopes(["AppFramework"])
///     .build()?;
/// let token = credentials.request_token().await?;
/// println!("token expires at {:?}", token.expires_at());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    auth: ClientAuth,
    location: Location,
    endpoints: OnceCell<Endpoints>,
    scopes: Vec<String>,
    resource: Option<String>,
    extra_params: Vec<(String, String)>,
    assertion_lifetime: Duration,
    assertion_audience: AssertionAudience,
    http: reqwest::Client,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

enum ClientAuth {
    Secret { secret: ClientSecret, style: SecretStyle },
    Assertion(Arc<dyn ClientAssertionSigner>),
}

enum Location {
    Authority(Url),
    TokenEndpoint(Url),
}

/// How failed token requests are retried: only transient failures (timeouts, connection errors,
/// 5xx, 429), a bounded number of times, with jittered exponential back-off, honouring `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, starting at 250 ms, honouring `Retry-After` up to 60 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }
    /// How many times a transient failure is retried (after the first attempt).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// The first back-off; each further one doubles, with up to 50 % random jitter subtracted.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(self.max_retry_after);
        }
        jittered_backoff(self.initial_backoff, attempt, Duration::MAX)
    }
}

/// The wait before retry number `retry` (0 for the first) when the server asked for none: `initial`
/// doubled for each earlier retry (at most 2¹⁶ times), capped at `max`, then shortened by up to 50 %
/// at random, so that clients that failed together do not retry together. Large values saturate;
/// it never panics.
///
/// The back-off of [`RetryPolicy`], shared with `unimicro-api`'s retries.
///
/// ```
/// use std::time::Duration;
///
/// let wait = unimicro_auth::jittered_backoff(Duration::from_millis(100), 2, Duration::from_secs(1));
/// assert!(wait > Duration::from_millis(200) && wait <= Duration::from_millis(400));
/// ```
pub fn jittered_backoff(initial: Duration, retry: u32, max: Duration) -> Duration {
    let base = initial.saturating_mul(1 << retry.min(16)).min(max);
    // `base - base × r/2` rather than `base × (1 - r/2)`: the product can't overflow.
    base.saturating_sub(base.mul_f64(fastrand::f64() * 0.5))
}

/// The wait an answer's `Retry-After` header asks for: delay-seconds, or an HTTP date counted from
/// `now` (a date already past is no wait). `None` when there is no such header or it is neither.
///
/// Pass the time of your [`Clock`] as `now`, so that a [`ManualClock`](crate::ManualClock) in tests
/// reads dates right. What [`ClientCredentials::request_token`] honours, shared with
/// `unimicro-api`'s retries.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use unimicro_auth::reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
/// assert_eq!(unimicro_auth::parse_retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(120)));
/// ```
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// Identifies the tokens of one configuration: token endpoint (or authority), client id, sorted
/// scopes, resource and key thumbprint. Two [`ClientCredentials`] with equal keys get interchangeable tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    location: String,
    client_id: String,
    scopes: Vec<String>,
    resource: Option<String>,
    key_thumbprint: Option<String>,
}

impl CacheKey {
    /// A stable, printable identifier of this key (hex SHA-256 of its parts), for shared stores.
    pub fn digest(&self) -> String {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        let parts = [
            self.location.as_str(),
            self.client_id.as_str(),
            &self.scopes.join(" "),
            self.resource.as_deref().unwrap_or(""),
            self.key_thumbprint.as_deref().unwrap_or(""),
        ];
        for part in parts {
            ctx.update(part.as_bytes());
            ctx.update(&[0]);
        }
        ctx.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl ClientCredentials {
    /// Starts building credentials for `client_id`.
    pub fn builder(client_id: impl Into<String>) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder::new(client_id.into())
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The scopes requested, as configured.
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// The clock used for expiry and back-off.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The key under which tokens of this configuration are cached.
    pub fn cache_key(&self) -> CacheKey {
        let inner = &self.inner;
        let location = match &inner.location {
            Location::Authority(u) | Location::TokenEndpoint(u) => u.to_string(),
        };
        let mut scopes = inner.scopes.clone();
        scopes.sort();
        scopes.dedup();
        let key_thumbprint = match &inner.auth {
            ClientAuth::Assertion(signer) => signer.key_thumbprint(),
            ClientAuth::Secret { .. } => None,
        };
        CacheKey {
            location,
            client_id: inner.client_id.clone(),
            scopes,
            resource: inner.resource.clone(),
            key_thumbprint,
        }
    }

    /// The token endpoint: configured, or found by discovery (fetched once, then reused).
    ///
    /// # Errors
    /// Discovery errors ([`Error::Discovery`], [`Error::IssuerMismatch`], transport errors).
    pub async fn token_endpoint(&self) -> Result<Url> {
        Ok(self.endpoints().await?.token_endpoint.clone())
    }

    async fn endpoints(&self) -> Result<&Endpoints> {
        let inner = &self.inner;
        inner
            .endpoints
            .get_or_try_init(|| async {
                match &inner.location {
                    Location::Authority(authority) => discover(&inner.http, authority).await,
                    Location::TokenEndpoint(url) => Ok(Endpoints {
                        issuer: url.origin().ascii_serialization(),
                        token_endpoint: url.clone(),
                    }),
                }
            })
            .await
    }

    /// Requests one token from the token endpoint, retrying transient failures as the
    /// [`RetryPolicy`] says. Every attempt signs a fresh assertion.
    ///
    /// # Errors
    /// [`Error::OAuth`] for RFC 6749 errors (`invalid_client` …), [`Error::UnexpectedResponse`],
    /// [`Error::Timeout`], [`Error::Transport`], discovery and signing errors.
    pub async fn request_token(&self) -> Result<AccessToken> {
        let endpoints = self.endpoints().await?;
        let retry = self.inner.retry;
        let mut attempt = 0;
        loop {
            match self.attempt(endpoints).await {
                Ok(token) => return Ok(token),
                Err((error, retry_after)) if error.is_transient() && attempt < retry.max_retries => {
                    let delay = retry.delay(attempt, retry_after);
                    tracing::warn!(client_id = %self.inner.client_id, attempt = attempt + 1, ?delay, %error,
                        "token request failed, retrying");
                    self.inner.clock.sleep(delay).await;
                    attempt += 1;
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    async fn attempt(&self, endpoints: &Endpoints) -> Result<AccessToken, (Error, Option<Duration>)> {
        let inner = &self.inner;
        let no_retry_after = |e| (e, None);
        // Signed before the form is built: the form serializer is not `Send` and must not live across
        // an await, or this future could not run on a multi-threaded runtime.
        let mut jti = None;
        let assertion = match &inner.auth {
            ClientAuth::Assertion(signer) => {
                let audience = match &inner.assertion_audience {
                    AssertionAudience::TokenEndpoint => endpoints.token_endpoint.as_str(),
                    AssertionAudience::Issuer => endpoints.issuer.as_str(),
                    AssertionAudience::Custom(aud) => aud.as_str(),
                };
                let claims = AssertionClaims::new(
                    &inner.client_id,
                    audience,
                    std::time::SystemTime::now(),
                    inner.assertion_lifetime,
                );
                let assertion = signer.sign(&claims).await.map_err(no_retry_after)?;
                jti = Some(claims.jti);
                Some(assertion)
            }
            ClientAuth::Secret { .. } => None,
        };
        let mut request = inner.http.post(endpoints.token_endpoint.clone());
        // In a block of its own: the serializer is not `Send` and must be gone before any await.
        let body = {
            let mut form = Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !inner.scopes.is_empty() {
                form.append_pair("scope", &inner.scopes.join(" "));
            }
            if let Some(resource) = &inner.resource {
                form.append_pair("resource", resource);
            }
            for (k, v) in &inner.extra_params {
                form.append_pair(k, v);
            }
            match &inner.auth {
                ClientAuth::Secret { secret, style: SecretStyle::Basic } => {
                    let encode = |s: &str| byte_serialize(s.as_bytes()).collect::<String>();
                    let pair = format!("{}:{}", encode(&inner.client_id), encode(secret.expose_secret()));
                    let mut value = header::HeaderValue::try_from(format!("Basic {}", STANDARD.encode(pair)))
                        .map_err(|_| {
                            no_retry_after(Error::Config("client secret is not encodable".into()))
                        })?;
                    value.set_sensitive(true);
                    request = request.header(header::AUTHORIZATION, value);
                }
                ClientAuth::Secret { secret, style: SecretStyle::Post } => {
                    form.append_pair("client_id", &inner.client_id);
                    form.append_pair("client_secret", secret.expose_secret());
                }
                ClientAuth::Assertion(_) => {
                    if let Some(assertion) = &assertion {
                        form.append_pair("client_id", &inner.client_id);
                        form.append_pair("client_assertion_type", JWT_BEARER);
                        form.append_pair("client_assertion", assertion.expose_secret());
                    }
                }
            }
            form.finish()
        };
        let span = tracing::info_span!("token_request", client_id = %inner.client_id,
            scopes = %inner.scopes.join(" "), jti = jti.as_deref().unwrap_or(""));
        async {
            let sent_at = inner.clock.now();
            let response = request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| no_retry_after(Error::transport(CONTEXT, e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_capped(response, CONTEXT).await.map_err(no_retry_after)?;
            let token = parse_token_response(status, &headers, &body, sent_at, &inner.scopes)
                .map_err(|e| (e, parse_retry_after(&headers, inner.clock.now())))?;
            tracing::info!(expires_at = ?token.expires_at(), "token acquired");
            Ok(token)
        }
        .instrument(span)
        .await
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let auth = match &inner.auth {
            ClientAuth::Secret { style, .. } => format!("client secret ({style:?}), [redacted]"),
            ClientAuth::Assertion(signer) => format!("client assertion ({signer:?})"),
        };
        let location = match &inner.location {
            Location::Authority(u) => format!("authority {u}"),
            Location::TokenEndpoint(u) => format!("token endpoint {u}"),
        };
        f.debug_struct("ClientCredentials")
            .field("client_id", &inner.client_id)
            .field("auth", &auth)
            .field("location", &location)
            .field("scopes", &inner.scopes)
            .field("resource", &inner.resource)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    scope: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id", "x-correlation-id", "x-ms-request-id", "traceparent"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(|id| id.chars().take(128).collect())
}

fn parse_token_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    sent_at: std::time::SystemTime,
    requested_scopes: &[String],
) -> Result<AccessToken> {
    let unexpected = |excerpt: String| Error::UnexpectedResponse {
        context: CONTEXT,
        status,
        excerpt,
        request_id: request_id(headers),
    };
    if !status.is_success() {
        return Err(match serde_json::from_slice::<ErrorResponse>(body) {
            Ok(e) => Error::OAuth(Box::new(OAuthError {
                code: e.error,
                description: e.error_description.map(|d| excerpt(d.as_bytes())),
                uri: e.error_uri,
                status,
                request_id: request_id(headers),
            })),
            Err(_) => unexpected(excerpt(body)),
        });
    }
    let response: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        // serde's message names the field and position, never the values.
        unexpected(format!("the token response is not the JSON RFC 6749 describes: {e}"))
    })?;
    if response.access_token.is_empty() {
        return Err(unexpected("the token response has an empty `access_token`".into()));
    }
    let expires_in = match response.expires_in {
        // `try_from`: a huge or negative number is an error, not a panic.
        Some(serde_json::Value::Number(n)) => n.as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok()),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok().map(Duration::from_secs),
        None | Some(serde_json::Value::Null) => {
            tracing::warn!(default = ?DEFAULT_EXPIRES_IN, "token response has no `expires_in`; assuming the default");
            Some(DEFAULT_EXPIRES_IN)
        }
        Some(_) => None,
    }
    .ok_or_else(|| unexpected("`expires_in` is not a number of seconds".into()))?;
    let scopes = match response.scope {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => requested_scopes.to_vec(),
    };
    let token_type = response.token_type.unwrap_or_else(|| "Bearer".to_owned());
    // `checked_add`: an absurd `expires_in` (u64::MAX seconds) is an error, not a panic.
    let expires_at =
        sent_at.checked_add(expires_in).ok_or_else(|| unexpected("`expires_in` is out of range".into()))?;
    Ok(AccessToken::new(response.access_token, token_type, sent_at, expires_at, scopes))
}

/// Builds [`ClientCredentials`]. Start with [`ClientCredentials::builder`].
///
/// Choose exactly one way to prove the client's identity — [`certificate`](Self::certificate),
/// [`client_secret`](Self::client_secret) or [`assertion_signer`](Self::assertion_signer) — and exactly
/// one of [`authority`](Self::authority) (discovery) or [`token_endpoint`](Self::token_endpoint).
#[must_use]
pub struct ClientCredentialsBuilder {
    client_id: String,
    auth: Vec<ClientAuth>,
    secret_style: SecretStyle,
    authority: Option<String>,
    token_endpoint: Option<String>,
    scopes: Vec<String>,
    resource: Option<String>,
    extra_params: Vec<(String, String)>,
    assertion_lifetime: Duration,
    assertion_audience: AssertionAudience,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("client_id", &self.client_id)
            .field("authority", &self.authority)
            .field("token_endpoint", &self.token_endpoint)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    fn new(client_id: String) -> Self {
        Self {
            client_id,
            auth: Vec::new(),
            secret_style: SecretStyle::default(),
            authority: None,
            token_endpoint: None,
            scopes: Vec::new(),
            resource: None,
            extra_params: Vec::new(),
            assertion_lifetime: Duration::from_secs(60),
            assertion_audience: AssertionAudience::default(),
            http: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Authenticate with client assertions signed by this certificate's key, with
    /// [`CertificateSigner`]'s defaults (RS256, `kid` = SHA-1 thumbprint hex, `x5t`).
    pub fn certificate(self, certificate: Certificate) -> Self {
        self.assertion_signer(CertificateSigner::new(certificate))
    }

    /// Authenticate with client assertions made by `signer` (a configured [`CertificateSigner`],
    /// or a key held elsewhere).
    pub fn assertion_signer(mut self, signer: impl ClientAssertionSigner) -> Self {
        self.auth.push(ClientAuth::Assertion(Arc::new(signer)));
        self
    }

    /// Authenticate with a client secret, sent as [`secret_style`](Self::secret_style) says.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.auth.push(ClientAuth::Secret { secret: secret.into(), style: SecretStyle::default() });
        self
    }

    /// How the client secret is sent (default [`SecretStyle::Basic`]).
    pub fn secret_style(mut self, style: SecretStyle) -> Self {
        self.secret_style = style;
        self
    }

    /// The OpenID Connect authority (issuer): the token endpoint is found by discovery.
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = Some(authority.into());
        self
    }

    /// The token endpoint's URL: no discovery is made.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// The scopes to request (sent space-separated; none by default).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A `resource` parameter (RFC 8707) for servers that use it.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Another form parameter to send with every token request.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params.push((name.into(), value.into()));
        self
    }

    /// How long each client assertion is valid (default 60 s, as in Unimicro's guide).
    pub fn assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.assertion_lifetime = lifetime;
        self
    }

    /// The assertions' audience (default: the token endpoint).
    pub fn assertion_audience(mut self, audience: AssertionAudience) -> Self {
        self.assertion_audience = audience;
        self
    }

    /// Connect and total timeouts of token and discovery requests (default 10 s and 30 s).
    /// Ignored when [`http_client`](Self::http_client) is given.
    pub fn timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self
    }

    /// Your own reqwest client for token and discovery requests (custom roots, proxy). It should
    /// not follow redirects and should have timeouts; the default one has both.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How transient failures are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock for expiry and back-off (default [`SystemClock`]; [`ManualClock`](crate::ManualClock) in tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the configuration and builds the credentials.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is missing or wrong.
    pub fn build(self) -> Result<ClientCredentials> {
        let config = |m: &str| Err(Error::Config(m.to_owned()));
        if self.client_id.trim().is_empty() {
            return config("the client id is empty");
        }
        let mut auth = self.auth;
        if auth.len() != 1 {
            return config(if auth.is_empty() {
                "no client authentication: set a certificate, a client secret or an assertion signer"
            } else {
                "more than one client authentication: set only one of certificate, client secret and assertion signer"
            });
        }
        let mut auth = auth.remove(0);
        if let ClientAuth::Secret { style, secret } = &mut auth {
            *style = self.secret_style;
            if secret.expose_secret().is_empty() {
                return config("the client secret is empty");
            }
        }
        let parse = |what: &str, s: &str| {
            let url = Url::parse(s)
                .map_err(|e| Error::Config(format!("the {what} `{s}` is not a valid URL: {e}")))?;
            if !crate::middleware::secure_enough(&url) {
                return Err(Error::Config(if url.scheme() == "http" {
                    format!("the {what} `{s}` uses plain http: only loopback hosts may; use https")
                } else {
                    format!("the {what} `{s}` must be an https URL")
                }));
            }
            Ok(url)
        };
        let location = match (&self.authority, &self.token_endpoint) {
            (Some(a), None) => Location::Authority(parse("authority", a)?),
            (None, Some(t)) => Location::TokenEndpoint(parse("token endpoint", t)?),
            (None, None) => return config("set an authority (for discovery) or a token endpoint"),
            (Some(_), Some(_)) => return config("set an authority or a token endpoint, not both"),
        };
        if self.assertion_lifetime.is_zero() || self.assertion_lifetime > Duration::from_secs(600) {
            return config("the assertion lifetime must be between 1 s and 10 minutes");
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .user_agent(concat!("unimicro-auth/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                auth,
                location,
                endpoints: OnceCell::new(),
                scopes: self.scopes,
                resource: self.resource,
                extra_params: self.extra_params,
                assertion_lifetime: self.assertion_lifetime,
                assertion_audience: self.assertion_audience,
                http,
                retry: self.retry,
                clock: self.clock,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let mut headers = HeaderMap::new();
        assert_eq!(parse_retry_after(&headers, now), None);
        headers.insert(header::RETRY_AFTER, "Sun, 06 Nov 1994 08:50:07 GMT".parse().unwrap());
        assert_eq!(parse_retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(header::RETRY_AFTER, "Sun, 06 Nov 1994 08:00:00 GMT".parse().unwrap());
        assert_eq!(parse_retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert(header::RETRY_AFTER, " 12 ".parse().unwrap());
        assert_eq!(parse_retry_after(&headers, now), Some(Duration::from_secs(12)));
        for unreadable in ["-1", "yesterday", "Sun, 06 Nov 1994 08:49:37"] {
            headers.insert(header::RETRY_AFTER, unreadable.parse().unwrap());
            assert_eq!(parse_retry_after(&headers, now), None, "{unreadable}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let (initial, max) = (Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..50 {
            let first = jittered_backoff(initial, 0, max);
            assert!(first > Duration::from_millis(49) && first <= Duration::from_millis(100), "{first:?}");
            let third = jittered_backoff(initial, 2, max);
            assert!(third > Duration::from_millis(199) && third <= Duration::from_millis(400), "{third:?}");
            assert!(jittered_backoff(initial, 30, max) <= max);
            let huge = jittered_backoff(Duration::MAX, 3, Duration::MAX);
            assert!(huge >= Duration::MAX / 2, "{huge:?}");
        }
        assert_eq!(jittered_backoff(Duration::ZERO, 5, max), Duration::ZERO);
    }

    #[test]
    fn endpoints_must_be_https_or_loopback_http() {
        let build =
            |url: &str| ClientCredentials::builder("id").client_secret("s").token_endpoint(url).build();
        for ok in ["https://login.example.com/token", "http://localhost:8080/token", "http://127.0.0.1:1/t"] {
            assert!(build(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://login.example.com/token", "uses plain http: only loopback hosts may; use https"),
            ("ftp://login.example.com/token", "must be an https URL"),
            ("not a url", "is not a valid URL"),
        ] {
            let e = build(bad).unwrap_err();
            assert!(matches!(&e, Error::Config(m) if m.contains(says)), "{bad}: {e}");
        }
        let e =
            ClientCredentials::builder("id").client_secret("s").authority("ws://[::1]/").build().unwrap_err();
        assert!(e.to_string().contains("the authority `ws://[::1]/` must be an https URL"), "{e}");
    }

    #[test]
    fn expires_in_number_or_string() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1000);
        let h = HeaderMap::new();
        for body in [
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3600}"#,
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#,
        ] {
            let t = parse_token_response(StatusCode::OK, &h, body.as_bytes(), now, &[]).unwrap();
            assert_eq!(t.expires_at(), now + Duration::from_secs(3600));
        }
        let t = parse_token_response(
            StatusCode::OK,
            &h,
            br#"{"access_token":"a","token_type":"Bearer"}"#,
            now,
            &[],
        )
        .unwrap();
        assert_eq!(t.lifetime(), DEFAULT_EXPIRES_IN);
        let e = parse_token_response(
            StatusCode::OK,
            &h,
            br#"{"access_token":"a","expires_in":"soon"}"#,
            now,
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("expires_in"), "{e}");
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0, Some(Duration::from_secs(5))), Duration::from_secs(5));
        assert_eq!(p.delay(0, Some(Duration::from_secs(500))), Duration::from_secs(60));
        let d = p.delay(1, None);
        assert!(d >= Duration::from_millis(250) && d <= Duration::from_millis(500), "{d:?}");
    }
}
