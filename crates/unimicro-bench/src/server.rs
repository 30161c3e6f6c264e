//! The loopback server the benchmarks call: hyper, HTTP/1.1, fixed bodies, no routing library.
//!
//! Routes:
//! - `GET /.well-known/openid-configuration`: discovery, issuer = the server's base URL.
//! - `POST /connect/token`: counts the request, waits the configured latency, issues `bench-<n>`
//!   valid for the configured TTL. The server counts a token's lifetime from when the request
//!   *arrived*, which is stricter than a real server (that counts from when it answers): a client
//!   that counts from when it sent the request is still on the safe side.
//! - `GET /api/...`: 401 (counted) unless the bearer token was issued here and has not expired by
//!   the server's clock; `/api/biz/...` also needs a `CompanyKey` header (400 otherwise). The body is a
//!   fixed CompanySettings-like JSON: an array of one object, or the object for `/api/biz/companysettings/1`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The company key the benchmarks send.
pub(crate) const COMPANY_KEY: &str = "6d2f4a38-1b7e-4c3e-9a55-2f1c0b9e7d41";

const SETTINGS: &str = r#"{"ID":1,"CompanyName":"Benk AS","OrganizationNumber":"999888777","WebAddress":"https://benk.example","GLN":null,"BaseCurrencyCodeID":1,"CompanyTypeID":1,"CompanyRegistered":true,"TaxMandatory":true,"TaxMandatoryType":3,"TaxableFromDate":null,"AccountingLockedDate":"2023-12-31","VatLockedDate":"2023-12-31","OfficeMunicipalityNo":"0301","Localization":"nb-NO","LogoFileID":null,"DefaultAddressID":1,"DefaultEmailID":1,"DefaultPhoneID":1,"CompanyBankAccountID":2,"CustomerCreditDays":14,"RoundingType":"Normal","RoundingNumberOfDecimals":2,"ShowNumberOfDecimals":2,"StatusCode":null,"CreatedAt":"2019-03-01T10:15:00Z","CreatedBy":"6e0f","UpdatedAt":"2024-05-02T08:00:00.123+02:00","UpdatedBy":"6e0f","Deleted":false,"_createguid":null,"CustomValues":{}}"#;

/// The body of `GET /api/biz/companysettings`: an array of one settings object.
pub(crate) fn settings_array() -> String {
    format!("[{SETTINGS}]")
}

/// How the token endpoint behaves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerConfig {
    /// How long the token endpoint takes to answer.
    pub(crate) token_latency: Duration,
    /// How long the tokens it issues are valid.
    pub(crate) token_ttl: Duration,
}

/// One token endpoint call: when it arrived and when it was answered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenCall {
    pub(crate) arrived: Instant,
    pub(crate) answered: Instant,
}

#[derive(Debug)]
struct Issued {
    expires: Instant,
    answered: Instant,
    used: AtomicBool,
}

#[derive(Debug)]
struct State {
    config: ServerConfig,
    base: String,
    token_requests: AtomicU64,
    api_requests: AtomicU64,
    unauthorized: AtomicU64,
    bad_requests: AtomicU64,
    tokens: RwLock<Vec<Issued>>,
    token_calls: Mutex<Vec<TokenCall>>,
    settings_array: Bytes,
    settings_object: Bytes,
}

