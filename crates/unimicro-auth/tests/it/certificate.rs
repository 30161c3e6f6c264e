//! Tests: loading certificates from PKCS#12 and PEM, and every way loading can fail.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use unimicro_auth::{Certificate, Error, KeyKind, SigningAlgorithm};

use crate::support::{
    LogCapture, NON_ASCII_PASSWORD, PASSWORD, assert_no_secrets, build_pkcs12, fixture, fixture_text,
    generate, generate_p256, generate_rsa, modern_p12, openssl_fingerprint, pem,
};

fn p12(name: &str, password: &str) -> Result<Certificate, Error> {
    Certificate::from_pkcs12_file(fixture(name), password)
}

fn client_pem() -> String {
    fixture_text("test-only-client.cert.pem")
}

/// The thumbprints are openssl's fingerprints of the certificate, in the three encodings.
fn assert_is_the_client_certificate(cert: &Certificate) {
    let sha1 = openssl_fingerprint("sha1");
    let hex: String = sha1.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(cert.thumbprint_sha1_hex(), hex);
    assert_eq!(cert.x5t(), URL_SAFE_NO_PAD.encode(&sha1));
    assert_eq!(cert.x5t_s256(), URL_SAFE_NO_PAD.encode(openssl_fingerprint("sha256")));
    assert!(cert.subject().contains("CN=test-only client"), "{}", cert.subject());
    assert_eq!(cert.key_kind(), KeyKind::Rsa { bits: 2048 });
    assert_eq!(cert.default_algorithm(), SigningAlgorithm::RS256);
    assert!(cert.supports(SigningAlgorithm::PS256) && !cert.supports(SigningAlgorithm::ES256));
    // gen-cert makes certificates valid for 100 years from the day it ran.
    let lifetime = cert.not_after().duration_since(cert.not_before()).unwrap();
    assert_eq!(lifetime, Duration::from_secs(36_500 * 86_400));
}

#[test]
fn reads_pkcs12_as_openssl_writes_it_today() {
    assert_is_the_client_certificate(&p12("test-only-modern.p12", PASSWORD).unwrap());
}

#[test]
fn reads_legacy_pkcs12_rc2_and_3des() {
    assert_is_the_client_certificate(&p12("test-only-legacy.p12", PASSWORD).unwrap());
    assert_is_the_client_certificate(&p12("test-only-windows-3des.p12", PASSWORD).unwrap());
}

#[test]
fn reads_pkcs12_with_empty_and_non_ascii_passwords() {
    assert_is_the_client_certificate(&p12("test-only-empty-password.p12", "").unwrap());
    assert_is_the_client_certificate(&p12("test-only-non-ascii.p12", NON_ASCII_PASSWORD).unwrap());
    // The non-ASCII password really is what protects the file.
    assert!(matches!(p12("test-only-non-ascii.p12", "blabarsyltetoy-E-v"), Err(Error::WrongPassword)));
}

#[test]
fn reads_bytes_as_well_as_files() {
    let der = std::fs::read(fixture("test-only-modern.p12")).unwrap();
    assert_is_the_client_certificate(&Certificate::from_pkcs12_der(&der, PASSWORD).unwrap());
}

#[test]
fn takes_the_certificate_of_the_key_from_a_chain() {
    let cert = p12("test-only-chain.p12", PASSWORD).unwrap();
    assert!(cert.subject().contains("CN=test-only chained client"), "{}", cert.subject());
    let chained = Certificate::from_pem(&fixture_text("test-only-chained.cert.pem"), &key_pem()).unwrap();
    assert_eq!(cert.der(), chained.der());
}

#[test]
fn takes_the_certificate_of_the_key_when_the_ca_comes_first() {
    let leaf = generate_rsa("test-only leaf");
    let ca = generate_rsa("test-only CA");
    let der = build_pkcs12(&leaf.key_pkcs8_der, &[&leaf.cert_der], &[&ca.cert_der], PASSWORD);
    // The file really has the CA first, so taking the first certificate would be wrong.
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(&der, PASSWORD).unwrap();
    assert_eq!(archive.certs[0].cert.as_der(), ca.cert_der.as_slice());
    let cert = Certificate::from_pkcs12_der(&der, PASSWORD).unwrap();
    assert_eq!(cert.der(), leaf.cert_der.as_slice());
    assert!(cert.subject().contains("test-only leaf"));
}

fn key_pem() -> String {
    fixture_text("test-only-client.key.pem")
}

