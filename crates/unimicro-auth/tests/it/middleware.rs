//! Tests: `AuthMiddleware` in a reqwest-middleware stack, against wiremock (token endpoint and API on
//! one server) with a `ManualClock`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Extensions;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use serde_json::json;
use unimicro_auth::reqwest::{self, Request, Response, StatusCode, header};
use unimicro_auth::reqwest_middleware::{self, ClientBuilder, ClientWithMiddleware, Middleware, Next};
use unimicro_auth::{AuthMiddleware, Error, ManualClock, TokenProvider, auth_error};
use wiremock::matchers::{body_json, header as has_header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::provider::{
    CLIENT_SECRET, PAST_HARD, clock, issues, provider, refuses, token_requests, unused_credentials,
};
use crate::support::{assert_no_secrets, server_with};

const API_PATH: &str = "/api/thing";

/// The API's URL on `server`.
fn api_url(server: &MockServer) -> String {
    format!("{}{API_PATH}", server.uri())
}

/// An API answering `status` to requests carrying `token`.
fn api(token: &str, status: u16) -> Mock {
    Mock::given(path(API_PATH))
        .and(has_header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(status))
}

/// An API answering 200 to any request.
fn api_ok() -> Mock {
    Mock::given(path(API_PATH)).respond_with(ResponseTemplate::new(200))
}

fn client(auth: AuthMiddleware) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new()).with(auth).build()
}

/// The middleware over a provider of `server`'s tokens, allowed to send them to `server` only.
fn auth_for(server: &MockServer, clock: &ManualClock) -> AuthMiddleware {
    AuthMiddleware::new(provider(server, clock)).allow_origin(server.uri()).expect("loopback http is allowed")
}

/// A client with the middleware of [`auth_for`] and nothing else.
fn client_for(server: &MockServer) -> ClientWithMiddleware {
    client(auth_for(server, &clock()))
}

/// The `Authorization` headers of the API requests `server` received, in order (`None` when absent).
async fn authorizations(server: &MockServer) -> Vec<Option<String>> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path() == API_PATH)
        .map(|r| r.headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()))
        .collect()
}

/// Records, for each request passing through it, whether its `Authorization` header is marked sensitive.
#[derive(Clone, Default)]
struct Probe(Arc<Mutex<Vec<Option<bool>>>>);

#[async_trait::async_trait]
impl Middleware for Probe {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        self.0.lock().unwrap().push(req.headers().get(header::AUTHORIZATION).map(|v| v.is_sensitive()));
        next.run(req, extensions).await
    }
}

#[test]
fn the_middleware_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<AuthMiddleware>();
}

