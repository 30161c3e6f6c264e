//! Tests: the token request against a wiremock token endpoint — assertions, secrets, discovery,
//! errors and retries.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use unimicro_auth::{
    AssertionAudience, AssertionClaims, Certificate, CertificateSigner, ClientCredentials, ClientSecret,
    Error, KeyIdStyle, ManualClock, RetryPolicy, SecretStyle, SigningAlgorithm,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    Assertion, LogCapture, NON_ASCII_PASSWORD, PASSWORD, SHORT, TOKEN_PATH, assert_no_secrets, drive, field,
    fixture, fixture_text, form, generate_p256, generate_rsa, modern_p12, mount_with_catch_all, server_with,
    token_endpoint, token_response, verify_assertion,
};

const TOKEN: &str = "test-only-access-token-3f9a";
const CLIENT_ID: &str = "test-only-client";
/// Every character RFC 6749 §2.3.1's form-encoding changes, and non-ASCII.
const SECRET: &str = "p%a+s:s wø€/&=";

/// A server whose token endpoint answers `response` to form posts, expected `times` times.
async fn token_server(response: ResponseTemplate, times: u64) -> MockServer {
    server_with([Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(response)
        .expect(times)
        .named("token endpoint")])
    .await
}

/// A server whose token endpoint answers `failure` `failures` times, then a token `successes` times.
async fn fails_then_issues(failure: ResponseTemplate, failures: u64, successes: u64) -> MockServer {
    server_with([
        token_endpoint(failure).up_to_n_times(failures).expect(failures).named("failures first"),
        token_endpoint(token_response(TOKEN, json!(3600))).expect(successes).named("then tokens"),
    ])
    .await
}

fn token_url(server: &MockServer) -> String {
    format!("{}{TOKEN_PATH}", server.uri())
}

fn with_certificate(server: &MockServer, cert: Certificate) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID)
        .certificate(cert)
        .token_endpoint(token_url(server))
        .scopes(["AppFramework"])
        .build()
        .unwrap()
}

async fn bodies(server: &MockServer) -> Vec<Vec<(String, String)>> {
    server.received_requests().await.unwrap().iter().map(|r| form(&r.body)).collect()
}

/// The client assertion of the first request `server` received, verified with `cert`'s key.
async fn first_assertion(server: &MockServer, cert: &Certificate) -> Assertion {
    verify_assertion(&field(&bodies(server).await[0], "client_assertion"), cert)
}

/// The claims of a 60 s assertion by `client_id`, for an audience of no importance.
fn claims_of(client_id: &str) -> AssertionClaims {
    AssertionClaims::new(client_id, "b", SystemTime::now(), Duration::from_secs(60))
}

/// `claims` signed by `signer`: the compact JWS.
fn signed(signer: &CertificateSigner, claims: &AssertionClaims) -> String {
    signer.sign_claims(claims).unwrap().expose_secret().to_owned()
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn assertion_is_signed_by_the_certificate_and_carries_the_right_claims() {
    let server = token_server(token_response(TOKEN, json!(3600)), 1).await;
    let cert = modern_p12();
    let credentials = with_certificate(&server, cert.clone());
    let before = now_secs();
    let token = credentials.request_token().await.unwrap();
    let after = now_secs();
    assert_eq!(token.secret(), TOKEN);
    assert_eq!(token.token_type(), "Bearer");

    let body = &bodies(&server).await[0];
    assert_eq!(field(body, "grant_type"), "client_credentials");
    assert_eq!(field(body, "scope"), "AppFramework");
    assert_eq!(field(body, "client_id"), CLIENT_ID);
    assert_eq!(
        field(body, "client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert!(body.iter().all(|(k, _)| k != "client_secret"));

    let jws = field(body, "client_assertion");
    let assertion = verify_assertion(&jws, &cert);
    let header = &assertion.header;
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], cert.thumbprint_sha1_hex());
    assert_eq!(header["x5t"], cert.x5t());
    assert!(header.get("x5c").is_none() && header.get("x5t#S256").is_none(), "{header}");

    let claims = &assertion.claims;
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["aud"], token_url(&server));
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(jti).unwrap().get_version_num(), 4);
    let iat = claims["iat"].as_u64().unwrap();
    assert!((before..=after).contains(&iat), "iat {iat} is now");
    assert_eq!(claims["nbf"].as_u64(), Some(iat));
    assert_eq!(claims["exp"].as_u64(), Some(iat + 60), "default lifetime 60 s");
}

