//! The token endpoint verifies what the real one verifies, and answers as RFC 6749 says.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use unimicro_auth::{
    AssertionAudience, AssertionClaims, Certificate, CertificateSigner, ClientCredentials, KeyIdStyle,
    SecretStyle, SigningAlgorithm,
};
use unimicro_mock::{MockClient, MockUnimicro, TestCertificate};

use crate::support::*;

/// Asserts an RFC 6749 error answer with its status, and that the description mentions `needle`.
#[track_caller]
fn assert_oauth_error(a: &Answer, status: u16, error: &str, needle: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["error"], error, "{}", a.body);
    let description = a.body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(needle), "`{description}` should mention `{needle}`");
    assert_eq!(a.headers.get("cache-control").unwrap(), "no-store");
}

/// Asserts a 401 `invalid_client` answer whose description mentions `needle`.
#[track_caller]
fn assert_invalid_client(a: &Answer, needle: &str) {
    assert_oauth_error(a, 401, "invalid_client", needle);
}

/// The certificate client's token request with an assertion of `claims` signed by `cert`.
async fn request_signed(mock: &MockUnimicro, cert: &Certificate, claims: &AssertionClaims) -> Answer {
    assertion_request(mock, &sign(cert, claims)).await
}

/// The client-credentials grant authenticated by `assertion` alone, or with `client_id` in the form.
async fn grant_with_assertion(mock: &MockUnimicro, client_id: Option<&str>, assertion: &str) -> Answer {
    let mut pairs = vec![("grant_type", "client_credentials")];
    pairs.extend(client_id.map(|id| ("client_id", id)));
    pairs.extend([("client_assertion_type", JWT_BEARER), ("client_assertion", assertion)]);
    token_request(mock, &pairs, None).await
}

#[tokio::test]
async fn discovery_names_the_endpoints_and_the_jwks_holds_the_signing_key() {
    let mock = mock().await;
    let doc = answer(http().get(mock.discovery_url()).send().await.unwrap()).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["issuer"], mock.authority());
    assert_eq!(doc.body["token_endpoint"], mock.token_endpoint());
    assert_eq!(doc.body["token_endpoint"], format!("{}/connect/token", mock.authority()));
    assert!(
        doc.body["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("private_key_jwt"))
    );
    let jwks = answer(http().get(doc.body["jwks_uri"].as_str().unwrap()).send().await.unwrap()).await;
    let key = &jwks.body["keys"][0];
    assert_eq!((key["kty"].as_str(), key["alg"].as_str()), (Some("RSA"), Some("RS256")));

    // The access token is signed by that key (kid), and carries the platform's claims.
    let token = secret_token(&mock).await;
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], key["kid"]);
    assert_eq!(claims["iss"], mock.authority());
    assert_eq!(claims["aud"], json!(["AppFramework", format!("{}/resources", mock.authority())]));
    assert_eq!(claims["client_id"], SECRET_CLIENT);
    assert_eq!(claims["sub"], SECRET_CLIENT);
    assert_eq!(claims["scope"], json!(["AppFramework"]));
    assert_eq!(claims["AppFramework"], mock.api_base());
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 3600);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    let not_there =
        answer(http().get(format!("{}/connect/nothing", mock.authority())).send().await.unwrap()).await;
    assert_eq!(not_there.status, 404);
}

#[tokio::test]
async fn the_auth_crate_gets_tokens_with_certificates_and_secrets() {
    let mock = builder()
        .client(
            MockClient::new("ec-client")
                .certificate_pem(TestCertificate::generate_ec("ec").unwrap().cert_pem()),
        )
        .token_ttl(Duration::from_secs(900))
        .start()
        .await
        .unwrap();
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    // Every algorithm and kid style the auth crate offers, audience = token endpoint or issuer.
    for (alg, kid, aud) in [
        (SigningAlgorithm::RS256, KeyIdStyle::Thumbprint, AssertionAudience::TokenEndpoint),
        (SigningAlgorithm::PS256, KeyIdStyle::X5t, AssertionAudience::Issuer),
        (SigningAlgorithm::RS256, KeyIdStyle::None, AssertionAudience::TokenEndpoint),
    ] {
        let signer = CertificateSigner::new(cert.clone()).algorithm(alg).key_id(kid).include_x5c(true);
        let credentials = ClientCredentials::builder(CERT_CLIENT)
            .assertion_signer(signer)
            .authority(mock.authority())
            .assertion_audience(aud)
            .scopes(["AppFramework", "Sales.Admin"])
            .build()
            .unwrap();
        let token = credentials.request_token().await.unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(token.scopes(), ["AppFramework", "Sales.Admin"]);
        assert_eq!(get(&mock, "api/init/companies", token.secret(), None).await.status, 200);
    }
    for style in [SecretStyle::Basic, SecretStyle::Post] {
        let credentials = ClientCredentials::builder(SECRET_CLIENT)
            .client_secret(SECRET)
            .secret_style(style)
            .authority(mock.authority())
            .build()
            .unwrap();
        let token = credentials.request_token().await.unwrap_or_else(|e| panic!("{style:?}: {e}"));
        assert!(token.expires_at() > SystemTime::now() + Duration::from_secs(890), "expires_in is the TTL");
    }
    assert_eq!(mock.token_requests(CERT_CLIENT), 3);
    assert_eq!(mock.tokens_issued(CERT_CLIENT), 3);
    assert_eq!(mock.tokens_issued(SECRET_CLIENT), 2);
}