#[tokio::test]
async fn requests_to_an_allowed_origin_carry_the_cached_token_in_a_sensitive_header() {
    let server = server_with([issues("tok-1").expect(1), api("tok-1", 200).expect(3)]).await;
    let probe = Probe::default();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(auth_for(&server, &clock()))
        .with(probe.clone())
        .build();

    for _ in 0..3 {
        let response = client.get(api_url(&server)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(*probe.0.lock().unwrap(), [Some(true); 3], "the header is there and marked sensitive");
    server.verify().await;
}

#[tokio::test]
async fn a_caller_set_authorization_is_left_alone() {
    // No token endpoint: the catch-all fails the test if a token is requested.
    let server = server_with([Mock::given(path(API_PATH))
        .and(has_header("authorization", "Basic dXNlcjpwYXNz"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)])
    .await;
    let client = client_for(&server);

    let response =
        client.get(api_url(&server)).header("Authorization", "Basic dXNlcjpwYXNz").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.verify().await;
}

#[tokio::test]
async fn requests_to_other_origins_carry_no_authorization() {
    let server = server_with([issues("tok-1").expect(1), api("tok-1", 200).expect(2)]).await;
    let other = MockServer::start().await;
    api_ok().expect(2).mount(&other).await;
    // Allowed by a base URL with a path: only its origin counts.
    let auth = AuthMiddleware::new(provider(&server, &clock()))
        .allow_origin(format!("{}/api/", server.uri()))
        .unwrap()
        .allow_origin(server.uri())
        .unwrap();
    assert_eq!(format!("{auth:?}").matches("http://127.0.0.1").count(), 1, "one origin: {auth:?}");
    let client = client(auth);

    for url in [&server, &other, &server, &other].map(api_url) {
        assert_eq!(client.get(url).send().await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(authorizations(&other).await, [None, None], "the other origin got no token");
    assert_eq!(
        authorizations(&server).await,
        [Some("Bearer tok-1".to_owned()), Some("Bearer tok-1".to_owned())]
    );
    server.verify().await;
    other.verify().await;
}

#[test]
fn bad_origins_are_clear_configuration_errors() {
    let credentials = unused_credentials();
    let auth = || AuthMiddleware::new(TokenProvider::new(credentials.clone()));
    let cases = [
        ("http://api.example.com", "plain http"),
        ("http://10.1.2.3:8080/api", "plain http"),
        ("not a url", "not a valid URL"),
        ("/api/relative", "not a valid URL"),
        ("ftp://files.example.com", "https URL with a host"),
        ("mailto:someone@example.com", "https URL with a host"),
    ];
    for (url, expected) in cases {
        let error = auth().allow_origin(url).expect_err(url);
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(url) && message.contains(expected), "{url}: {message}");
    }
    for url in ["https://api.example.com", "http://localhost:8080", "http://127.0.0.1:1/x", "http://[::1]:2"]
    {
        auth().allow_origin(url).expect(url);
    }
}

#[tokio::test]
async fn a_token_never_travels_over_plain_http_to_a_non_loopback_host() {
    let server = server_with([api_ok().expect(1)]).await; // the catch-all: no token request
    let port = server.address().port();
    // `api.example.test` resolves to the local server, but by its name it is not a loopback host.
    let http = reqwest::Client::builder().resolve("api.example.test", *server.address()).build().unwrap();
    let auth = AuthMiddleware::new(provider(&server, &clock()))
        .allow_origin(format!("https://api.example.test:{port}"))
        .unwrap();
    let client = ClientBuilder::new(http).with(auth).build();

    let response = client.get(format!("http://api.example.test:{port}{API_PATH}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(authorizations(&server).await, [None]);
    server.verify().await;
}

#[tokio::test]
async fn a_401_causes_one_refresh_and_one_replay_with_the_body() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        issues("tok-2").expect(1),
        api("tok-1", 401).expect(1),
        Mock::given(method("POST"))
            .and(path(API_PATH))
            .and(has_header("authorization", "Bearer tok-2"))
            .and(body_json(json!({"name": "replayed"})))
            .respond_with(ResponseTemplate::new(200))
            .expect(1),
    ])
    .await;
    let client = client_for(&server);

    let response = client.post(api_url(&server)).json(&json!({"name": "replayed"})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.verify().await;
}

#[tokio::test]
async fn a_second_401_is_returned_as_it_is() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        issues("tok-2").expect(1),
        Mock::given(path(API_PATH))
            .respond_with(ResponseTemplate::new(401).set_body_string("revoked"))
            .expect(2),
    ])
    .await;
    let client = client_for(&server);

    let response = client.get(api_url(&server)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.text().await.unwrap(), "revoked");
    assert_eq!(
        authorizations(&server).await,
        [Some("Bearer tok-1".to_owned()), Some("Bearer tok-2".to_owned())],
        "exactly one replay, with the new token"
    );
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_401s_for_one_token_causes_one_refresh() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        issues("tok-2").expect(1),
        // Slow 401s: every request has been sent with tok-1 before the first 401 comes back.
        Mock::given(path(API_PATH))
            .and(has_header("authorization", "Bearer tok-1"))
            .respond_with(ResponseTemplate::new(401).set_delay(Duration::from_millis(300)))
            .expect(100),
        api("tok-2", 200).expect(100),
    ])
    .await;
    let auth = auth_for(&server, &clock());
    auth.provider().token().await.unwrap();
    let client = client(auth);

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            let url = api_url(&server);
            tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(token_requests(&server).await, 2, "one token, then one refresh");
    server.verify().await;
}

