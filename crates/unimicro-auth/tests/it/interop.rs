//! Interop: unimicro-auth against panva's `oidc-provider`, a certified OpenID provider nobody here wrote.
//!
//! These tests need the live server and are ignored by default, so `cargo test --workspace` stays
//! hermetic. `cargo xtask interop` installs and starts the server (`interop/server.mjs`) and runs them
//! with `UNIMICRO_INTEROP_URL` set. The clients they use are registered by that script:
//!
//! | client id              | authentication        | registered                                          |
//! |------------------------|-----------------------|-----------------------------------------------------|
//! | `interop-jwks-kid`     | `private_key_jwt`     | the test-only client key as a JWK with `kid` [`KID`] |
//! | `interop-jwks`         | `private_key_jwt`     | the same key as a JWK without `kid`                 |
//! | `interop-refresh`      | `private_key_jwt`     | as `interop-jwks` (a client of its own, to count)   |
//! | `interop-secret-basic` | `client_secret_basic` | [`SECRET`]                                          |
//! | `interop-secret-post`  | `client_secret_post`  | [`SECRET`]                                          |
//!
//! The PEM, modern `.p12` and legacy `.p12` fixtures all hold that one key (`fixtures/README.txt`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{PASSWORD, fixture};
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::Value;
use unimicro_auth::{
    AccessToken, AssertionAudience, Certificate, CertificateSigner, ClientAssertionSigner, ClientCredentials,
    ClientCredentialsBuilder, Error, KeyIdStyle, RefreshPolicy, RetryPolicy, SecretStyle, SigningAlgorithm,
    TokenProvider,
};

/// The `kid` the server registers for the PEM fixture's key on `interop-jwks-kid`.
const KID: &str = "interop-kid-1";
/// The secret of the two secret clients: every character that needs form-encoding in
/// `client_secret_basic` and most that need it in a form body. (No `é`: RFC 6749 Appendix A allows
/// only printable ASCII in a secret, and oidc-provider refuses to register one with anything else.)
const SECRET: &str = "p@ss:wo rd+%/&=?#\"~";
/// The default resource (RS256 JWTs, 300 s), one signed with ES256, and the short-lived one.
const RESOURCE: &str = "urn:unimicro:interop:api";
const RESOURCE_ES256: &str = "urn:unimicro:interop:es256";
const RESOURCE_SHORT: &str = "urn:unimicro:interop:short";

fn url() -> String {
    std::env::var("UNIMICRO_INTEROP_URL")
        .expect("UNIMICRO_INTEROP_URL is not set: run these tests with `cargo xtask interop`")
}

/// The test-only client certificate from PEM: the key the server registers (`xtask/src/interop.rs`).
fn pem_certificate() -> Certificate {
    Certificate::from_pem_files(
        fixture("test-only-client.cert.pem"),
        fixture("test-only-client.key.pem"),
        None,
    )
    .expect("PEM fixture")
}

/// `client_id` signing its assertions with `signer`, finding the server by discovery, with no retries.
fn assertion_builder(client_id: &str, signer: impl ClientAssertionSigner) -> ClientCredentialsBuilder {
    ClientCredentials::builder(client_id)
        .assertion_signer(signer)
        .authority(url())
        .retry_policy(RetryPolicy::none())
}

fn assertion_client(client_id: &str, signer: impl ClientAssertionSigner) -> ClientCredentials {
    assertion_builder(client_id, signer).build().expect("valid configuration")
}

/// `client_id` sending `secret` as `style` says, finding the server by discovery, with no retries.
fn secret_builder(client_id: &str, secret: &str, style: SecretStyle) -> ClientCredentialsBuilder {
    ClientCredentials::builder(client_id)
        .client_secret(secret)
        .secret_style(style)
        .authority(url())
        .retry_policy(RetryPolicy::none())
}

fn secret_client(client_id: &str, secret: &str, style: SecretStyle) -> ClientCredentials {
    secret_builder(client_id, secret, style).build().expect("valid configuration")
}

/// The signer of the clients whose keys are registered without `kid`.
fn signer_without_kid() -> CertificateSigner {
    CertificateSigner::new(pem_certificate()).key_id(KeyIdStyle::None)
}

/// The claims of a JWT, without checking its signature.
fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url claims")).expect("JSON claims")
}

