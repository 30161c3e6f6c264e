//! Building a [`Client`] from credentials and an environment.

use std::fmt;
use std::time::Duration;

use unimicro_auth::{AuthMiddleware, Certificate, ClientCredentials, ClientSecret, TokenProvider};

use crate::{Client, Environment, Error, Result, RetryPolicy};

/// Builds a [`Client`]: which [`Environment`], which client, how it proves its identity.
///
/// [`build`](Self::build) wires the token machinery itself: [`ClientCredentials`] against the
/// environment's identity server, a [`TokenProvider`] (cached, refreshed ahead of expiry, one token
/// request however many callers), and an [`AuthMiddleware`] that sends the token to the API's origin
/// only.
///
/// ```no_run
/// use std::time::Duration;
/// use unimicro_api::{Client, Environment};
///
/// # fn run() -> unimicro_api::Result<()> {
/// let client = Client::builder()
///     .environment(Environment::Production)
///     .client_id("my-client-id")
///     .client_secret(std::env::var("MY_SECRET").unwrap_or_default())
///     .scopes(["AppFramework", "Sales.Invoice"])
///     .user_agent("my-integration/1.2")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    environment: Option<Environment>,
    client_id: Option<String>,
    auth: Vec<Auth>,
    scopes: Vec<String>,
    user_agent: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
}

enum Auth {
    Certificate(Certificate),
    Secret(ClientSecret),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth: Vec<&str> = self
            .auth
            .iter()
            .map(|a| match a {
                Auth::Certificate(_) => "certificate",
                Auth::Secret(_) => "client secret",
            })
            .collect();
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("auth", &auth)
            .field("scopes", &self.scopes)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// An empty builder (same as [`Client::builder`]).
    pub fn new() -> Self {
        Self {
            environment: None,
            client_id: None,
            auth: Vec::new(),
            scopes: vec!["AppFramework".to_owned()],
            user_agent: None,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }

    /// How requests that failed transiently are retried (default [`RetryPolicy::default`]: idempotent
    /// requests twice, never `POST`).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The platform to call (required).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The application's client id, from the developer portal (required).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Authenticate with client assertions signed by this certificate's key (the server flow
    /// Unimicro documents). Set this or [`client_secret`](Self::client_secret), not both.
    pub fn certificate(mut self, certificate: Certificate) -> Self {
        self.auth.push(Auth::Certificate(certificate));
        self
    }

    /// Authenticate with a client secret. Set this or [`certificate`](Self::certificate), not both.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.auth.push(Auth::Secret(secret.into()));
        self
    }

    /// The scopes to ask for (default `["AppFramework"]`, the one that grants API access).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Your application's name and version, sent before this crate's in `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The longest an API request may take, from sending to the last byte of the answer (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the configuration and builds the client. Makes no request: the first token is got on
    /// the first call.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming what is missing or wrong (no environment, no client id, none or
    /// both of certificate and secret, no scope, a zero timeout, a bad user agent);
    /// [`Error::Auth`] when the credentials are refused by `unimicro-auth` (an empty secret …).
    pub fn build(self) -> Result<Client> {
        let invalid = |m: &str| Err(Error::InvalidInput(m.to_owned()));
        let Some(environment) = self.environment else {
            return invalid(
                "no environment: call .environment(Environment::Test) (or Production, or Environment::custom(..))",
            );
        };
        let Some(client_id) = self.client_id.filter(|id| !id.trim().is_empty()) else {
            return invalid(
                "no client id: call .client_id(..) with your application's client id from the developer portal",
            );
        };
        let mut auth = self.auth;
        let auth = match auth.len() {
            1 => auth.remove(0),
            0 => return invalid("no credentials: call .certificate(..) or .client_secret(..)"),
            _ => {
                return invalid(
                    "more than one credential: call only one of .certificate(..) and .client_secret(..)",
                );
            }
        };
        if self.scopes.iter().all(|s| s.trim().is_empty()) {
            return invalid("no scopes: leave .scopes(..) out for the default [\"AppFramework\"]");
        }
        if self.timeout.is_zero() {
            return invalid("the timeout is zero: give a positive duration, or leave .timeout(..) out");
        }
        let credentials = ClientCredentials::builder(client_id)
            .authority(environment.authority().as_str())
            .scopes(self.scopes.iter().filter(|s| !s.trim().is_empty()).cloned());
        let credentials = match auth {
            Auth::Certificate(c) => credentials.certificate(c),
            Auth::Secret(s) => credentials.client_secret(s),
        };
        let credentials = credentials.build().map_err(Error::Auth)?;
        let api_base = environment.api_base();
        let auth = AuthMiddleware::new(TokenProvider::new(credentials))
            .allow_origin(api_base.as_str())
            .map_err(Error::Auth)?;
        let ours = concat!("unimicro-rs/", env!("CARGO_PKG_VERSION"));
        let user_agent = match &self.user_agent {
            Some(theirs) => format!("{theirs} {ours}"),
            None => ours.to_owned(),
        };
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| {
                Error::InvalidInput(format!("could not build the HTTP client (check the user agent): {e}"))
            })?;
        let stack = reqwest_middleware::ClientBuilder::new(http).with(auth).build();
        Ok(Client::from_parts(stack, api_base.as_str())?.with_retry_policy(self.retry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(builder: ClientBuilder) -> String {
        match builder.build() {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn missing_pieces_are_named() {
        assert!(message(Client::builder()).contains("no environment"));
        let env = || Client::builder().environment(Environment::Test);
        assert!(message(env()).contains("no client id"));
        assert!(message(env().client_id("  ")).contains("no client id"));
        assert!(message(env().client_id("id")).contains("no credentials"));
        let both = env().client_id("id").client_secret("s1").client_secret("s2");
        assert!(message(both).contains("more than one credential"));
        let secret = || env().client_id("id").client_secret("s");
        assert!(message(secret().scopes(Vec::<String>::new())).contains("no scopes"));
        assert!(message(secret().timeout(Duration::ZERO)).contains("timeout is zero"));
    }

    #[test]
    fn builds_with_a_secret_and_never_shows_it() {
        let builder = Client::builder()
            .environment(Environment::Test)
            .client_id("id")
            .client_secret("hunter2-very-secret")
            .user_agent("my-app/1.0");
        assert!(!format!("{builder:?}").contains("hunter2"));
        let client = builder.build().unwrap();
        assert_eq!(client.api_base().as_str(), "https://test.unimicro.no/");
        assert!(!format!("{client:?}").contains("hunter2"));
    }

    #[test]
    fn empty_secret_is_an_auth_config_error() {
        let e = Client::builder().environment(Environment::Test).client_id("id").client_secret("").build();
        assert!(matches!(e, Err(Error::Auth(unimicro_auth::Error::Config(_)))), "{e:?}");
    }
}