#[tokio::test]
async fn without_a_token_the_request_is_not_sent_and_the_error_can_be_read() {
    let server = server_with([refuses(401, "invalid_client").expect(1), api_ok().expect(0)]).await;
    let client = client_for(&server);

    let error = client.get(api_url(&server)).send().await.unwrap_err();
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("not a middleware error: {error:?}")
    };
    let direct = inner.downcast_ref::<Error>().expect("downcasts to unimicro_auth::Error");
    assert_eq!(direct.oauth().map(|e| e.code()), Some("invalid_client"));
    let found = auth_error(&error).expect("auth_error finds it");
    assert_eq!(found.oauth().map(|e| e.code()), Some("invalid_client"));
    assert!(error.to_string().contains("request was not sent"), "{error}");
    assert!(format!("{inner:#}").contains("invalid_client"), "{inner:#}");
    assert_no_secrets("the error", &format!("{error:?} {error:#}"), &[CLIENT_SECRET]);
    assert!(auth_error(&reqwest_middleware::Error::middleware(std::io::Error::other("x"))).is_none());
    server.verify().await;
}

#[tokio::test]
async fn when_no_new_token_can_be_got_after_a_401_the_replay_is_not_sent() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        refuses(400, "invalid_client").expect(1),
        api("tok-1", 401).expect(1),
    ])
    .await;
    let client = client_for(&server);

    let error = client.get(api_url(&server)).send().await.unwrap_err();
    assert_eq!(auth_error(&error).and_then(|e| e.oauth()).map(|e| e.code()), Some("invalid_client"));
    server.verify().await;
}

/// Moves the clock forward when it answers, as if much time passed during the request.
struct AdvanceClock {
    clock: ManualClock,
    by: Duration,
    response: ResponseTemplate,
}

impl Respond for AdvanceClock {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.clock.advance(self.by);
        self.response.clone()
    }
}

fn retrying(auth: AuthMiddleware) -> ClientWithMiddleware {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(1))
        .build_with_max_retries(2);
    ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(policy)) // outer
        .with(auth) // inner: each attempt is authenticated anew
        .build()
}

#[tokio::test]
async fn stacked_inside_reqwest_retry_each_attempt_gets_a_current_token() {
    let clock = clock();
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        issues("tok-2").expect(1),
        // The first attempt fails with 503 and takes so long that tok-1 is past its hard point.
        Mock::given(path(API_PATH))
            .and(has_header("authorization", "Bearer tok-1"))
            .respond_with(AdvanceClock {
                clock: clock.clone(),
                by: PAST_HARD,
                response: ResponseTemplate::new(503),
            })
            .expect(1),
        api("tok-2", 200).expect(1),
    ])
    .await;
    let client = retrying(auth_for(&server, &clock));

    let response = client.get(api_url(&server)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        authorizations(&server).await,
        [Some("Bearer tok-1".to_owned()), Some("Bearer tok-2".to_owned())]
    );
    server.verify().await;
}

#[tokio::test]
async fn an_auth_error_is_found_through_reqwest_retry() {
    let server = server_with([refuses(401, "invalid_client").expect(1)]).await; // and the catch-all: no API call
    let client = retrying(auth_for(&server, &clock()));

    let error = client.get(api_url(&server)).send().await.unwrap_err();
    let found = auth_error(&error).unwrap_or_else(|| panic!("no auth error in {error:?}"));
    assert_eq!(found.oauth().map(|e| e.code()), Some("invalid_client"));
    assert!(!found.is_transient(), "a permanent error is not retried");
    server.verify().await;
}

#[tokio::test]
async fn debug_output_holds_no_token() {
    let server = server_with([issues("tok-debug-secret").expect(1)]).await;
    let auth = auth_for(&server, &clock());
    auth.provider().token().await.unwrap();
    let debug = format!("{auth:?} {auth:#?}");
    assert_no_secrets("AuthMiddleware's Debug", &debug, &["tok-debug-secret", CLIENT_SECRET]);
    assert!(debug.contains(&server.uri()), "{debug}");
    server.verify().await;
}