#[tokio::test]
async fn es256_assertions_verify_against_a_p256_certificate() {
    let ec = TestCertificate::generate_ec("ec-client").unwrap();
    let mock = MockUnimicro::builder()
        .client(MockClient::new("ec-client").certificate_pem(ec.cert_pem()))
        .start()
        .await
        .unwrap();
    let credentials = ClientCredentials::builder("ec-client")
        .certificate(ec.certificate().unwrap())
        .authority(mock.authority())
        .build()
        .unwrap();
    credentials.request_token().await.unwrap();
    // An RSA certificate signing for a client registered with the EC one is refused.
    let rsa = TestCertificate::generate("ec-client").unwrap().certificate().unwrap();
    let signed = sign(&rsa, &claims(&mock, "ec-client"));
    let a = grant_with_assertion(&mock, None, &signed).await;
    assert_invalid_client(&a, "does not suit the key");
}

#[tokio::test]
async fn a_forged_signature_is_invalid_client() {
    let mock = mock().await;
    // Same client id, same claims, but signed by a key that isn't the registered one.
    let forger = TestCertificate::generate(CERT_CLIENT).unwrap().certificate().unwrap();
    let a = assertion_request(&mock, &sign(&forger, &claims(&mock, CERT_CLIENT))).await;
    assert_invalid_client(&a, "signature does not verify");
    // A valid signature with one claim changed afterwards.
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    let good = sign(&cert, &claims(&mock, CERT_CLIENT));
    let parts: Vec<&str> = good.split('.').collect();
    let mut body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    body["exp"] = json!(body["exp"].as_u64().unwrap() + 60);
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(body.to_string()), parts[2]);
    assert_invalid_client(&assertion_request(&mock, &tampered).await, "signature");
    // The untampered one still works: the failures didn't burn its jti.
    assert_eq!(assertion_request(&mock, &good).await.status, 200);
    assert_eq!(mock.tokens_issued(CERT_CLIENT), 1);
}