/// Checks that `token` is a JWT the server issued to `client_id` for `resource`.
fn assert_issued_to(token: &AccessToken, client_id: &str, resource: &str) {
    let c = claims(token.secret());
    assert_eq!(c["client_id"], client_id, "{c}");
    assert_eq!(c["iss"], url(), "{c}");
    assert_eq!(c["aud"], resource, "{c}");
}

/// Asserts `err` is the typed RFC 6749 error `code` with HTTP `status`, and says so clearly.
fn assert_oauth(err: &Error, code: &str, status: StatusCode) {
    let oauth = err.oauth().unwrap_or_else(|| panic!("expected Error::OAuth({code}), got {err:?}"));
    assert_eq!(oauth.code(), code, "{err}");
    assert_eq!(oauth.status(), status, "{err}");
    assert!(!err.is_transient(), "{code} is permanent: {err}");
    assert!(err.to_string().contains(code), "the message names the error: {err}");
}

async fn http_json(url: &str) -> Value {
    let response = reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.json().await.unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn discovery_through_the_real_document() {
    let doc = http_json(&format!("{}/.well-known/openid-configuration", url())).await;
    let creds = secret_client("interop-secret-basic", SECRET, SecretStyle::Basic);
    let endpoint = creds.token_endpoint().await.expect("discovery");
    assert_eq!(doc["issuer"], url());
    assert_eq!(endpoint.as_str(), doc["token_endpoint"].as_str().expect("token_endpoint"));
    let token = creds.request_token().await.expect("token through discovery");
    assert_issued_to(&token, "interop-secret-basic", RESOURCE);

    // The same server under another name (localhost resolves to 127.0.0.1 too): its document names
    // 127.0.0.1, so the issuer check fails.
    let other_name = url().replace("127.0.0.1", "localhost");
    let creds = ClientCredentials::builder("interop-secret-basic")
        .client_secret(SECRET)
        .authority(other_name)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid configuration");
    let err = creds.request_token().await.expect_err("issuer mismatch");
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn certificates_from_modern_p12_legacy_p12_and_pem() {
    let certificates = [
        ("PEM", pem_certificate()),
        ("modern PKCS#12", Certificate::from_pkcs12_file(fixture("test-only-modern.p12"), PASSWORD).unwrap()),
        ("legacy PKCS#12", Certificate::from_pkcs12_file(fixture("test-only-legacy.p12"), PASSWORD).unwrap()),
    ];
    for (what, cert) in certificates {
        // `interop-jwks` registers its keys without `kid`, so the assertion must carry none.
        let signer = CertificateSigner::new(cert).key_id(KeyIdStyle::None);
        let token = assertion_client("interop-jwks", signer)
            .request_token()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_issued_to(&token, "interop-jwks", RESOURCE);
        assert_eq!(token.lifetime(), Duration::from_secs(300), "{what}");
    }
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn key_id_styles_against_a_registered_kid() {
    // oidc-provider selects the client's keys by `kid` when the assertion names one, and a key
    // registered without (or with another) `kid` does not match: only the registered kid, or none, works.
    let cases = [
        (KeyIdStyle::Thumbprint, false),
        (KeyIdStyle::X5t, false),
        (KeyIdStyle::Custom(KID.into()), true),
        (KeyIdStyle::Custom("not-registered".into()), false),
        (KeyIdStyle::None, true),
    ];
    for (style, accepted) in cases {
        let signer = CertificateSigner::new(pem_certificate()).key_id(style.clone());
        let result = assertion_client("interop-jwks-kid", signer).request_token().await;
        println!(
            "kid {style:?} against a registered kid: {}",
            if result.is_ok() { "accepted" } else { "rejected" }
        );
        match (result, accepted) {
            (Ok(token), true) => assert_issued_to(&token, "interop-jwks-kid", RESOURCE),
            (Err(err), false) => assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED),
            (Ok(_), false) => panic!("kid {style:?} was expected to be rejected"),
            (Err(err), true) => panic!("kid {style:?} was expected to be accepted: {err}"),
        }
    }
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn default_thumbprint_kid_is_rejected_when_the_jwks_has_no_kid() {
    // The default (the .NET thumbprint kid, what Unimicro's IdentityServer matches) against a server
    // that registered the key without a kid: refused, and the error says what to check.
    let err = assertion_client("interop-jwks", CertificateSigner::new(pem_certificate()))
        .request_token()
        .await
        .expect_err("a kid the server does not know");
    assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);
    assert!(err.to_string().contains("certificate or secret"), "{err}");
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn signing_algorithms_and_audiences() {
    // PS256 and the issuer as audience are both accepted; every request signs a new jti, so
    // back-to-back requests are never taken for a replay.
    let signer = CertificateSigner::new(pem_certificate())
        .key_id(KeyIdStyle::None)
        .algorithm(SigningAlgorithm::PS256)
        .include_x5t_s256(true)
        .include_x5c(true);
    let creds = assertion_builder("interop-jwks", signer)
        .assertion_audience(AssertionAudience::Issuer)
        .build()
        .unwrap();
    for _ in 0..3 {
        let token = creds.request_token().await.expect("PS256, aud = issuer");
        assert_issued_to(&token, "interop-jwks", RESOURCE);
    }
    let creds = assertion_builder("interop-jwks", signer_without_kid())
        .assertion_audience(AssertionAudience::Custom("https://somewhere.else/token".into()))
        .build()
        .unwrap();
    let err = creds.request_token().await.expect_err("wrong audience");
    assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn client_secret_basic_and_post_with_a_secret_that_needs_encoding() {
    for (client_id, style) in
        [("interop-secret-basic", SecretStyle::Basic), ("interop-secret-post", SecretStyle::Post)]
    {
        let token = secret_client(client_id, SECRET, style)
            .request_token()
            .await
            .unwrap_or_else(|e| panic!("{style:?}: {e}"));
        assert_issued_to(&token, client_id, RESOURCE);
    }
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn invalid_client_and_invalid_scope_are_typed_errors() {
    for style in [SecretStyle::Basic, SecretStyle::Post] {
        let client_id =
            if style == SecretStyle::Basic { "interop-secret-basic" } else { "interop-secret-post" };
        // One character off: `+` where the registered secret has a space (what a missing
        // form-decoding step would produce).
        let wrong = SECRET.replace(' ', "+");
        let err = secret_client(client_id, &wrong, style).request_token().await.expect_err("wrong secret");
        assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);
    }
    let err = secret_client("interop-no-such-client", SECRET, SecretStyle::Basic)
        .request_token()
        .await
        .expect_err("unknown client");
    assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);

    let creds = secret_builder("interop-secret-basic", SECRET, SecretStyle::Basic)
        .scopes(["api:read", "api:admin"])
        .build()
        .unwrap();
    let err = creds.request_token().await.expect_err("a scope the client is not registered for");
    assert_oauth(&err, "invalid_scope", StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("request only scopes"), "{err}");

    let creds = secret_builder("interop-secret-basic", SECRET, SecretStyle::Basic)
        .scopes(["api:read"])
        .build()
        .unwrap();
    let token = creds.request_token().await.expect("an allowed scope");
    assert_eq!(token.scopes(), ["api:read"]);
    assert_eq!(claims(token.secret())["scope"], "api:read");
}

/// One key of a JWKS: its type and public key bytes (RSA: `n` and `e`; EC P-256: the uncompressed point).
fn verification_key(jwk: &Value) -> (String, Vec<u8>, Option<Vec<u8>>) {
    let b64 = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap_or_default()).unwrap_or_default();
    match jwk["kty"].as_str() {
        Some("RSA") => ("RSA".into(), b64("n"), Some(b64("e"))),
        Some("EC") => {
            assert_eq!(jwk["crv"], "P-256", "{jwk}");
            let mut point = vec![4];
            point.extend(b64("x"));
            point.extend(b64("y"));
            ("EC".into(), point, None)
        }
        other => panic!("unexpected key type {other:?} in the server's JWKS"),
    }
}

/// Verifies a JWS against the server's JWKS (selected by `kid`), with aws-lc-rs.
fn verify_jws(jws: &str, jwks: &Value) -> Result<(), String> {
    let (signing_input, signature) = jws.rsplit_once('.').ok_or("not a JWS")?;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signing_input.split('.').next().unwrap_or_default())
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header["kid"]))
        .ok_or_else(|| format!("no key with kid {} in the JWKS", header["kid"]))?;
    let ok = match (header["alg"].as_str(), verification_key(jwk)) {
        (Some("RS256"), (kty, n, Some(e))) if kty == "RSA" => signature::RsaPublicKeyComponents { n, e }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &signature)
            .is_ok(),
        (Some("ES256"), (kty, point, None)) if kty == "EC" => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(signing_input.as_bytes(), &signature)
                .is_ok()
        }
        (alg, _) => return Err(format!("alg {alg:?} does not suit the key {}", jwk["kid"])),
    };
    if ok { Ok(()) } else { Err("the signature does not verify".into()) }
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn access_tokens_verify_against_the_jwks_uri() {
    let doc = http_json(&format!("{}/.well-known/openid-configuration", url())).await;
    let jwks = http_json(doc["jwks_uri"].as_str().expect("jwks_uri")).await;
    for (resource, alg) in [(RESOURCE, "RS256"), (RESOURCE_ES256, "ES256")] {
        let signer = CertificateSigner::new(pem_certificate()).key_id(KeyIdStyle::Custom(KID.into()));
        let creds = assertion_builder("interop-jwks-kid", signer).resource(resource).build().unwrap();
        let sent = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let token = creds.request_token().await.expect("token");
        let jws = token.secret();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["alg"], alg);
        verify_jws(jws, &jwks).unwrap_or_else(|e| panic!("{alg} access token: {e}"));
        assert_issued_to(&token, "interop-jwks-kid", resource);
        let c = claims(jws);
        let (iat, exp) = (c["iat"].as_u64().unwrap(), c["exp"].as_u64().unwrap());
        assert!(iat.abs_diff(sent) <= 5, "iat {iat} vs sent {sent}");
        assert_eq!(exp - iat, 300);
        assert_eq!(token.lifetime(), Duration::from_secs(300));

        // A token changed by one bit no longer verifies: the check above can fail.
        let (head, sig) = jws.rsplit_once('.').unwrap();
        let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        sig[0] ^= 1;
        let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig));
        assert!(verify_jws(&forged, &jwks).is_err(), "{alg}: a forged signature verified");
    }
}