#[tokio::test]
async fn a_tampered_assertion_does_not_verify() {
    // The verifier used above really checks the signature.
    let cert = modern_p12();
    let signer = CertificateSigner::new(cert.clone());
    let jws = signed(&signer, &claims_of("a"));
    verify_assertion(&jws, &cert);
    let forged = signed(&signer, &claims_of("x"));
    let spliced: Vec<&str> = jws.split('.').take(2).chain(forged.split('.').skip(2)).collect();
    let spliced = spliced.join(".");
    let other = Certificate::from_pem(
        &fixture_text("test-only-chained.cert.pem"),
        &fixture_text("test-only-client.key.pem"),
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| verify_assertion(&spliced, &cert)).is_err());
    // Same key, other certificate: still verifies (the key is what signs).
    verify_assertion(&jws, &other);
    let stranger = generate_rsa("test-only stranger").certificate();
    assert!(std::panic::catch_unwind(|| verify_assertion(&jws, &stranger)).is_err());
}

#[tokio::test]
async fn tokens_from_modern_legacy_chained_p12_and_pem_certificates() {
    let certificates = [
        ("modern .p12", Certificate::from_pkcs12_file(fixture("test-only-modern.p12"), PASSWORD)),
        ("legacy .p12", Certificate::from_pkcs12_file(fixture("test-only-legacy.p12"), PASSWORD)),
        ("Windows 3DES .p12", Certificate::from_pkcs12_file(fixture("test-only-windows-3des.p12"), PASSWORD)),
        ("chained .p12", Certificate::from_pkcs12_file(fixture("test-only-chain.p12"), PASSWORD)),
        (
            "non-ASCII .p12",
            Certificate::from_pkcs12_file(fixture("test-only-non-ascii.p12"), NON_ASCII_PASSWORD),
        ),
        (
            "PEM",
            Certificate::from_pem_files(
                fixture("test-only-client.cert.pem"),
                fixture("test-only-client.key.pem"),
                None,
            ),
        ),
        (
            "encrypted PEM",
            Certificate::from_pem_files(
                fixture("test-only-client.cert.pem"),
                fixture("test-only-client.encrypted.key.pem"),
                Some(PASSWORD),
            ),
        ),
    ];
    for (what, cert) in certificates {
        let cert = cert.unwrap_or_else(|e| panic!("{what}: {e}"));
        let server = token_server(token_response(TOKEN, json!(3600)), 1).await;
        let token = with_certificate(&server, cert.clone()).request_token().await.unwrap();
        assert_eq!(token.secret(), TOKEN, "{what}");
        let assertion = first_assertion(&server, &cert).await;
        assert_eq!(assertion.header["kid"], cert.thumbprint_sha1_hex(), "{what}");
        server.verify().await;
    }
}

#[tokio::test]
async fn signer_options_shape_the_header() {
    let cert = modern_p12();
    let server = token_server(token_response(TOKEN, json!(60)), 1).await;
    let signer = CertificateSigner::new(cert.clone())
        .algorithm(SigningAlgorithm::PS256)
        .key_id(KeyIdStyle::X5t)
        .include_x5t_s256(true)
        .include_x5c(true);
    ClientCredentials::builder(CLIENT_ID)
        .assertion_signer(signer)
        .token_endpoint(token_url(&server))
        .assertion_lifetime(Duration::from_secs(300))
        .assertion_audience(AssertionAudience::Custom("urn:test-only:audience".into()))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    let assertion = first_assertion(&server, &cert).await;
    assert_eq!(assertion.header["alg"], "PS256");
    assert_eq!(assertion.header["kid"], cert.x5t());
    assert_eq!(assertion.header["x5t#S256"], cert.x5t_s256());
    assert_eq!(assertion.header["x5c"], json!([STANDARD.encode(cert.der())]));
    assert_eq!(assertion.claims["aud"], "urn:test-only:audience");
    let claims = &assertion.claims;
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 300);

    for (style, expected) in [(KeyIdStyle::Custom("my-kid".into()), Some("my-kid")), (KeyIdStyle::None, None)]
    {
        let jws = signed(&CertificateSigner::new(cert.clone()).key_id(style), &claims_of("a"));
        let assertion = verify_assertion(&jws, &cert);
        assert_eq!(assertion.header.get("kid").and_then(Value::as_str), expected);
    }
}