#[tokio::test]
async fn unsigned_and_symmetric_algorithms_are_refused() {
    let mock = mock().await;
    let claims = serde_json::to_value(claims(&mock, CERT_CLIENT)).unwrap();
    for (alg, signature) in [("none", ""), ("HS256", "c2lnbmF0dXJl")] {
        let header = json!({"alg": alg, "typ": "JWT"});
        let jws = format!(
            "{}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert_invalid_client(&assertion_request(&mock, &jws).await, alg);
    }
    assert_invalid_client(&assertion_request(&mock, "not-a-jwt").await, "compact JWS");
}

#[tokio::test]
async fn a_replayed_jti_is_invalid_client() {
    let mock = mock().await;
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    let assertion = sign(&cert, &claims(&mock, CERT_CLIENT));
    assert_eq!(assertion_request(&mock, &assertion).await.status, 200);
    assert_invalid_client(&assertion_request(&mock, &assertion).await, "already used");
    // A new assertion re-using the jti, freshly signed, is a replay too.
    let mut again = claims(&mock, CERT_CLIENT);
    again.jti = serde_json::from_slice::<Value>(
        &URL_SAFE_NO_PAD.decode(assertion.split('.').nth(1).unwrap()).unwrap(),
    )
    .unwrap()["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_invalid_client(&request_signed(&mock, &cert, &again).await, "already used");
    let mut missing = claims(&mock, CERT_CLIENT);
    missing.jti = String::new();
    assert_invalid_client(&request_signed(&mock, &cert, &missing).await, "jti");
}

#[tokio::test]
async fn a_wrong_audience_is_invalid_client() {
    let mock = mock().await;
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    for aud in [
        "https://test-login.unimicro.no/connect/token",
        "AppFramework",
        &format!("{}/connect/authorize", mock.authority()),
    ] {
        let mut c = claims(&mock, CERT_CLIENT);
        c.aud = aud.to_owned();
        assert_invalid_client(&request_signed(&mock, &cert, &c).await, "`aud`");
    }
    // The issuer is accepted as well as the token endpoint.
    let mut c = claims(&mock, CERT_CLIENT);
    c.aud = mock.authority().to_owned();
    assert_eq!(request_signed(&mock, &cert, &c).await.status, 200);
}

#[tokio::test]
async fn expired_future_and_overlong_assertions_are_invalid_client() {
    let mock = mock().await;
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    let now = SystemTime::now();
    let minutes = |m: u64| Duration::from_secs(60 * m);
    let cases = [
        (claims_at(&mock, now - minutes(3), minutes(1)), "expired"),
        (claims_at(&mock, now + minutes(2), minutes(1)), "not valid before"),
        (claims_at(&mock, now, minutes(6)), "lifetime"),
    ];
    for (c, needle) in cases {
        assert_invalid_client(&request_signed(&mock, &cert, &c).await, needle);
    }
    let mut future_iat = claims(&mock, CERT_CLIENT);
    future_iat.iat += 120;
    assert_invalid_client(&request_signed(&mock, &cert, &future_iat).await, "future");
    // Within the leeway (a few seconds of clock skew) and exactly 5 minutes are fine.
    let skewed = claims_at(&mock, now - minutes(1) - Duration::from_secs(5), minutes(1));
    assert_eq!(request_signed(&mock, &cert, &skewed).await.status, 200);
    assert_eq!(request_signed(&mock, &cert, &claims_at(&mock, now, minutes(5))).await.status, 200);
}

fn claims_at(mock: &MockUnimicro, issued: SystemTime, lifetime: Duration) -> AssertionClaims {
    AssertionClaims::new(CERT_CLIENT, mock.token_endpoint(), issued, lifetime)
}

#[tokio::test]
async fn iss_sub_and_client_id_must_agree() {
    let mock = mock().await;
    let cert = mock.certificate(CERT_CLIENT).unwrap();
    let mut c = claims(&mock, CERT_CLIENT);
    c.sub = "someone-else".into();
    assert_invalid_client(&request_signed(&mock, &cert, &c).await, "`sub`");
    // The form says another client than the assertion.
    let a = grant_with_assertion(&mock, Some(SECRET_CLIENT), &sign(&cert, &claims(&mock, CERT_CLIENT))).await;
    assert_invalid_client(&a, "client_id");
    // An assertion for a client registered only with a secret.
    let a = grant_with_assertion(&mock, None, &sign(&cert, &claims(&mock, SECRET_CLIENT))).await;
    assert_invalid_client(&a, "no certificate");
    let mut unknown = claims(&mock, "nobody");
    unknown.sub = "nobody".into();
    let a = grant_with_assertion(&mock, None, &sign(&cert, &unknown)).await;
    assert_invalid_client(&a, "unknown client");
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_and_basic_must_be_form_encoded() {
    let mock = mock().await;
    let grant = [("grant_type", "client_credentials")];
    let a = token_request(&mock, &grant, Some(&basic(SECRET_CLIENT, "wrong"))).await;
    assert_invalid_client(&a, "invalid client secret");
    assert!(a.headers.get("www-authenticate").unwrap().to_str().unwrap().starts_with("Basic"));
    // The right secret, but not form-encoded before base64 (a common bug): `+` and `%` differ.
    let raw = format!("Basic {}", STANDARD.encode(format!("{SECRET_CLIENT}:{SECRET}")));
    assert_invalid_client(&token_request(&mock, &grant, Some(&raw)).await, "");
    assert_eq!(token_request(&mock, &grant, Some(&basic(SECRET_CLIENT, SECRET))).await.status, 200);
    // In the form.
    let post = |secret: &'static str| {
        [("grant_type", "client_credentials"), ("client_id", SECRET_CLIENT), ("client_secret", secret)]
    };
    assert_invalid_client(&token_request(&mock, &post("wrong"), None).await, "invalid client secret");
    assert_eq!(token_request(&mock, &post(SECRET), None).await.status, 200);
    // No authentication at all, and a secret for a certificate-only client.
    assert_invalid_client(&token_request(&mock, &grant, None).await, "no client authentication");
    assert_invalid_client(&token_request(&mock, &grant, Some(&basic(CERT_CLIENT, "x"))).await, "no secret");
    assert_invalid_client(&token_request(&mock, &grant, Some(&basic("nobody", "x"))).await, "unknown client");
    assert_invalid_client(&token_request(&mock, &grant, Some("Basic %%%")).await, "base64");
}

#[tokio::test]
async fn request_errors_are_400_with_their_rfc6749_code() {
    let mock = mock().await;
    let auth = basic(SECRET_CLIENT, SECRET);
    let auth = Some(auth.as_str());
    let a = token_request(&mock, &[("grant_type", "password")], auth).await;
    assert_oauth_error(&a, 400, "unsupported_grant_type", "password");
    assert_oauth_error(&token_request(&mock, &[], auth).await, 400, "invalid_request", "grant_type");
    let a = token_request(
        &mock,
        &[("grant_type", "client_credentials"), ("scope", "AppFramework Sales.Admin")],
        auth,
    )
    .await;
    assert_oauth_error(&a, 400, "invalid_scope", "Sales.Admin");
    let a = token_request(
        &mock,
        &[("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
        auth,
    )
    .await;
    assert_oauth_error(&a, 400, "invalid_request", "repeated");
    let both =
        [("grant_type", "client_credentials"), ("client_id", SECRET_CLIENT), ("client_secret", SECRET)];
    assert_oauth_error(&token_request(&mock, &both, auth).await, 400, "invalid_request", "more than one");
    let json = answer(
        http()
            .post(mock.token_endpoint())
            .json(&json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_oauth_error(&json, 400, "invalid_request", "x-www-form-urlencoded");
    let get = answer(http().get(mock.token_endpoint()).send().await.unwrap()).await;
    assert_oauth_error(&get, 400, "invalid_request", "POST");
    // No scope asked: every scope the client is allowed.
    let a = token_request(&mock, &[("grant_type", "client_credentials")], auth).await;
    assert_eq!((a.status, a.body["scope"].as_str()), (200, Some("AppFramework")));
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
}

#[tokio::test]
async fn the_auth_crate_sees_the_error_class_a_real_server_gives() {
    let mock = mock().await;
    let credentials = ClientCredentials::builder(SECRET_CLIENT)
        .client_secret("wrong")
        .authority(mock.authority())
        .build()
        .unwrap();
    let e = credentials.request_token().await.unwrap_err();
    let oauth = e.oauth().unwrap_or_else(|| panic!("not an OAuth error: {e}"));
    assert_eq!(oauth.code(), "invalid_client");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert!(!e.is_transient());
    let credentials = ClientCredentials::builder(SECRET_CLIENT)
        .client_secret(SECRET)
        .scopes(["Payroll.Admin"])
        .authority(mock.authority())
        .build()
        .unwrap();
    assert_eq!(credentials.request_token().await.unwrap_err().oauth().unwrap().code(), "invalid_scope");
}

#[tokio::test]
async fn builder_errors_name_the_problem() {
    let err = |b: unimicro_mock::MockBuilder| async move { b.start().await.unwrap_err().to_string() };
    assert!(err(builder().client(MockClient::new(SECRET_CLIENT).secret("x"))).await.contains("twice"));
    assert!(
        err(MockUnimicro::builder().client(MockClient::new("lonely")))
            .await
            .contains("no way to authenticate")
    );
    let e = err(MockUnimicro::builder().client(MockClient::new("pem").certificate_pem("not pem"))).await;
    assert!(e.contains("`pem`") && e.contains("BEGIN CERTIFICATE"), "{e}");
    let e = err(MockUnimicro::builder().company(unimicro_mock::MockCompany::new("not-a-guid", "X"))).await;
    assert!(e.contains("not a GUID"), "{e}");
    let e =
        err(MockUnimicro::builder().company(unimicro_mock::MockCompany::new(COMPANY_A, "X").grant("ghost")))
            .await;
    assert!(e.contains("ghost"), "{e}");
    let e = err(builder().entity("33333333-3333-4333-8333-333333333333", "customers", json!({}))).await;
    assert!(e.contains("not registered"), "{e}");
    let e = err(builder().company(
        unimicro_mock::MockCompany::new("44444444-4444-4444-8444-444444444444", "S").settings(json!([1])),
    ))
    .await;
    assert!(e.contains("settings"), "{e}");
    let e = err(builder().token_ttl(Duration::ZERO)).await;
    assert!(e.contains("TTL"), "{e}");
}
