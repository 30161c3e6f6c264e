//! The reqwest-middleware layer that attaches tokens.

use std::fmt;
use std::sync::Arc;

use http::{Extensions, StatusCode, header};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use url::{Host, Url};

use crate::{Error, Result, TokenProvider};

/// Whether `url`'s host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether a token (or a client secret or assertion) may travel to `url` at all: over https, or plain
/// http to a loopback host.
pub(crate) fn secure_enough(url: &Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))
}

/// A [`reqwest_middleware::Middleware`] that attaches an access token from a [`TokenProvider`] to the
/// requests sent to the origins it is allowed to.
///
/// - Only requests to an allowed origin (scheme, host and port, added with
///   [`allow_origin`](Self::allow_origin)) get a token; any other request passes through untouched.
///   Tokens are never sent over plain http, except to loopback hosts.
/// - The token goes in `Authorization: Bearer …`, a header marked sensitive. A request that already has
///   an `Authorization` header is left alone.
/// - On HTTP 401 the token that was sent is invalidated (only if it is still the cached one, so a burst
///   of 401s causes one refresh), a new token is got and the request is sent once more, if its body
///   could be cloned (`Request::try_clone`; streaming bodies cannot). A second 401 is returned as it is.
/// - If no token can be got, the request is **not sent**: the caller gets
///   [`reqwest_middleware::Error::Middleware`] carrying this crate's [`Error`]. Read it with
///   [`auth_error`].
///
/// Put it *after* (inside) a retry middleware such as `reqwest-retry`'s, so that every retry gets a
/// current token:
///
/// ```no_run
/// use unimicro_auth::reqwest_middleware::ClientBuilder;
/// use unimicro_auth::{AuthMiddleware, ClientCredentials, TokenProvider};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = ClientCredentials::builder("my-client-id")
///     .client_secret("my-secret")
///     .authority("https://login.example.com")
///     .build()?;
/// let auth = AuthMiddleware::new(TokenProvider::new(credentials))
///     .allow_origin("https://api.example.com")?;
/// let client = ClientBuilder::new(unimicro_auth::reqwest::Client::new())
///     // .with(RetryTransientMiddleware::new_with_policy(..)) // outer: retries
///     .with(auth) // inner: authenticates each attempt
///     .build();
/// let response = client.get("https://api.example.com/api/init/companies").send().await?;
/// # let _ = response;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthMiddleware {
    provider: TokenProvider,
    origins: Arc<Vec<AllowedOrigin>>,
}

/// An origin tokens may be sent to: scheme, host (as the URL serializes it) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl AllowedOrigin {
    fn of(url: &Url) -> Self {
        let host = url.host_str().unwrap_or_default().to_owned();
        Self { scheme: url.scheme().to_owned(), host, port: url.port_or_known_default() }
    }

    /// Whether `url` is of this origin; compares in place, allocating nothing (it runs on every request).
    fn matches(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(&self.host)
            && url.port_or_known_default() == self.port
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

impl AuthMiddleware {
    /// A middleware attaching `provider`'s tokens. It allows no origin yet: add them with
    /// [`allow_origin`](Self::allow_origin).
    pub fn new(provider: TokenProvider) -> Self {
        Self { provider, origins: Arc::new(Vec::new()) }
    }

    /// Allows sending tokens to the origin (scheme, host and port) of `url`. A path in `url` is
    /// ignored: `https://api.example.com/api/` allows every path of `https://api.example.com`.
    ///
    /// # Errors
    /// [`Error::Config`] if `url` is not an absolute URL with a host, is not http(s), or is plain http
    /// to a host other than a loopback one (a token must never cross a network in clear text).
    pub fn allow_origin(mut self, url: impl AsRef<str>) -> Result<Self> {
        let text = url.as_ref();
        let config = |reason: String| Error::Config(format!("cannot allow the origin `{text}`: {reason}"));
        let url = Url::parse(text).map_err(|e| {
            config(format!(
                "it is not a valid URL ({e}); give an absolute URL such as https://api.example.com"
            ))
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(config("give an https URL with a host, such as https://api.example.com".into()));
        }
        if !secure_enough(&url) {
            return Err(config(
                "tokens are never sent over plain http except to loopback hosts; use https".into(),
            ));
        }
        let origin = AllowedOrigin::of(&url);
        if !self.origins.contains(&origin) {
            Arc::make_mut(&mut self.origins).push(origin);
        }
        Ok(self)
    }

    /// The provider the tokens come from.
    pub fn provider(&self) -> &TokenProvider {
        &self.provider
    }

    /// Whether a token may be attached to a request for `url`.
    fn allowed(&self, url: &Url) -> bool {
        // The scheme check is also made here, not only in `allow_origin`: defence in depth.
        secure_enough(url) && self.origins.iter().any(|origin| origin.matches(url))
    }
}

impl fmt::Debug for AuthMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origins: Vec<String> = self.origins.iter().map(ToString::to_string).collect();
        f.debug_struct("AuthMiddleware").field("provider", &self.provider).field("origins", &origins).finish()
    }
}