/// Signs with a certificate, but changes the claims first or replays its first assertion, to show
/// what the server refuses.
#[derive(Debug)]
struct Tampering {
    inner: CertificateSigner,
    tamper: Tamper,
    first: std::sync::Mutex<Option<String>>,
}

#[derive(Debug, Clone, Copy)]
enum Tamper {
    Replay,
    Expired,
    NotYetValid,
    SubjectNotClient,
}

#[async_trait::async_trait]
impl ClientAssertionSigner for Tampering {
    async fn sign(
        &self,
        claims: &unimicro_auth::AssertionClaims,
    ) -> unimicro_auth::Result<secrecy::SecretString> {
        use secrecy::ExposeSecret as _;
        let mut claims = claims.clone();
        match self.tamper {
            Tamper::Replay => {
                let mut first = self.first.lock().unwrap();
                let jws = first.get_or_insert_with(|| {
                    self.inner.sign_claims(&claims).expect("signing").expose_secret().to_owned()
                });
                return Ok(jws.clone().into());
            }
            Tamper::Expired => {
                claims.iat -= 600;
                claims.nbf -= 600;
                claims.exp = claims.iat + 60;
            }
            Tamper::NotYetValid => {
                claims.iat += 600;
                claims.nbf += 600;
                claims.exp += 600;
            }
            Tamper::SubjectNotClient => claims.sub = "someone-else".into(),
        }
        self.inner.sign_claims(&claims)
    }
}