#[tokio::test]
async fn p256_certificates_sign_es256() {
    let cert = generate_p256("test-only p256").certificate();
    let server = token_server(token_response(TOKEN, json!(60)), 1).await;
    with_certificate(&server, cert.clone()).request_token().await.unwrap();
    assert_eq!(first_assertion(&server, &cert).await.header["alg"], "ES256");

    // An algorithm the key can't do is refused before anything is sent.
    let server = token_server(token_response(TOKEN, json!(60)), 0).await;
    let e = ClientCredentials::builder(CLIENT_ID)
        .assertion_signer(CertificateSigner::new(cert).algorithm(SigningAlgorithm::RS256))
        .token_endpoint(token_url(&server))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::UnsupportedKey(m) if m.contains("RS256")), "{e:?}");
}

#[tokio::test]
async fn every_request_and_every_retry_has_a_new_jti() {
    let server = fails_then_issues(ResponseTemplate::new(503), 2, 2).await;
    let clock = ManualClock::starting_now();
    let cert = modern_p12();
    let credentials = ClientCredentials::builder(CLIENT_ID)
        .certificate(cert.clone())
        .token_endpoint(token_url(&server))
        .clock(clock.clone())
        .build()
        .unwrap();
    let c = credentials.clone();
    drive(&clock, async move { c.request_token().await }).await.unwrap();
    assert_eq!(clock.sleeps().len(), 2, "two retries");
    credentials.request_token().await.unwrap();

    let jtis: Vec<String> = bodies(&server)
        .await
        .iter()
        .map(|b| {
            verify_assertion(&field(b, "client_assertion"), &cert).claims["jti"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 4);
    assert_eq!(jtis.iter().collect::<HashSet<_>>().len(), 4, "all distinct: {jtis:?}");
}

#[tokio::test]
async fn client_secret_basic_form_encodes_id_and_secret() {
    let server = token_server(token_response(TOKEN, json!(3600)), 1).await;
    let client_id = "test-only:client+1";
    let token = ClientCredentials::builder(client_id)
        .client_secret(SECRET)
        .secret_style(SecretStyle::Basic)
        .token_endpoint(token_url(&server))
        .scopes(["AppFramework", "openid"])
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    assert_eq!(token.secret(), TOKEN);
    let request = &server.received_requests().await.unwrap()[0];
    // RFC 6749 §2.3.1: form-encode each, join with `:`, base64.
    let expected = format!(
        "Basic {}",
        STANDARD.encode("test-only%3Aclient%2B1:p%25a%2Bs%3As+w%C3%B8%E2%82%AC%2F%26%3D")
    );
    assert_eq!(request.headers["authorization"].to_str().unwrap(), expected);
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        "grant_type=client_credentials&scope=AppFramework+openid"
    );
}

#[tokio::test]
async fn client_secret_post_puts_id_and_secret_in_the_body() {
    let server = token_server(token_response(TOKEN, json!(3600)), 1).await;
    ClientCredentials::builder("test-only:client+1")
        .client_secret(ClientSecret::new(SECRET))
        .secret_style(SecretStyle::Post)
        .token_endpoint(token_url(&server))
        .resource("urn:test-only:api")
        .extra_param("audience", "a b&c")
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        "grant_type=client_credentials&resource=urn%3Atest-only%3Aapi&audience=a+b%26c\
         &client_id=test-only%3Aclient%2B1&client_secret=p%25a%2Bs%3As+w%C3%B8%E2%82%AC%2F%26%3D"
    );
    assert_eq!(field(&form(&request.body), "client_secret"), SECRET);
}

async fn discovery_server(issuer: impl Fn(&str) -> String, token_endpoint_times: u64) -> MockServer {
    let server = MockServer::start().await;
    let document = json!({
        "issuer": issuer(&server.uri()),
        "token_endpoint": token_url(&server),
        "jwks_uri": format!("{}/jwks", server.uri()),
        "grant_types_supported": ["client_credentials"],
    });
    let token = token_endpoint(token_response(TOKEN, json!(3600)))
        .expect(token_endpoint_times)
        .named("token endpoint");
    mount_with_catch_all(&server, [discovery(document), token]).await;
    server
}

/// The discovery endpoint answering `document`, expected once.
fn discovery(document: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .expect(1)
        .named("discovery")
}

/// Client-secret credentials finding the token endpoint by discovery at `authority`.
fn via_discovery(authority: String) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID)
        .client_secret("test-only-secret")
        .authority(authority)
        .build()
        .unwrap()
}