/// The message of the middleware error when no token could be got; the cause is its source.
const NOT_SENT: &str = "no access token could be got, so the request was not sent";

fn not_sent(error: Error) -> reqwest_middleware::Error {
    // As context over the error, `anyhow` downcasts to `Error` directly, and the error stays in the
    // source chain when another middleware (reqwest-retry) wraps it.
    reqwest_middleware::Error::Middleware(anyhow::Error::new(error).context(NOT_SENT))
}

/// The [`Error`] that kept [`AuthMiddleware`] from getting a token, if that is what `error` is.
///
/// Works also when another middleware wrapped the error (as `reqwest-retry` does), since it searches the
/// error's source chain. `error.to_string()` only says that no token could be got; print it with `{:#}`
/// through `anyhow`, or use this function, to see why.
///
/// ```
/// # fn handle(err: unimicro_auth::reqwest_middleware::Error) {
/// if let Some(auth) = unimicro_auth::auth_error(&err) {
///     if !auth.is_transient() {
///         eprintln!("fix the credentials: {auth}");
///     }
/// }
/// // or, by hand, without reqwest-retry in the stack:
/// if let unimicro_auth::reqwest_middleware::Error::Middleware(e) = &err {
///     let auth: Option<&unimicro_auth::Error> = e.downcast_ref();
///     # let _ = auth;
/// }
/// # }
/// ```
pub fn auth_error(error: &reqwest_middleware::Error) -> Option<&Error> {
    match error {
        reqwest_middleware::Error::Middleware(e) => e.chain().find_map(|cause| cause.downcast_ref::<Error>()),
        reqwest_middleware::Error::Reqwest(_) => None,
    }
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if req.headers().contains_key(header::AUTHORIZATION) || !self.allowed(req.url()) {
            return next.run(req, extensions).await;
        }
        let sent = self.provider.entry().await.map_err(not_sent)?;
        req.headers_mut().insert(header::AUTHORIZATION, sent.header.clone());
        // Cloned before sending: a body cannot be read back afterwards.
        let replay = req.try_clone();
        let response = next.clone().run(req, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.provider.invalidate(&sent.token).await;
        let Some(mut replay) = replay else {
            tracing::info!(origin = %response.url().origin().ascii_serialization(),
                "HTTP 401: token invalidated; the request body cannot be cloned, so it is not replayed");
            return Ok(response);
        };
        drop(response);
        let fresh = self.provider.entry().await.map_err(not_sent)?;
        tracing::info!(origin = %replay.url().origin().ascii_serialization(),
            "HTTP 401: replaying the request once with a new token");
        replay.headers_mut().insert(header::AUTHORIZATION, fresh.header.clone());
        next.run(replay, extensions).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_scheme_host_and_port() {
        let origin = AllowedOrigin::of(&Url::parse("https://api.example.com/api/").unwrap());
        assert_eq!(origin.to_string(), "https://api.example.com:443");
        for url in ["https://api.example.com/x?y=1", "https://API.example.com:443/"] {
            assert!(origin.matches(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "http://api.example.com/",
            "https://api.example.com:8443/",
            "https://example.com/",
            "https://api.example.com.evil.test/",
        ] {
            assert!(!origin.matches(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for url in ["http://localhost:8080/", "http://api.localhost/", "http://127.0.0.2/", "http://[::1]:1/"]
        {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in ["http://example.com/", "http://10.0.0.1/", "http://localhost.example.com/"] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }
}
