//! The running mock: its shared state, and the handle tests hold.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use http::StatusCode;
use serde_json::Value;
use unimicro_auth::{Certificate, ClientSecret, Clock};
use wiremock::MockServer;

use crate::api::ActionHandler;
use crate::faults::{ApiRequest, Counters, Faults};
use crate::jwt::{ClientKey, ServerKey};
use crate::store::Store;
use crate::{Error, MockBuilder, Result, TestCertificate};

/// A client as the identity server knows it.
pub(crate) struct RegisteredClient {
    pub(crate) secrets: Vec<ClientSecret>,
    pub(crate) keys: Vec<ClientKey>,
    pub(crate) scopes: Vec<String>,
}

/// A company: its `/api/init/companies` object and the clients granted access.
pub(crate) struct CompanyRecord {
    pub(crate) key: String,
    pub(crate) json: Value,
    pub(crate) granted: HashSet<String>,
}

/// An access token the mock issued.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub(crate) client_id: String,
    pub(crate) expires_at: SystemTime,
}

/// What changes while the mock runs.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) store: Store,
    /// `jti`s of accepted client assertions, with their expiry (real time).
    pub(crate) assertion_jtis: HashMap<String, SystemTime>,
    /// Issued access tokens by `jti`.
    pub(crate) issued: HashMap<String, IssuedToken>,
    pub(crate) revoked: HashSet<String>,
    pub(crate) identity_faults: Faults,
    pub(crate) api_faults: Faults,
    pub(crate) counters: Counters,
}

/// Everything the responders share.
pub(crate) struct Shared {
    pub(crate) authority: String,
    pub(crate) token_endpoint: String,
    pub(crate) api_base: String,
    pub(crate) key: ServerKey,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) token_ttl: Duration,
    pub(crate) assertion_leeway: Duration,
    pub(crate) clients: HashMap<String, RegisteredClient>,
    pub(crate) companies: Vec<CompanyRecord>,
    pub(crate) actions: HashMap<(String, String), ActionHandler>,
    pub(crate) state: Mutex<State>,
}

impl Shared {
    /// The mutable state (a panic while it was held does not make it unusable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake of the Unimicro identity server and API, on two loopback ports.
///
/// Made with [`MockUnimicro::builder`]. Dropping it stops both servers. Tests steer it with the
/// fault knobs (`fail_*`, `set_*_latency`, `revoke_*`) and assert on its counters.
pub struct MockUnimicro {
    /// The identity server and the API: held so they run as long as this handle; dropped, they stop.
    pub(crate) _servers: (MockServer, MockServer),
    pub(crate) shared: Arc<Shared>,
    pub(crate) test_certificates: HashMap<String, TestCertificate>,
}

impl fmt::Debug for MockUnimicro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockUnimicro")
            .field("authority", &self.shared.authority)
            .field("api_base", &self.shared.api_base)
            .field("clients", &self.shared.clients.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl MockUnimicro {
    /// A builder to register clients, companies and entities, then [`start`](MockBuilder::start).
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The identity server's URL, e.g. `http://127.0.0.1:40123` (no trailing slash): the OIDC issuer,
    /// what `ClientCredentials::builder(..).authority(..)` takes.
    pub fn authority(&self) -> &str {
        &self.shared.authority
    }

    /// The token endpoint, `{authority}/connect/token`.
    pub fn token_endpoint(&self) -> &str {
        &self.shared.token_endpoint
    }

    /// The discovery document's URL, `{authority}/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.shared.authority)
    }

    /// The API base URL with a trailing slash, e.g. `http://127.0.0.1:40124/` (also the access
    /// tokens' `AppFramework` claim). Paths are `{api_base}api/init/companies` and so on.
    pub fn api_base(&self) -> &str {
        &self.shared.api_base
    }

    /// The clock token expiry is measured with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The certificate the mock made for a client registered with
    /// [`MockClient::test_certificate`](crate::MockClient::test_certificate).
    pub fn test_certificate(&self, client_id: &str) -> Option<&TestCertificate> {
        self.test_certificates.get(client_id)
    }

    /// The [`Certificate`] (with its private key) of a client registered with
    /// [`MockClient::test_certificate`](crate::MockClient::test_certificate), ready for
    /// `ClientCredentials::builder(..).certificate(..)`.
    ///
    /// # Errors
    /// [`Error::Config`] when the client has no test certificate; [`Error::Certificate`] when it can't
    /// be loaded.
    pub fn certificate(&self, client_id: &str) -> Result<Certificate> {
        self.test_certificate(client_id)
            .ok_or_else(|| {
                Error::Config(format!(
                    "client `{client_id}` has no test certificate: register it with MockClient::new(..).test_certificate()"
                ))
            })?
            .certificate()
    }

    // ---- fault knobs ----

    /// The next `n` token requests answer `503 Service Unavailable` with `Retry-After: 1`
    /// (`n = 0` clears it).
    pub fn fail_token_requests(&self, n: u32) {
        self.fail_token_requests_with(n, StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(1)));
    }