#[tokio::test]
async fn discovery_finds_the_token_endpoint_once() {
    // Trailing slashes on either side are the same issuer.
    for (authority_slash, issuer_slash) in [("", ""), ("/", ""), ("", "/")] {
        let server = discovery_server(|uri| format!("{uri}{issuer_slash}"), 2).await;
        let credentials = via_discovery(format!("{}{authority_slash}", server.uri()));
        assert_eq!(credentials.token_endpoint().await.unwrap().as_str(), token_url(&server));
        credentials.request_token().await.unwrap();
        credentials.clone().request_token().await.unwrap();
        server.verify().await;
    }
}

#[tokio::test]
async fn assertion_audience_can_be_the_issuer() {
    let server = discovery_server(|uri| uri.to_owned(), 1).await;
    let cert = modern_p12();
    ClientCredentials::builder(CLIENT_ID)
        .certificate(cert.clone())
        .authority(server.uri())
        .assertion_audience(AssertionAudience::Issuer)
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    let token_request = server.received_requests().await.unwrap().into_iter().find(|r| r.method == "POST");
    let assertion = verify_assertion(&field(&form(&token_request.unwrap().body), "client_assertion"), &cert);
    assert_eq!(assertion.claims["aud"], server.uri());
}

#[tokio::test]
async fn issuer_mismatch_is_refused() {
    let server = discovery_server(|_| "https://login.test-only.example".to_owned(), 0).await;
    let e = via_discovery(server.uri()).request_token().await.unwrap_err();
    match &e {
        Error::IssuerMismatch { expected, found } => {
            assert!(expected.starts_with(&server.uri()), "{expected}");
            assert_eq!(found, "https://login.test-only.example");
        }
        other => panic!("expected IssuerMismatch, got {other:?}"),
    }
    assert!(!e.is_transient());
    assert!(e.to_string().contains("https://login.test-only.example"), "{e}");
}

#[tokio::test]
async fn discovery_without_token_endpoint_is_an_error() {
    let server = MockServer::start().await;
    mount_with_catch_all(&server, [discovery(json!({ "issuer": server.uri() }))]).await;
    let e = via_discovery(server.uri()).request_token().await.unwrap_err();
    assert!(matches!(&e, Error::Discovery { reason, .. } if reason.contains("token_endpoint")), "{e:?}");
}

/// Client-secret credentials against `server`, with no retries and short timeouts.
fn secret_client(server: &MockServer) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID)
        .client_secret(SECRET)
        .token_endpoint(token_url(server))
        .retry_policy(RetryPolicy::none())
        .timeouts(SHORT, SHORT)
        .build()
        .unwrap()
}