#[test]
fn reads_pem_with_pkcs8_pkcs1_and_encrypted_pkcs8_keys() {
    let pkcs8 = Certificate::from_pem(&client_pem(), &key_pem()).unwrap();
    assert_is_the_client_certificate(&pkcs8);
    let pkcs1 = fixture_text("test-only-client.pkcs1.key.pem");
    assert!(pkcs1.contains("BEGIN RSA PRIVATE KEY"));
    assert_is_the_client_certificate(&Certificate::from_pem(&client_pem(), &pkcs1).unwrap());
    let encrypted = fixture_text("test-only-client.encrypted.key.pem");
    assert!(encrypted.contains("BEGIN ENCRYPTED PRIVATE KEY"));
    let cert = Certificate::from_encrypted_pem(&client_pem(), &encrypted, PASSWORD).unwrap();
    assert_is_the_client_certificate(&cert);
    let files = Certificate::from_pem_files(
        fixture("test-only-client.cert.pem"),
        fixture("test-only-client.encrypted.key.pem"),
        Some(PASSWORD),
    )
    .unwrap();
    assert_is_the_client_certificate(&files);
    let files = Certificate::from_pem_files(
        fixture("test-only-client.cert.pem"),
        fixture("test-only-client.key.pem"),
        None,
    )
    .unwrap();
    assert_is_the_client_certificate(&files);
}

#[test]
fn reads_pem_chains_and_combined_files_in_any_order() {
    let chain =
        format!("{}{}", fixture_text("test-only-ca.cert.pem"), fixture_text("test-only-chained.cert.pem"));
    let cert = Certificate::from_pem(&chain, &key_pem()).unwrap();
    assert!(cert.subject().contains("CN=test-only chained client"), "{}", cert.subject());
    // One file holding text, the key and the certificate, as `openssl pkcs12 -nodes` prints it.
    let combined = format!("Bag Attributes\n    friendlyName: x\n{}{}", key_pem(), client_pem());
    assert_is_the_client_certificate(&Certificate::from_pem(&combined, &combined).unwrap());
}

#[test]
fn an_unencrypted_key_loads_even_with_a_password() {
    let cert = Certificate::from_encrypted_pem(&client_pem(), &key_pem(), "unused").unwrap();
    assert_is_the_client_certificate(&cert);
}

#[test]
fn reads_p256_keys_in_pkcs8_and_sec1() {
    let generated = generate_p256("test-only p256");
    let cert = generated.certificate();
    assert_eq!(cert.key_kind(), KeyKind::EcP256);
    assert_eq!(cert.default_algorithm(), SigningAlgorithm::ES256);
    assert!(cert.supports(SigningAlgorithm::ES256) && !cert.supports(SigningAlgorithm::RS256));

    let key = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &generated.key_pkcs8_der,
    )
    .unwrap();
    let sec1 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::EcPrivateKeyRfc5915Der<'_>>::as_der(
        &key.private_key(),
    )
    .unwrap();
    let sec1_pem = pem("EC PRIVATE KEY", sec1.as_ref());
    let from_sec1 = Certificate::from_pem(&generated.cert_pem, &sec1_pem).unwrap();
    assert_eq!(from_sec1.thumbprint_sha1_hex(), cert.thumbprint_sha1_hex());
}

#[test]
fn reports_the_validity_period() {
    let generated = generate_rsa_valid((2020, 1, 1), (2040, 1, 1));
    let cert = generated.certificate();
    assert_eq!(cert.not_before(), UNIX_EPOCH + Duration::from_secs(1_577_836_800));
    assert_eq!(cert.not_after(), UNIX_EPOCH + Duration::from_secs(2_208_988_800));
}

fn generate_rsa_valid(from: (i32, u8, u8), to: (i32, u8, u8)) -> crate::support::Generated {
    generate(&rcgen::PKCS_RSA_SHA256, "test-only dated", Some((from, to)))
}

#[test]
fn expired_and_not_yet_valid_certificates_load_with_a_warning() {
    let logs = LogCapture::default();
    let _guard = logs.install();

    let expired = generate_rsa_valid((1999, 1, 1), (2001, 1, 1));
    let cert = expired.certificate();
    assert!(cert.not_after() < SystemTime::now());
    assert!(logs.text().contains("expired"), "{}", logs.text());
    assert!(!logs.text().contains("not valid yet"));

    let future = generate_rsa_valid((2090, 1, 1), (2095, 1, 1));
    future.certificate();
    assert!(logs.text().contains("not valid yet"), "{}", logs.text());

    let before = logs.text();
    modern_p12();
    assert_eq!(logs.text(), before, "a valid certificate loads without warnings");
}