    /// The next `n` token requests answer `status`, with `Retry-After` (whole seconds, at least 1)
    /// when given.
    pub fn fail_token_requests_with(&self, n: u32, status: StatusCode, retry_after: Option<Duration>) {
        self.shared.lock().identity_faults.fail(n, status, retry_after);
    }

    /// The next `n` API requests answer `503 Service Unavailable` with `Retry-After: 1`, before any
    /// authentication, as a load balancer would (`n = 0` clears it).
    pub fn fail_api_requests(&self, n: u32) {
        self.fail_api_requests_with(n, StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(1)));
    }

    /// The next `n` API requests answer `status`, with `Retry-After` when given.
    pub fn fail_api_requests_with(&self, n: u32, status: StatusCode, retry_after: Option<Duration>) {
        self.shared.lock().api_faults.fail(n, status, retry_after);
    }

    /// Every identity-server answer (discovery, token) is delayed by `latency` (real time).
    pub fn set_token_latency(&self, latency: Duration) {
        self.shared.lock().identity_faults.latency = latency;
    }

    /// Every API answer is delayed by `latency` (real time).
    pub fn set_api_latency(&self, latency: Duration) {
        self.shared.lock().api_faults.latency = latency;
    }

    /// Revokes every access token issued so far: the API answers 401 to them. Returns how many
    /// unexpired tokens were revoked. Tokens issued afterwards are valid.
    pub fn revoke_tokens(&self) -> usize {
        self.revoke(|_| true)
    }

    /// Revokes the tokens issued so far to one client; returns how many unexpired ones were revoked.
    pub fn revoke_tokens_of(&self, client_id: &str) -> usize {
        self.revoke(|t| t.client_id == client_id)
    }

    fn revoke(&self, which: impl Fn(&IssuedToken) -> bool) -> usize {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        let state = &mut *state;
        let mut n = 0;
        for (jti, token) in &state.issued {
            if which(token) && state.revoked.insert(jti.clone()) && token.expires_at > now {
                n += 1;
            }
        }
        n
    }

    // ---- counters ----

    /// How many requests reached the token endpoint claiming `client_id` (whatever the outcome).
    pub fn token_requests(&self, client_id: &str) -> u64 {
        self.shared.lock().counters.token_requests.get(client_id).copied().unwrap_or(0)
    }

    /// How many requests reached the token endpoint in all.
    pub fn token_requests_total(&self) -> u64 {
        self.shared.lock().counters.token_requests.values().sum()
    }

    /// How many access tokens were issued to `client_id`.
    pub fn tokens_issued(&self, client_id: &str) -> u64 {
        self.shared.lock().counters.tokens_issued.get(client_id).copied().unwrap_or(0)
    }

    /// How many API requests had exactly this path (e.g. `/api/biz/companysettings/1`), any status.
    pub fn api_requests(&self, path: &str) -> u64 {
        self.shared.lock().counters.api_requests(path, None)
    }

    /// How many API requests had this path and were answered with `status`.
    pub fn api_requests_with_status(&self, path: &str, status: u16) -> u64 {
        self.shared.lock().counters.api_requests(path, Some(status))
    }

    /// How many API requests there were in all.
    pub fn api_requests_total(&self) -> u64 {
        self.shared.lock().counters.api.values().sum()
    }

    /// The most recent API requests (up to 10,000), oldest first.
    pub fn api_request_log(&self) -> Vec<ApiRequest> {
        self.shared.lock().counters.log.iter().cloned().collect()
    }

    /// Sets every counter back to zero and empties the request log.
    pub fn reset_counters(&self) {
        self.shared.lock().counters = Counters::default();
    }

    // ---- data ----

    /// The entities stored for a company under `route`, in ID order (as stored: navigations included).
    pub fn entities(&self, company_key: &str, route: &str) -> Vec<Value> {
        self.shared.lock().store.list(company_key, route).cloned().collect()
    }

    /// Stores an entity while the mock runs, as [`MockBuilder::entity`] does before it starts
    /// (an ID is assigned when it has none). Returns the stored entity.
    pub fn insert_entity(&self, company_key: &str, route: &str, entity: Value) -> Value {
        self.shared.lock().store.seed(company_key, route, entity)
    }
}
