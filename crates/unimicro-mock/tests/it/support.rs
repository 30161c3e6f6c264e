//! Shared set-up: a mock with a certificate client and a secret client, and raw HTTP helpers.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};
use unimicro_auth::{AssertionClaims, Certificate, CertificateSigner};
use unimicro_mock::{MockBuilder, MockClient, MockCompany, MockUnimicro};
use url::form_urlencoded::byte_serialize;

pub(crate) const CERT_CLIENT: &str = "cert-client";
pub(crate) const SECRET_CLIENT: &str = "secret-client";
/// A secret with every character RFC 6749 §2.3.1 form-encoding changes.
pub(crate) const SECRET: &str = "s3cr+t:%/& æø=?";
/// Granted to both clients.
pub(crate) const COMPANY_A: &str = "11111111-1111-4111-8111-111111111111";
/// Granted to the certificate client only.
pub(crate) const COMPANY_B: &str = "22222222-2222-4222-8222-222222222222";
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Two clients and two companies.
pub(crate) fn builder() -> MockBuilder {
    MockUnimicro::builder()
        .client(MockClient::new(CERT_CLIENT).test_certificate().scopes(["AppFramework", "Sales.Admin"]))
        .client(MockClient::new(SECRET_CLIENT).secret(SECRET))
        .company(
            MockCompany::new(COMPANY_A, "Alfa AS")
                .organization_number("911111111")
                .grant(CERT_CLIENT)
                .grant(SECRET_CLIENT),
        )
        .company(
            MockCompany::new(COMPANY_B, "Beta AS")
                .organization_number("922222222")
                .is_test(true)
                .grant(CERT_CLIENT),
        )
}

pub(crate) async fn mock() -> MockUnimicro {
    builder().start().await.expect("the mock starts")
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A response as status, headers and JSON (or `Value::Null` when the body isn't JSON).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, body }
}

/// `application/x-www-form-urlencoded` of the pairs.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// POSTs a token request with an optional `Authorization` header.
pub(crate) async fn token_request(
    mock: &MockUnimicro,
    pairs: &[(&str, &str)],
    authorization: Option<&str>,
) -> Answer {
    let mut request = http()
        .post(mock.token_endpoint())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(pairs));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    answer(request.send().await.unwrap()).await
}

/// The RFC 6749 §2.3.1 Basic header: base64 of form-encoded id ":" form-encoded secret.
pub(crate) fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

/// A token for the secret client.
pub(crate) async fn secret_token(mock: &MockUnimicro) -> String {
    let a = token_request(
        mock,
        &[("grant_type", "client_credentials"), ("scope", "AppFramework")],
        Some(&basic(SECRET_CLIENT, SECRET)),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["access_token"].as_str().unwrap().to_owned()
}

/// A token for the certificate client, by a signed assertion.
pub(crate) async fn cert_token(mock: &MockUnimicro) -> String {
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    let a = assertion_request(mock, &sign(&cert, &claims(mock, CERT_CLIENT))).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["access_token"].as_str().unwrap().to_owned()
}

/// Valid claims for `client_id`: aud = token endpoint, 60 s lifetime, fresh jti.
pub(crate) fn claims(mock: &MockUnimicro, client_id: &str) -> AssertionClaims {
    AssertionClaims::new(client_id, mock.token_endpoint(), SystemTime::now(), Duration::from_secs(60))
}

pub(crate) fn sign(cert: &Certificate, claims: &AssertionClaims) -> String {
    use secrecy::ExposeSecret as _;
    CertificateSigner::new(cert.clone()).sign_claims(claims).unwrap().expose_secret().to_owned()
}

/// POSTs the client-credentials grant with `assertion` for the certificate client.
pub(crate) async fn assertion_request(mock: &MockUnimicro, assertion: &str) -> Answer {
    token_request(
        mock,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "AppFramework"),
            ("client_id", CERT_CLIENT),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ],
        None,
    )
    .await
}

/// An API request with an optional bearer token and CompanyKey.
pub(crate) async fn api(
    mock: &MockUnimicro,
    method: Method,
    path_and_query: &str,
    token: Option<&str>,
    company: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request =
        http().request(method, format!("{}{}", mock.api_base(), path_and_query.trim_start_matches('/')));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(company) = company {
        request = request.header("CompanyKey", company);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.unwrap()).await
}

pub(crate) async fn get(mock: &MockUnimicro, path: &str, token: &str, company: Option<&str>) -> Answer {
    api(mock, Method::GET, path, Some(token), company, None).await
}

/// The 401 body of the platform.
pub(crate) fn denied() -> Value {
    json!({"Message": "Authorization has been denied for this request."})
}

/// Percent-encodes a query value.
pub(crate) fn q(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}