#[test]
fn wrong_password_says_it_is_the_password() {
    for file in ["test-only-modern.p12", "test-only-legacy.p12", "test-only-windows-3des.p12"] {
        let e = p12(file, "not-the-password-123").unwrap_err();
        assert!(matches!(e, Error::WrongPassword), "{file}: {e:?}");
        assert!(e.to_string().contains("password is wrong"), "{e}");
        assert_no_secrets("the error", &format!("{e} {e:?}"), &["not-the-password-123"]);
    }
    assert!(matches!(p12("test-only-empty-password.p12", PASSWORD), Err(Error::WrongPassword)));
    assert!(matches!(p12("test-only-modern.p12", ""), Err(Error::WrongPassword)));

    let encrypted = fixture_text("test-only-client.encrypted.key.pem");
    let e = Certificate::from_encrypted_pem(&client_pem(), &encrypted, "not-the-password-123").unwrap_err();
    assert!(matches!(e, Error::WrongPassword), "{e:?}");
    assert_no_secrets("the error", &format!("{e} {e:?}"), &["not-the-password-123"]);
}

#[test]
fn key_mismatch_names_the_certificate() {
    let other = generate_rsa("test-only other");
    let e = Certificate::from_pem(&client_pem(), &other.key_pem).unwrap_err();
    match &e {
        Error::KeyMismatch { subject } => assert!(subject.contains("test-only client"), "{subject}"),
        other => panic!("expected KeyMismatch, got {other:?}"),
    }
    assert!(e.to_string().contains("does not match the certificate"), "{e}");
    assert!(e.to_string().contains("test-only client"), "{e}");

    // In a .p12 written with a foreign certificate.
    let der =
        build_pkcs12(&other.key_pkcs8_der, &[&generate_rsa("test-only stranger").cert_der], &[], PASSWORD);
    let e = Certificate::from_pkcs12_der(&der, PASSWORD).unwrap_err();
    assert!(matches!(&e, Error::KeyMismatch { subject } if subject.contains("stranger")), "{e:?}");

    // A key of another type than the certificate's.
    let p256 = generate_p256("test-only p256");
    assert!(matches!(Certificate::from_pem(&client_pem(), &p256.key_pem), Err(Error::KeyMismatch { .. })));
    assert!(matches!(Certificate::from_pem(&p256.cert_pem, &key_pem()), Err(Error::KeyMismatch { .. })));
}

#[test]
fn file_not_found_names_the_path() {
    let missing = fixture("no-such-file.p12");
    let e = Certificate::from_pkcs12_file(&missing, PASSWORD).unwrap_err();
    match &e {
        Error::ReadFile { path, .. } => assert_eq!(path, &missing),
        other => panic!("expected ReadFile, got {other:?}"),
    }
    assert!(e.to_string().contains(&missing.display().to_string()), "{e}");
    assert!(std::error::Error::source(&e).is_some(), "the io error is the source");

    // A binary file where PEM was expected is a format error naming the file, not a read error.
    let e = Certificate::from_pem_files(
        fixture("test-only-modern.p12"),
        fixture("test-only-client.key.pem"),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { format: "PEM", .. }), "{e:?}");
    assert!(
        e.to_string().contains("test-only-modern.p12") && e.to_string().contains("from_pkcs12_file"),
        "{e}"
    );

    let missing_key = fixture("no-such-key.pem");
    let e =
        Certificate::from_pem_files(fixture("test-only-client.cert.pem"), &missing_key, None).unwrap_err();
    assert!(e.to_string().contains(&missing_key.display().to_string()), "{e}");
}

#[test]
fn not_pkcs12_is_invalid_format() {
    for input in [client_pem().into_bytes(), b"hello".to_vec(), Vec::new()] {
        let e = Certificate::from_pkcs12_der(&input, PASSWORD).unwrap_err();
        assert!(matches!(e, Error::InvalidFormat { format: "PKCS#12", .. }), "{e:?}");
        assert!(e.to_string().contains("not a PKCS#12"), "{e}");
        assert!(e.to_string().contains("from_pem_files"), "points to PEM loading: {e}");
    }
    let der = std::fs::read(fixture("test-only-modern.p12")).unwrap();
    let e = Certificate::from_pkcs12_der(&der[..der.len() / 2], PASSWORD).unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { format: "PKCS#12", .. }), "{e:?}");
}