#[tokio::test]
async fn oauth_error_keeps_code_description_status_and_request_id() {
    let body = json!({
        "error": "invalid_client",
        "error_description": "Unknown client or client not enabled",
        "error_uri": "https://login.test-only.example/errors/invalid_client",
    });
    let response = ResponseTemplate::new(401).set_body_json(body).insert_header("x-request-id", "req-42");
    let server = token_server(response, 1).await;
    // The default retry policy: invalid_client must not be retried (`.expect(1)`).
    let e = ClientCredentials::builder(CLIENT_ID)
        .client_secret(SECRET)
        .token_endpoint(token_url(&server))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    let oauth = e.oauth().expect("an OAuth error");
    assert_eq!(oauth.code(), "invalid_client");
    assert_eq!(oauth.description(), Some("Unknown client or client not enabled"));
    assert_eq!(oauth.uri(), Some("https://login.test-only.example/errors/invalid_client"));
    assert_eq!(oauth.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(oauth.request_id(), Some("req-42"));
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(!e.is_transient());
    let message = e.to_string();
    for part in ["invalid_client", "Unknown client or client not enabled", "req-42", "401"] {
        assert!(message.contains(part), "{part} in {message}");
    }
}

#[tokio::test]
async fn invalid_scope_is_permanent_and_5xx_oauth_errors_are_transient() {
    let server =
        token_server(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_scope"})), 1).await;
    let e = secret_client(&server).request_token().await.unwrap_err();
    assert_eq!(e.oauth().unwrap().code(), "invalid_scope");
    assert!(!e.is_transient());

    let response = ResponseTemplate::new(503).set_body_json(json!({"error": "temporarily_unavailable"}));
    let server = token_server(response, 1).await;
    let e = secret_client(&server).request_token().await.unwrap_err();
    assert_eq!(e.oauth().unwrap().code(), "temporarily_unavailable");
    assert!(e.is_transient());
}

#[tokio::test]
async fn non_json_error_body_keeps_status_and_a_clean_excerpt() {
    let html = format!("<html><body>Bad gateway\u{7}\r\n{}</body></html>", "x".repeat(5000));
    let response = ResponseTemplate::new(502).set_body_string(html).insert_header("x-request-id", "req-7");
    let server = token_server(response, 1).await;
    let e = secret_client(&server).request_token().await.unwrap_err();
    match &e {
        Error::UnexpectedResponse { status, excerpt, request_id, .. } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(excerpt.contains("Bad gateway"), "{excerpt}");
            assert!(excerpt.chars().count() <= 201, "short: {} chars", excerpt.chars().count());
            assert!(!excerpt.contains('\u{7}') && !excerpt.contains('\n'));
            assert_eq!(request_id.as_deref(), Some("req-7"));
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert!(e.is_transient());
    assert!(e.to_string().contains("502"), "{e}");
}

#[tokio::test]
async fn malformed_success_bodies_are_unexpected_responses() {
    for body in [
        "{not json".to_owned(),
        json!({"token_type": "Bearer", "expires_in": 3600}).to_string(),
        json!({"access_token": "", "expires_in": 3600}).to_string(),
        json!({"access_token": TOKEN, "expires_in": "soon"}).to_string(),
        json!({"access_token": TOKEN, "expires_in": 1e300}).to_string(),
        json!({"access_token": TOKEN, "expires_in": u64::MAX.to_string()}).to_string(),
    ] {
        let server = token_server(ResponseTemplate::new(200).set_body_string(body.clone()), 1).await;
        let e = secret_client(&server).request_token().await.unwrap_err();
        assert!(matches!(e, Error::UnexpectedResponse { status: StatusCode::OK, .. }), "{body}: {e:?}");
        assert!(!e.is_transient(), "{body}");
        assert_no_secrets("the error", &format!("{e} {e:?}"), &[TOKEN]);
    }
}

#[tokio::test]
async fn a_slow_token_endpoint_times_out() {
    let response = token_response(TOKEN, json!(3600)).set_delay(Duration::from_secs(10));
    let server = token_server(response, 1).await;
    let e = secret_client(&server).request_token().await.unwrap_err();
    assert!(matches!(e, Error::Timeout("token endpoint")), "{e:?}");
    assert!(e.is_transient());
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn connection_refused_is_a_transient_transport_error() {
    // A port that was free a moment ago and that nobody listens on now.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = ClientCredentials::builder(CLIENT_ID)
        .client_secret(SECRET)
        .token_endpoint(format!("http://127.0.0.1:{port}/connect/token"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { context: "token endpoint", .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(std::error::Error::source(&e).is_some());
}

/// A server answering 503 with `Retry-After: {retry_after}` once, then a token.
async fn retry_after_server(retry_after: &str) -> MockServer {
    fails_then_issues(ResponseTemplate::new(503).insert_header("retry-after", retry_after), 1, 1).await
}

/// Client-secret credentials against `server` with the default retry policy, sleeping on `clock`.
fn retrying_secret_client(server: &MockServer, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID)
        .client_secret(SECRET)
        .token_endpoint(token_url(server))
        .clock(clock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn retry_after_is_honoured_then_the_token_comes() {
    for (retry_after, expected) in [("7", 7), ("3600", 60)] {
        let server = retry_after_server(retry_after).await;
        let clock = ManualClock::starting_now();
        let credentials = retrying_secret_client(&server, &clock);
        let token = drive(&clock, async move { credentials.request_token().await }).await.unwrap();
        assert_eq!(token.secret(), TOKEN);
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(expected)], "Retry-After: {retry_after}");
        server.verify().await;
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_counts_from_the_clock() {
    // The clock stands at 1994-11-06 08:49:30; the server says to come back 7 s later.
    let server = retry_after_server("Sun, 06 Nov 1994 08:49:37 GMT").await;
    let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(784_111_770));
    let credentials = retrying_secret_client(&server, &clock);
    drive(&clock, async move { credentials.request_token().await }).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn transient_failures_are_retried_at_most_twice() {
    let server = token_server(ResponseTemplate::new(500), 3).await;
    let clock = ManualClock::starting_now();
    let credentials = retrying_secret_client(&server, &clock);
    let e = drive(&clock, async move { credentials.request_token().await }).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    // Jittered exponential back-off: 125–250 ms, then 250–500 ms.
    assert!(sleeps[0] >= Duration::from_millis(125) && sleeps[0] <= Duration::from_millis(250), "{sleeps:?}");
    assert!(sleeps[1] >= Duration::from_millis(250) && sleeps[1] <= Duration::from_millis(500), "{sleeps:?}");
}

#[tokio::test]
async fn expires_in_as_a_string_counts_from_when_the_request_was_sent() {
    let server = token_server(
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN,
            "token_type": "bearer",
            "expires_in": "3600",
            "scope": "AppFramework openid",
        })),
        1,
    )
    .await;
    let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let clock = ManualClock::new(start);
    let token = ClientCredentials::builder(CLIENT_ID)
        .client_secret(SECRET)
        .token_endpoint(token_url(&server))
        .scopes(["AppFramework"])
        .clock(clock)
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    assert_eq!(token.issued_at(), start);
    assert_eq!(token.expires_at(), start + Duration::from_secs(3600));
    assert_eq!(token.token_type(), "bearer");
    assert_eq!(token.scopes(), ["AppFramework", "openid"]);
}

#[test]
fn build_refuses_incomplete_or_contradictory_configuration() {
    let base =
        || ClientCredentials::builder(CLIENT_ID).token_endpoint("https://login.test-only.example/token");
    let cases = [
        (base(), "no client authentication"),
        (base().client_secret("a").certificate(modern_p12()), "more than one"),
        (base().client_secret(""), "secret is empty"),
        (ClientCredentials::builder(CLIENT_ID).client_secret("a"), "authority"),
        (base().client_secret("a").authority("https://login.test-only.example"), "not both"),
        (
            ClientCredentials::builder(CLIENT_ID)
                .client_secret("a")
                .token_endpoint("http://example.com/token"),
            "plain http",
        ),
        (
            ClientCredentials::builder(CLIENT_ID).client_secret("a").token_endpoint("not a url"),
            "not a valid URL",
        ),
        (
            ClientCredentials::builder(" ").client_secret("a").token_endpoint("https://x.example/t"),
            "client id",
        ),
        (base().client_secret("a").assertion_lifetime(Duration::ZERO), "lifetime"),
    ];
    for (builder, expected) in cases {
        let e = builder.build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(e.to_string().contains(expected), "{expected} in {e}");
    }
}

#[tokio::test]
async fn no_secret_in_any_debug_or_log() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let server = token_server(token_response(TOKEN, json!(3600)), 2).await;

    let secret = ClientSecret::new(SECRET);
    let with_secret = ClientCredentials::builder(CLIENT_ID)
        .client_secret(secret.clone())
        .secret_style(SecretStyle::Post)
        .token_endpoint(token_url(&server))
        .build()
        .unwrap();
    let token = with_secret.request_token().await.unwrap();

    let cert = modern_p12();
    let signer = CertificateSigner::new(cert.clone());
    let with_cert = with_certificate(&server, cert.clone());
    with_cert.request_token().await.unwrap();
    let assertion = field(&bodies(&server).await[1], "client_assertion");

    let wrong_password =
        Certificate::from_pkcs12_file(fixture("test-only-modern.p12"), "test-only-wrong").unwrap_err();
    let debug = [
        format!("{secret:?} {secret:#?}"),
        format!("{token:?} {token:#?}"),
        format!("{cert:?} {cert:#?}"),
        format!("{with_secret:?} {with_secret:#?}"),
        format!("{with_cert:?} {with_cert:#?}"),
        format!("{signer:?} {signer:#?}"),
        format!("{wrong_password:?} {wrong_password}"),
    ];
    let secrets =
        [SECRET, TOKEN, assertion.as_str(), &assertion[assertion.len() - 40..], PASSWORD, "test-only-wrong"];
    for text in &debug {
        assert_no_secrets("a Debug string", text, &secrets);
    }
    assert!(debug[0].contains("redacted") && debug[3].contains("redacted"), "{debug:?}");
    assert!(debug[2].contains(cert.thumbprint_sha1_hex()));
    let logged = logs.text();
    assert!(logged.contains("token acquired"), "the capture works: {logged}");
    assert_no_secrets("the logs", &logged, &secrets);
}
