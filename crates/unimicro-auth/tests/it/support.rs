//! Helpers shared by the tests: the test-only fixtures, throwaway keys and certificates, a decoder
//! and verifier of client assertions, wiremock helpers, log capture, and a driver for `ManualClock`.

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use unimicro_auth::{Certificate, ManualClock};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// The password of the password-protected fixtures (see `fixtures/README.txt`).
pub(crate) const PASSWORD: &str = "test-only-password";
/// The password of `test-only-non-ascii.p12`.
pub(crate) const NON_ASCII_PASSWORD: &str = "blåbærsyltetøy-€-✓";

/// The path of a fixture made by `cargo xtask gen-cert`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures").join(name)
}

/// A fixture's text.
pub(crate) fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The client certificate from the modern `.p12` fixture.
pub(crate) fn modern_p12() -> Certificate {
    Certificate::from_pkcs12_file(fixture("test-only-modern.p12"), PASSWORD).expect("modern .p12 fixture")
}

/// openssl's fingerprint of the client certificate for `digest` (`sha1` or `sha256`), as bytes.
pub(crate) fn openssl_fingerprint(digest: &str) -> Vec<u8> {
    let text = fixture_text("test-only-client.fingerprints.txt");
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{digest} Fingerprint=")))
        .unwrap_or_else(|| panic!("no {digest} fingerprint in the fixture"));
    let hex = line.split('=').nth(1).unwrap().replace(':', "");
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// A throwaway self-signed certificate and its PKCS#8 key, both PEM.
#[derive(Clone)]
pub(crate) struct Generated {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) cert_der: Vec<u8>,
    pub(crate) key_pkcs8_der: Vec<u8>,
}

/// A calendar date: year, month, day.
pub(crate) type Date = (i32, u8, u8);

/// Makes a self-signed certificate for `common_name` with a new key of `alg`; `validity` sets
/// not-before and not-after (default: rcgen's 1975–4096).
pub(crate) fn generate(
    alg: &'static rcgen::SignatureAlgorithm,
    common_name: &str,
    validity: Option<(Date, Date)>,
) -> Generated {
    let key = if alg == &rcgen::PKCS_RSA_SHA256 {
        rcgen::KeyPair::generate_rsa_for(alg, rcgen::RsaKeySize::_2048).expect("RSA key")
    } else {
        rcgen::KeyPair::generate_for(alg).expect("key")
    };
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    if let Some(((y1, m1, d1), (y2, m2, d2))) = validity {
        params.not_before = rcgen::date_time_ymd(y1, m1, d1);
        params.not_after = rcgen::date_time_ymd(y2, m2, d2);
    }
    let cert = params.self_signed(&key).expect("self-signed certificate");
    Generated {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().to_vec(),
        key_pkcs8_der: key.serialize_der(),
    }
}

/// A throwaway RSA 2048 certificate and key.
pub(crate) fn generate_rsa(common_name: &str) -> Generated {
    generate(&rcgen::PKCS_RSA_SHA256, common_name, None)
}

/// A throwaway EC P-256 certificate and key.
pub(crate) fn generate_p256(common_name: &str) -> Generated {
    generate(&rcgen::PKCS_ECDSA_P256_SHA256, common_name, None)
}

impl Generated {
    /// The certificate and key loaded from their PEM.
    pub(crate) fn certificate(&self) -> Certificate {
        Certificate::from_pem(&self.cert_pem, &self.key_pem).expect("a generated certificate loads")
    }
}

/// PEM-armours `der` under `label`.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

/// Writes a PKCS#12 file in Rust (modern algorithms): `key` (PKCS#8 DER) with `chain` (DER, the
/// first gets the key's localKeyId), after `loose` certificates, which come first in the file.
pub(crate) fn build_pkcs12(key: &[u8], chain: &[&[u8]], loose: &[&[u8]], password: &str) -> Vec<u8> {
    use p12_keystore::{KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let cert = |der: &[u8]| p12_keystore::Certificate::from_der(der).expect("certificate DER");
    let mut store = KeyStore::new();
    for (i, der) in loose.iter().enumerate() {
        store.add_entry(&format!("loose-{i}"), KeyStoreEntry::Certificate(cert(der)));
    }
    let chain = PrivateKeyChain::new(
        b"test-only-key-id".as_slice(),
        PrivateKey::from_der(key).expect("PKCS#8 key"),
        chain.iter().map(|der| cert(der)),
    );
    store.add_entry("test-only", KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(password).write().expect("PKCS#12 written")
}

/// A decoded client assertion.
#[derive(Debug)]
pub(crate) struct Assertion {
    pub(crate) header: Value,
    pub(crate) claims: Value,
}

/// Decodes a compact JWS and verifies its signature with `cert`'s public key, with the algorithm
/// its header names. Panics when the signature does not verify.
pub(crate) fn verify_assertion(jws: &str, cert: &Certificate) -> Assertion {
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    let json = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    let (header, claims) = (json(parts[0]), json(parts[1]));
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("base64url signature");
    let message = format!("{}.{}", parts[0], parts[1]);
    let algorithm: &'static dyn signature::VerificationAlgorithm = match header["alg"].as_str() {
        Some("RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
        Some("PS256") => &signature::RSA_PSS_2048_8192_SHA256,
        Some("ES256") => &signature::ECDSA_P256_SHA256_FIXED,
        other => panic!("unexpected alg {other:?}"),
    };
    UnparsedPublicKey::new(algorithm, public_key(cert))
        .verify(message.as_bytes(), &signature)
        .expect("the assertion's signature verifies with the certificate's public key");
    Assertion { header, claims }
}

/// The certificate's `subjectPublicKey` bits (RSAPublicKey DER, or the EC point).
pub(crate) fn public_key(cert: &Certificate) -> Vec<u8> {
    let (_, x509) = x509_parser::parse_x509_certificate(cert.der()).expect("X.509");
    x509.public_key().subject_public_key.data.to_vec()
}

/// The form fields of a request body.
pub(crate) fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The value of form field `name`, which must occur exactly once.
pub(crate) fn field(form: &[(String, String)], name: &str) -> String {
    let values: Vec<&String> = form.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect();
    assert_eq!(values.len(), 1, "form field {name} occurs once in {form:?}");
    values[0].clone()
}

/// The path of the token endpoint on the test servers.
pub(crate) const TOKEN_PATH: &str = "/connect/token";

/// The token endpoint: POSTs to [`TOKEN_PATH`] answered by `response` (a `ResponseTemplate`, or
/// a responder of the test's own).
pub(crate) fn token_endpoint(response: impl Respond + 'static) -> Mock {
    Mock::given(method("POST")).and(path(TOKEN_PATH)).respond_with(response)
}

/// A successful token response.
pub(crate) fn token_response(token: &str, expires_in: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }))
}