/// A running server; stopped (with all its connections) when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 on a free port.
    pub(crate) async fn start(config: ServerConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            config,
            base: format!("http://{addr}"),
            token_requests: AtomicU64::new(0),
            api_requests: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            bad_requests: AtomicU64::new(0),
            tokens: RwLock::new(Vec::new()),
            token_calls: Mutex::new(Vec::new()),
            settings_array: Bytes::from(settings_array()),
            settings_object: Bytes::from_static(SETTINGS.as_bytes()),
        });
        let task = tokio::spawn(accept(listener, state.clone()));
        Ok(Self { state, task })
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub(crate) fn base(&self) -> &str {
        &self.state.base
    }

    /// The token endpoint's URL.
    pub(crate) fn token_endpoint(&self) -> String {
        format!("{}/connect/token", self.state.base)
    }

    /// The URL of the company settings list.
    pub(crate) fn settings_url(&self) -> String {
        format!("{}/api/biz/companysettings", self.state.base)
    }

    /// Token requests received so far.
    pub(crate) fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// API requests received so far.
    pub(crate) fn api_requests(&self) -> u64 {
        self.state.api_requests.load(Ordering::Relaxed)
    }

    /// API requests answered 401 so far.
    pub(crate) fn unauthorized(&self) -> u64 {
        self.state.unauthorized.load(Ordering::Relaxed)
    }

    /// Requests answered 400 or 404 so far (a benchmark that sends them is wrong).
    pub(crate) fn bad_requests(&self) -> u64 {
        self.state.bad_requests.load(Ordering::Relaxed)
    }

    /// Every token endpoint call so far, in order of answer.
    pub(crate) fn token_calls(&self) -> Vec<TokenCall> {
        self.state.token_calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many issued tokens no API request ever carried, not counting tokens answered after `cutoff`.
    pub(crate) fn unused_tokens(&self, cutoff: Instant) -> usize {
        let tokens = self.state.tokens.read().unwrap_or_else(|e| e.into_inner());
        tokens.iter().filter(|t| t.answered <= cutoff && !t.used.load(Ordering::Relaxed)).count()
    }
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    // Connections live in this set: aborting the accept task drops it, which aborts them all.
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| handle(state.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
        while connections.try_join_next().is_some() {}
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let path = req.uri().path();
    let reply = match *req.method() {
        Method::POST if path == "/connect/token" => token(&state, req).await,
        Method::GET if path == "/.well-known/openid-configuration" => {
            let doc = format!(r#"{{"issuer":"{0}","token_endpoint":"{0}/connect/token"}}"#, state.base);
            json(StatusCode::OK, Bytes::from(doc))
        }
        Method::GET if path.starts_with("/api/") => api(&state, &req),
        _ => {
            state.bad_requests.fetch_add(1, Ordering::Relaxed);
            json(StatusCode::NOT_FOUND, Bytes::from_static(br#"{"Message":"no such route"}"#))
        }
    };
    Ok(reply)
}

async fn token(state: &State, req: Request<Incoming>) -> Reply {
    let arrived = Instant::now();
    state.token_requests.fetch_add(1, Ordering::Relaxed);
    let form = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    if !form.split(|b| *b == b'&').any(|pair| pair == b"grant_type=client_credentials") {
        state.bad_requests.fetch_add(1, Ordering::Relaxed);
        return json(StatusCode::BAD_REQUEST, Bytes::from_static(br#"{"error":"unsupported_grant_type"}"#));
    }
    if !state.config.token_latency.is_zero() {
        tokio::time::sleep(state.config.token_latency).await;
    }
    let answered = Instant::now();
    let id = {
        let mut tokens = state.tokens.write().unwrap_or_else(|e| e.into_inner());
        tokens.push(Issued {
            expires: arrived + state.config.token_ttl,
            answered,
            used: AtomicBool::new(false),
        });
        tokens.len() - 1
    };
    state.token_calls.lock().unwrap_or_else(|e| e.into_inner()).push(TokenCall { arrived, answered });
    let body = format!(
        r#"{{"access_token":"bench-{id}","token_type":"Bearer","expires_in":{},"scope":"AppFramework"}}"#,
        state.config.token_ttl.as_secs_f64()
    );
    json(StatusCode::OK, Bytes::from(body))
}

fn api(state: &State, req: &Request<Incoming>) -> Reply {
    state.api_requests.fetch_add(1, Ordering::Relaxed);
    if !authorized(state, req) {
        state.unauthorized.fetch_add(1, Ordering::Relaxed);
        return json(StatusCode::UNAUTHORIZED, Bytes::from_static(br#"{"Message":"Unauthorized"}"#));
    }
    let path = req.uri().path();
    if path.starts_with("/api/biz/") && !req.headers().contains_key("companykey") {
        state.bad_requests.fetch_add(1, Ordering::Relaxed);
        return json(StatusCode::BAD_REQUEST, Bytes::from_static(br#"{"Message":"CompanyKey missing"}"#));
    }
    if path.trim_end_matches('/').ends_with("/companysettings/1") {
        json(StatusCode::OK, state.settings_object.clone())
    } else {
        json(StatusCode::OK, state.settings_array.clone())
    }
}

fn authorized(state: &State, req: &Request<Incoming>) -> bool {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return false };
    let Some(id) = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer bench-"))
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return false;
    };
    let tokens = state.tokens.read().unwrap_or_else(|e| e.into_inner());
    match tokens.get(id) {
        Some(t) if Instant::now() < t.expires => {
            if !t.used.load(Ordering::Relaxed) {
                t.used.store(true, Ordering::Relaxed);
            }
            true
        }
        _ => false,
    }
}

fn json(status: StatusCode, body: Bytes) -> Reply {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(http: &reqwest::Client, server: &Server, auth: Option<&str>, key: bool) -> u16 {
        let mut req = http.get(server.settings_url());
        if let Some(auth) = auth {
            req = req.header(header::AUTHORIZATION, auth);
        }
        if key {
            req = req.header("CompanyKey", COMPANY_KEY);
        }
        req.send().await.unwrap().status().as_u16()
    }

    async fn token(http: &reqwest::Client, server: &Server) -> serde_json::Value {
        let resp = http
            .post(server.token_endpoint())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=AppFramework")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    #[tokio::test]
    async fn issues_tokens_and_checks_them() {
        let config = ServerConfig { token_latency: Duration::ZERO, token_ttl: Duration::from_secs(60) };
        let server = Server::start(config).await.unwrap();
        let http = reqwest::Client::new();
        let t = token(&http, &server).await;
        assert_eq!(t["access_token"], "bench-0");
        assert_eq!(t["expires_in"], 60.0);
        assert_eq!(get(&http, &server, Some("Bearer bench-0"), true).await, 200);
        assert_eq!(get(&http, &server, Some("Bearer bench-1"), true).await, 401);
        assert_eq!(get(&http, &server, None, true).await, 401);
        assert_eq!(get(&http, &server, Some("Bearer bench-0"), false).await, 400);
        let body: serde_json::Value = http
            .get(server.settings_url())
            .header(header::AUTHORIZATION, "Bearer bench-0")
            .header("CompanyKey", COMPANY_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body[0]["CompanyName"], "Benk AS");
        assert_eq!((server.token_requests(), server.unauthorized(), server.bad_requests()), (1, 2, 1));
        assert_eq!(server.api_requests(), 5);
        assert_eq!(server.unused_tokens(Instant::now()), 0);
        assert_eq!(server.token_calls().len(), 1);
    }

    #[tokio::test]
    async fn an_expired_token_is_refused() {
        let config = ServerConfig { token_latency: Duration::ZERO, token_ttl: Duration::ZERO };
        let server = Server::start(config).await.unwrap();
        let http = reqwest::Client::new();
        token(&http, &server).await;
        assert_eq!(get(&http, &server, Some("Bearer bench-0"), true).await, 401);
        assert_eq!(server.unauthorized(), 1);
        assert_eq!(server.unused_tokens(Instant::now()), 1);
    }

    #[tokio::test]
    async fn serves_discovery() {
        let config = ServerConfig { token_latency: Duration::ZERO, token_ttl: Duration::from_secs(1) };
        let server = Server::start(config).await.unwrap();
        let doc: serde_json::Value =
            reqwest::get(format!("{}/.well-known/openid-configuration", server.base()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(doc["issuer"], server.base());
        assert_eq!(doc["token_endpoint"], server.token_endpoint());
        assert!(server.base().starts_with("http://127.0.0.1:"), "{}", server.base());
    }
}