#[tokio::test]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn the_server_refuses_replayed_expired_and_future_assertions() {
    let tampering = |tamper| {
        let signer = Tampering { inner: signer_without_kid(), tamper, first: std::sync::Mutex::new(None) };
        assertion_client("interop-jwks", signer)
    };
    // A replayed jti: the first use passes, the second is refused.
    let creds = tampering(Tamper::Replay);
    creds.request_token().await.expect("first use of the assertion");
    let err = creds.request_token().await.expect_err("replayed jti");
    assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);

    for tamper in [Tamper::Expired, Tamper::NotYetValid] {
        let creds = tampering(tamper);
        let err = creds.request_token().await.expect_err("assertion outside its lifetime");
        println!("{tamper:?}: {err}");
        assert_oauth(&err, "invalid_client", StatusCode::UNAUTHORIZED);
    }

    // oidc-provider finds the client by `sub` and checks `iss`: a `sub` that is not the client id
    // disagrees with the `client_id` parameter (`invalid_request: client_id mismatch`).
    let creds = tampering(Tamper::SubjectNotClient);
    let err = creds.request_token().await.expect_err("sub is not the client");
    println!("SubjectNotClient: {err}");
    assert_oauth(&err, "invalid_request", StatusCode::BAD_REQUEST);
}