/// A server with `mocks`, mounted in this order (the first that matches and is not used up answers),
/// and the catch-all. (A scoped mock must be mounted before the catch-all: see
/// `a_failing_background_refresh_keeps_serving_the_valid_token_and_backs_off`.)
pub(crate) async fn server_with(mocks: impl IntoIterator<Item = Mock>) -> MockServer {
    let server = MockServer::start().await;
    mount_with_catch_all(&server, mocks).await;
    server
}

/// Mounts `mocks` on `server` in this order, then the catch-all.
pub(crate) async fn mount_with_catch_all(server: &MockServer, mocks: impl IntoIterator<Item = Mock>) {
    for mock in mocks {
        mock.mount(server).await;
    }
    mount_catch_all(server).await;
}

/// Mounts, last and at the lowest priority, a mock that answers any request no other mock
/// matched with 418 and fails the test (on the server's drop) if it was hit at all.
pub(crate) async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_string("unexpected request: no mock matched"))
        .with_priority(u8::MAX)
        .named("catch-all: an unexpected request reached the server")
        .expect(0)
        .mount(server)
        .await;
}

/// Runs `future` on its own task, advancing `clock` by each sleep the code under test starts, so
/// `ManualClock` sleeps complete without real waiting. Returns the future's output.
pub(crate) async fn drive<T: Send + 'static>(
    clock: &ManualClock,
    future: impl Future<Output = T> + Send + 'static,
) -> T {
    let task = tokio::spawn(future);
    let mut advanced = 0;
    while !task.is_finished() {
        let sleeps = clock.sleeps();
        for sleep in &sleeps[advanced..] {
            clock.advance(*sleep);
        }
        advanced = sleeps.len();
        tokio::task::yield_now().await;
    }
    task.await.expect("the driven task panicked")
}

/// Waits (for real, polling, about 5 s at most) until `check` holds: for work the code under test does
/// in its own tasks. Time in the code under test is a `ManualClock`; this only waits for progress.
pub(crate) async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Collects every `tracing` event (message and fields, formatted) while it is the default subscriber.
#[derive(Clone, Default)]
pub(crate) struct LogCapture {
    lines: Arc<Mutex<Vec<String>>>,
}

impl LogCapture {
    /// Everything logged so far, one event per line.
    pub(crate) fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Makes this the default subscriber of the current thread until the guard drops.
    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
        // tracing caches, per callsite and for every thread, whether any subscriber is interested.
        // While a single subscriber is registered, a callsite first reached on another thread (a test
        // without a capture) is cached as "never" from that thread's view, and this capture would miss
        // its events. With a second subscriber registered for good, every callsite is asked of all
        // registered subscribers, this one included. (Registering a subscriber, as `set_default` does,
        // rebuilds the cache of the callsites reached before it.)
        static KEEP_TWO_REGISTERED: OnceLock<tracing::Dispatch> = OnceLock::new();
        KEEP_TWO_REGISTERED
            .get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        tracing::subscriber::set_default(self.clone())
    }
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for LogCapture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        let mut lines = self.lines.lock().unwrap();
        lines.push(line);
        // Any non-zero id will do: spans are not tracked.
        tracing::span::Id::from_u64(lines.len() as u64)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Asserts that `text` contains none of `secrets`.
pub(crate) fn assert_no_secrets(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "{what} leaks a secret ({secret:?}): {text}");
    }
}

/// A short timeout for the few tests that wait on the network.
pub(crate) const SHORT: Duration = Duration::from_millis(300);

#[test]
fn a_log_capture_sees_events_at_callsites_another_thread_reached_first() {
    fn log() {
        tracing::info!("reached on two threads");
    }
    let logs = LogCapture::default();
    let _guard = logs.install();
    // Another thread, with no capture, is the first to reach the callsite (tracing then caches
    // whether anyone is interested in it).
    std::thread::spawn(log).join().unwrap();
    log();
    assert_eq!(logs.text().matches("reached on two threads").count(), 1, "{}", logs.text());
}
