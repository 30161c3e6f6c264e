//! Each error variant, from real HTTP answers.

use unimicro_api::reqwest_middleware::ClientBuilder;
use unimicro_api::unimicro_auth::{AuthMiddleware, ClientCredentials, TokenProvider};
use unimicro_api::{Client, Error};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, mount_catch_all, plain_client};

const SECRET: &str = "s3cret-client-value";
const TOKEN: &str = "tok-abcdef-0123456789";

/// A client whose stack authenticates with a client secret against `server`'s token endpoint.
fn authenticated_client(server: &MockServer) -> Client {
    let credentials = ClientCredentials::builder("my-client")
        .client_secret(SECRET)
        .token_endpoint(format!("{}/connect/token", server.uri()))
        .build()
        .unwrap();
    let auth = AuthMiddleware::new(TokenProvider::new(credentials)).allow_origin(server.uri()).unwrap();
    let http = ClientBuilder::new(unimicro_api::reqwest::Client::new()).with(auth).build();
    Client::from_parts(http, server.uri()).unwrap()
}

async fn mount_token(server: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600
        })))
        .expect(expected)
        .mount(server)
        .await;
}

async fn settings_error(status: u16, body: &str, content_type: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.to_owned(), content_type))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    plain_client(&server).company(KEY).settings().await.unwrap_err()
}

#[tokio::test]
async fn bad_request_collects_validation_messages() {
    let body = r#"{
        "Message": "Validation failed for CompanySettings",
        "_validationResults": {"OrganizationNumber": [{"Message": "Invalid organization number", "EntityType": "CompanySettings"}]},
        "DefaultAddress": {"_validationResults": {"PostalCode": [{"Message": "Postal code is required"}]}}
    }"#;
    let e = settings_error(400, body, "application/json").await;
    assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
    let api = e.api_error().expect("an API error");
    assert_eq!(api.message(), Some("Validation failed for CompanySettings"));
    let mut messages: Vec<(&str, &str)> =
        e.validation_messages().iter().map(|v| (v.property.as_str(), v.message.as_str())).collect();
    messages.sort();
    assert_eq!(
        messages,
        vec![
            ("OrganizationNumber", "Invalid organization number"),
            ("PostalCode", "Postal code is required")
        ]
    );
    assert_eq!(
        e.to_string(),
        "GET /api/biz/companysettings answered HTTP 400 Bad Request: Validation failed for CompanySettings (2 validation messages)"
    );
}

#[tokio::test]
async fn unauthorized_after_the_middleware_replayed_once() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await; // the first token, and a fresh one after the 401
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("CompanyKey", KEY))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"Message": "Authorization has been denied for this request."}),
            ),
        )
        .expect(2) // the request and its one replay
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    let e = authenticated_client(&server).company(KEY).settings().await.unwrap_err();

    assert!(e.is_unauthorized(), "{e:?}");
    assert_eq!(e.api_error().unwrap().message(), Some("Authorization has been denied for this request."));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "{shown}");
}

#[tokio::test]
async fn token_failure_is_an_auth_error_and_nothing_reaches_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_client", "error_description": "client authentication failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;

    let e = authenticated_client(&server).companies().await.unwrap_err();

    let auth = e.auth_error().unwrap_or_else(|| panic!("expected an auth error, got {e:?}"));
    assert_eq!(auth.oauth().map(|o| o.code()), Some("invalid_client"));
    assert!(!e.is_unauthorized() && !e.is_transient());
    assert_eq!(e.to_string(), "could not authenticate to the API");
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("invalid_client"), "{source}");
    assert!(!format!("{e:?}").contains(SECRET));
    let api_calls =
        server.received_requests().await.unwrap().iter().filter(|r| r.url.path().starts_with("/api")).count();
    assert_eq!(api_calls, 0, "no request may reach the API without a token");
}

#[tokio::test]
async fn forbidden() {
    let e =
        settings_error(403, r#"{"Message":"You do not have access to this company"}"#, "application/json")
            .await;
    assert!(e.is_forbidden() && !e.is_unauthorized() && !e.is_transient());
    assert_eq!(e.api_error().unwrap().message(), Some("You do not have access to this company"));
}

#[tokio::test]
async fn not_found_with_an_html_body_keeps_status_and_body() {
    let html = "<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body><h1>Server Error</h1></body></html>";
    let e = settings_error(404, html, "text/html; charset=utf-8").await;
    assert!(e.is_not_found());
    let api = e.api_error().unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.body(), html);
    assert_eq!(api.message(), Some("404 - File or directory not found."));
    assert_eq!(api.url().path(), "/api/biz/companysettings");
    assert!(api.validation_messages().is_empty());
}

#[tokio::test]
async fn server_error_is_transient() {
    let e = settings_error(
        500,
        r#"{"Message":"An error has occurred.","ExceptionMessage":"Timeout expired"}"#,
        "application/json",
    )
    .await;
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert!(e.is_transient());
    assert_eq!(e.api_error().unwrap().message(), Some("An error has occurred."));
}

#[tokio::test]
async fn a_long_error_body_is_cut_at_64_kib() {
    let long = "x".repeat(200 * 1024);
    let e = settings_error(500, &long, "text/plain").await;
    let api = e.api_error().unwrap();
    assert_eq!(api.body().len(), 64 * 1024);
    assert!(api.body_truncated());
    assert!(e.to_string().chars().count() < 400, "Display stays short");
}

#[tokio::test]
async fn malformed_success_names_the_json_path() {
    let body = r#"[{"ID":1,"CompanyName":"Demo","DefaultAddress":{"ID":11,"City":42}}]"#;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/init/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"[{"ID":1},{"ID":2,"IsTest":"yes"}]"#, "application/json"),
        )
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);

    let e = client.company(KEY).settings().await.unwrap_err();
    let Error::Decode(d) = &e else { panic!("{e:?}") };
    assert_eq!(d.path(), "[0].DefaultAddress.City");
    assert_eq!(d.status(), 200);
    assert!(e.to_string().contains("`[0].DefaultAddress.City`"), "{e}");
    assert!(std::error::Error::source(&e).is_some(), "the serde error is the source");

    let e = client.companies().await.unwrap_err();
    let Error::Decode(d) = &e else { panic!("{e:?}") };
    assert_eq!(d.path(), "[1].IsTest");

    let html_200 = ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html");
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(html_200).mount(&server).await;
    let e = plain_client(&server).companies().await.unwrap_err();
    assert!(matches!(&e, Error::Decode(d) if d.body_excerpt() == "<html>login</html>"), "{e:?}");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: nothing listens there
    let http = ClientBuilder::new(unimicro_api::reqwest::Client::new()).build();
    let client = Client::from_parts(http, format!("http://127.0.0.1:{port}/")).unwrap();
    let e = client.companies().await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(e.is_transient());
    assert_eq!(e.status(), None);
}