/// Token requests the server counted for `client_id` (successful, failed), from `GET /interop/counts`.
async fn server_counts(client_id: &str) -> (u64, u64) {
    let counts = http_json(&format!("{}/interop/counts", url())).await;
    let of = |outcome: &str| counts[client_id][outcome].as_u64().unwrap_or(0);
    (of("success"), of("error"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs UNIMICRO_INTEROP_URL: run cargo xtask interop"]
async fn background_refresh_across_three_lifetimes_makes_one_request_each() {
    // The server gives `RESOURCE_SHORT` tokens 8 s (`xtask/src/interop.rs`). With the soft point at
    // 75 % of the lifetime and no jitter, each token is refreshed in the background 6 s after it was
    // requested: over 15 s of steady calls that is 3 tokens (at about 0, 6 and 12 s; the 4th would
    // be due at 18 s), so exactly 3 token requests, and only the very first calls ever wait.
    const WINDOW: Duration = Duration::from_secs(15);
    const LOOPS: usize = 4;
    let creds =
        assertion_builder("interop-refresh", signer_without_kid()).resource(RESOURCE_SHORT).build().unwrap();
    let policy =
        RefreshPolicy::default().soft_margin(0.25, Duration::ZERO, Duration::from_secs(300)).jitter(0.0);
    let provider = TokenProvider::builder(creds).refresh_policy(policy).build().unwrap();
    let before = server_counts("interop-refresh").await;

    let start = std::time::Instant::now();
    let loops = (0..LOOPS).map(|_| {
        let provider = provider.clone();
        tokio::spawn(async move {
            // (token, whether this call waited for its request) for every call.
            let mut seen: Vec<(AccessToken, bool)> = Vec::new();
            while start.elapsed() < WINDOW {
                let called = SystemTime::now();
                let token = provider.token().await.expect("token");
                let now = SystemTime::now();
                let left = token.expires_at().duration_since(now).unwrap_or_default();
                assert!(left >= Duration::from_millis(500), "a token with {left:?} left was handed out");
                let exp = claims(token.secret())["exp"].as_u64().unwrap();
                assert!(exp > now.duration_since(UNIX_EPOCH).unwrap().as_secs(), "an expired token");
                let waited = token.issued_at() >= called;
                seen.push((token, waited));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seen
        })
    });
    let mut calls = Vec::new();
    for handle in loops.collect::<Vec<_>>() {
        calls.extend(handle.await.expect("loop"));
    }
    let after = server_counts("interop-refresh").await;

    let mut distinct: Vec<&AccessToken> = Vec::new();
    for (token, _) in &calls {
        if !distinct.iter().any(|t| t.same_token(token)) {
            distinct.push(token);
        }
    }
    let waited: Vec<&AccessToken> = calls.iter().filter(|(_, w)| *w).map(|(t, _)| t).collect();
    println!(
        "{} calls over {WINDOW:?}: {} tokens, {} token requests, {} calls waited for a request",
        calls.len(),
        distinct.len(),
        after.0 - before.0,
        waited.len()
    );
    assert_eq!(after.1 - before.1, 0, "failed token requests");
    assert_eq!(after.0 - before.0, 3, "token requests in three lifetimes");
    assert_eq!(distinct.len(), 3, "tokens seen");
    for token in &distinct {
        assert_eq!(token.lifetime(), Duration::from_secs(8));
        assert_issued_to(token, "interop-refresh", RESOURCE_SHORT);
    }
    // Only the cold start waits: every refresh after it ran in the background.
    assert!(waited.iter().all(|t| t.same_token(distinct[0])), "a caller waited for a refresh");
    assert!(calls.len() > LOOPS * 100, "the loops ran: {} calls", calls.len());
}