#[test]
fn not_pem_is_invalid_format() {
    let e = Certificate::from_pem("hello", &key_pem()).unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { format: "PEM certificate", .. }), "{e:?}");
    assert!(e.to_string().contains("from_pkcs12_file"), "{e}");
    let e = Certificate::from_pem(&client_pem(), "hello").unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { format: "PEM private key", .. }), "{e:?}");
    let damaged = key_pem().replacen("MII", "M!I", 1);
    let e = Certificate::from_pem(&client_pem(), &damaged).unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { .. }), "{e:?}");
    assert_no_secrets("the error", &e.to_string(), &[&key_pem()[40..70]]);
}

#[test]
fn no_private_key_is_its_own_error() {
    let e = p12("test-only-no-key.p12", PASSWORD).unwrap_err();
    assert!(matches!(e, Error::NoPrivateKey("PKCS#12")), "{e:?}");
    assert!(e.to_string().contains("export it again with its private key"), "{e}");
    let e = Certificate::from_pem(&client_pem(), &client_pem()).unwrap_err();
    assert!(matches!(e, Error::NoPrivateKey("PEM")), "{e:?}");
}

#[test]
fn encrypted_key_without_password_says_to_give_it() {
    let encrypted = fixture_text("test-only-client.encrypted.key.pem");
    let e = Certificate::from_pem(&client_pem(), &encrypted).unwrap_err();
    assert!(matches!(e, Error::InvalidFormat { .. }), "{e:?}");
    assert!(e.to_string().contains("password"), "{e}");
}

#[test]
fn unsupported_keys_are_named() {
    let cases = [
        (fixture_text("test-only-rsa1024.cert.pem"), fixture_text("test-only-rsa1024.key.pem"), "1024 bits"),
        (fixture_text("test-only-dsa.cert.pem"), fixture_text("test-only-dsa.key.pem"), "DSA"),
    ];
    let p384 = generate(&rcgen::PKCS_ECDSA_P384_SHA384, "test-only p384", None);
    let ed25519 = generate(&rcgen::PKCS_ED25519, "test-only ed25519", None);
    let generated = [(p384.cert_pem, p384.key_pem, "P-384"), (ed25519.cert_pem, ed25519.key_pem, "Ed25519")];
    for (cert, key, name) in cases.into_iter().chain(generated) {
        let e = Certificate::from_pem(&cert, &key).unwrap_err();
        assert!(matches!(&e, Error::UnsupportedKey(what) if what.contains(name)), "{name}: {e:?}");
        assert!(e.to_string().contains("use an RSA key (2048 bits or more) or an EC P-256 key"), "{e}");
    }
    // Through PKCS#12 too.
    let p384 = generate(&rcgen::PKCS_ECDSA_P384_SHA384, "test-only p384", None);
    let der = build_pkcs12(&p384.key_pkcs8_der, &[&p384.cert_der], &[], PASSWORD);
    let e = Certificate::from_pkcs12_der(&der, PASSWORD).unwrap_err();
    assert!(matches!(&e, Error::UnsupportedKey(what) if what.contains("P-384")), "{e:?}");
}

#[test]
fn debug_shows_subject_and_thumbprint_never_the_key() {
    let cert = modern_p12();
    let debug = format!("{cert:?} {cert:#?}");
    assert!(debug.contains("test-only client"), "{debug}");
    assert!(debug.contains(cert.thumbprint_sha1_hex()), "{debug}");
    let key = key_pem();
    let base64_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    // No 16-character run of the key's base64 appears.
    for start in (0..base64_body.len() - 16).step_by(16) {
        assert_no_secrets("Certificate's Debug", &debug, &[&base64_body[start..start + 16]]);
    }
    assert!(format!("{cert:?}").len() < 250, "short: {cert:?}");
}

/// Measures RS256 signing: `cargo test -p unimicro-auth --release --test it sign_rs256 -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: run it in release"]
fn sign_rs256_time() {
    use unimicro_auth::{AssertionClaims, CertificateSigner};
    let cert = modern_p12();
    let signer = CertificateSigner::new(cert.clone());
    let claims = AssertionClaims::new(
        "client",
        "https://login.test-only.example/connect/token",
        SystemTime::now(),
        Duration::from_secs(60),
    );
    let first = signer.sign_claims(&claims).unwrap();
    crate::support::verify_assertion(secrecy::ExposeSecret::expose_secret(&first), &cert);
    const N: u32 = 1000;
    let start = std::time::Instant::now();
    for _ in 0..N {
        std::hint::black_box(signer.sign_claims(std::hint::black_box(&claims)).unwrap());
    }
    let per = start.elapsed() / N;
    println!("RS256 assertion (RSA 2048): {per:?} per signature, {:.0}/s", 1.0 / per.as_secs_f64());
    assert!(per < Duration::from_millis(50), "{per:?}");
}
