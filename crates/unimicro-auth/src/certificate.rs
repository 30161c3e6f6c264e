//! X.509 certificates with their private keys, loaded from PKCS#12 or PEM.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED_SIGNING,
    EcdsaKeyPair, KeyPair as _, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p12_keystore::Pkcs12Archive;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::{Error, Result, SigningAlgorithm};

/// An X.509 certificate together with its private key: what a client signs its assertions with.
///
/// Cheap to clone. Loading checks that the key belongs to the certificate. Its `Debug` shows the
/// subject and thumbprint, never key material.
///
/// ```no_run
/// use unimicro_auth::Certificate;
///
/// let password = std::env::var("CERT_PASSWORD")?;
/// let cert = Certificate::from_pkcs12_file("client.p12", &password)?;
/// println!("{} expires {:?}", cert.subject(), cert.not_after());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Inner>,
}

struct Inner {
    der: Vec<u8>,
    subject: String,
    not_before: SystemTime,
    not_after: SystemTime,
    thumbprint_sha1_hex: String,
    x5t: String,
    x5t_s256: String,
    key: SigningKey,
}

/// The kind of private key a [`Certificate`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// An RSA key of this many bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// An ECDSA key on NIST P-256.
    EcP256,
}

pub(crate) enum SigningKey {
    Rsa(RsaKeyPair),
    EcP256(EcdsaKeyPair),
}

impl Certificate {
    /// Loads a PKCS#12 (`.p12`/`.pfx`) file protected by `password` (may be empty).
    ///
    /// # Errors
    /// [`Error::ReadFile`] naming the path when it can't be read; otherwise as [`Certificate::from_pkcs12_der`].
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &str) -> Result<Self> {
        let path = path.as_ref();
        let der = std::fs::read(path).map_err(|e| Error::read_file(path, e))?;
        Self::from_pkcs12_der(&der, password)
    }

    /// Reads PKCS#12 bytes protected by `password` (may be empty).
    ///
    /// Reads files as `openssl pkcs12 -export` writes them today (AES-256-CBC, PBKDF2, SHA-256 MAC) and
    /// legacy ones (RC2-40 and 3DES, SHA-1 MAC, as Windows and older tools export them). When the file
    /// also carries a CA chain, the certificate whose public key matches the private key is taken.
    ///
    /// # Errors
    /// [`Error::WrongPassword`], [`Error::InvalidFormat`] (not PKCS#12), [`Error::NoPrivateKey`],
    /// [`Error::KeyMismatch`], [`Error::UnsupportedKey`].
    pub fn from_pkcs12_der(der: &[u8], password: &str) -> Result<Self> {
        let archive = Pkcs12Archive::from_pkcs12(der, password).map_err(|e| pkcs12_error(der, e))?;
        if archive.keys.is_empty() {
            return Err(Error::NoPrivateKey("PKCS#12"));
        }
        let certs = archive
            .certs
            .iter()
            .map(|bag| ParsedCert::from_der(bag.cert.as_der().to_vec(), "PKCS#12"))
            .collect::<Result<Vec<_>>>()?;
        let keys = archive.keys.iter().map(|bag| load_key(KeyDer::Pkcs8(bag.key.as_der())));
        pair(keys, certs, "PKCS#12")
    }

    /// Reads a PEM certificate and an unencrypted PEM private key (PKCS#1 `RSA PRIVATE KEY`,
    /// PKCS#8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY`).
    ///
    /// `cert_pem` may hold a chain (leaf and CA certificates, in any order): the certificate whose
    /// public key matches the key is taken. Text around the PEM sections is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidFormat`], [`Error::NoPrivateKey`], [`Error::KeyMismatch`], [`Error::UnsupportedKey`].
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self> {
        let certs = pem_certificates(cert_pem)?;
        let key = pem_private_key(key_pem)?;
        pair([load_key(KeyDer::from(&key))], certs, "PEM")
    }

    /// Reads a PEM certificate and an encrypted PKCS#8 PEM private key (`ENCRYPTED PRIVATE KEY`,
    /// PBES2 as `openssl pkcs8 -topk8` writes it: PBKDF2 or scrypt with AES or 3DES).
    ///
    /// A key that turns out not to be encrypted is read as [`Certificate::from_pem`] would (with a
    /// warning that the password was not used).
    ///
    /// # Errors
    /// As [`Certificate::from_pem`], and [`Error::WrongPassword`].
    pub fn from_encrypted_pem(cert_pem: &str, key_pem: &str, password: &str) -> Result<Self> {
        let certs = pem_certificates(cert_pem)?;
        let invalid =
            |reason: &str| Error::InvalidFormat { format: "PEM private key", reason: reason.into() };
        let Some(block) = pem_block(key_pem, ENCRYPTED_LABEL) else {
            let key = pem_private_key(key_pem)?;
            tracing::warn!("the PEM private key is not encrypted; the password given was not used");
            return pair([load_key(KeyDer::from(&key))], certs, "PEM");
        };
        let (_, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
            .map_err(|_| invalid("the ENCRYPTED PRIVATE KEY section is not valid PEM (damaged base64?)"))?;
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
            .map_err(|_| invalid("the ENCRYPTED PRIVATE KEY section is not an encrypted PKCS#8 key"))?;
        let decrypted = info.decrypt(password).map_err(|e| match e {
            pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::UnsupportedAlgorithm { .. }
                | pkcs8::pkcs5::Error::NoPbes1CryptSupport
                | pkcs8::pkcs5::Error::AlgorithmParametersInvalid { .. },
            ) => invalid(
                "the key is encrypted with a scheme this library cannot read; re-encrypt it with \
                 `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-aes.pem`",
            ),
            // Decryption failed, or "succeeded" into bytes that are not a key: the password is wrong.
            _ => Error::WrongPassword,
        })?;
        pair([load_key(KeyDer::Pkcs8(decrypted.as_bytes()))], certs, "PEM")
    }

    /// Reads a PEM certificate file and a PEM key file; `password` is for an encrypted key.
    ///
    /// # Errors
    /// [`Error::ReadFile`] naming the path, [`Error::InvalidFormat`] naming a file that is not text,
    /// otherwise as [`Certificate::from_pem`] and [`Certificate::from_encrypted_pem`].
    pub fn from_pem_files(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        password: Option<&str>,
    ) -> Result<Self> {
        let read = |p: &Path| {
            let bytes = std::fs::read(p).map_err(|e| Error::read_file(p, e))?;
            String::from_utf8(bytes).map_err(|_| Error::InvalidFormat {
                format: "PEM",
                reason: format!(
                    "`{}` is not PEM text (a binary DER or PKCS#12 file?); a .p12/.pfx file loads with \
                     Certificate::from_pkcs12_file",
                    p.display()
                ),
            })
        };
        let cert = read(cert_path.as_ref())?;
        let key = read(key_path.as_ref())?;
        match password {
            Some(pw) => Self::from_encrypted_pem(&cert, &key, pw),
            None => Self::from_pem(&cert, &key),
        }
    }

    /// SHA-1 thumbprint of the certificate's DER, upper-case hex: what .NET uses as `kid`.
    pub fn thumbprint_sha1_hex(&self) -> &str {
        &self.inner.thumbprint_sha1_hex
    }

    /// The `x5t` header value: base64url (no padding) of the SHA-1 of the certificate's DER.
    pub fn x5t(&self) -> &str {
        &self.inner.x5t
    }

    /// The `x5t#S256` header value: base64url (no padding) of the SHA-256 of the certificate's DER.
    pub fn x5t_s256(&self) -> &str {
        &self.inner.x5t_s256
    }

    /// The subject's distinguished name, e.g. `CN=my-client`.
    pub fn subject(&self) -> &str {
        &self.inner.subject
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.inner.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.inner.not_after
    }

    /// The certificate in DER form (what `x5c` carries, base64).
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }

    /// The kind of key the certificate holds.
    pub fn key_kind(&self) -> KeyKind {
        match &self.inner.key {
            SigningKey::Rsa(k) => KeyKind::Rsa { bits: k.public_modulus_len() * 8 },
            SigningKey::EcP256(_) => KeyKind::EcP256,
        }
    }

    /// Whether this certificate's key can sign with `alg`.
    pub fn supports(&self, alg: SigningAlgorithm) -> bool {
        matches!(
            (&self.inner.key, alg),
            (SigningKey::Rsa(_), SigningAlgorithm::RS256 | SigningAlgorithm::PS256)
                | (SigningKey::EcP256(_), SigningAlgorithm::ES256)
        )
    }

    /// The algorithm used when none is chosen: RS256 for RSA keys, ES256 for P-256 keys.
    pub fn default_algorithm(&self) -> SigningAlgorithm {
        match self.inner.key {
            SigningKey::Rsa(_) => SigningAlgorithm::RS256,
            SigningKey::EcP256(_) => SigningAlgorithm::ES256,
        }
    }

    /// Signs `message` with `alg` (a JWS signature: PKCS#1 v1.5, PSS, or fixed-size ECDSA).
    pub(crate) fn sign(&self, alg: SigningAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        use aws_lc_rs::signature;
        let rng = SystemRandom::new();
        let failed = || Error::UnsupportedKey(format!("this key cannot sign with {alg:?}"));
        match (&self.inner.key, alg) {
            (SigningKey::Rsa(key), SigningAlgorithm::RS256 | SigningAlgorithm::PS256) => {
                let padding: &'static dyn signature::RsaEncoding = if alg == SigningAlgorithm::RS256 {
                    &signature::RSA_PKCS1_SHA256
                } else {
                    &signature::RSA_PSS_SHA256
                };
                let mut sig = vec![0; key.public_modulus_len()];
                key.sign(padding, &rng, message, &mut sig).map_err(|_| failed())?;
                Ok(sig)
            }
            (SigningKey::EcP256(key), SigningAlgorithm::ES256) => {
                Ok(key.sign(&rng, message).map_err(|_| failed())?.as_ref().to_vec())
            }
            _ => Err(failed()),
        }
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.inner.subject)
            .field("thumbprint", &self.inner.thumbprint_sha1_hex)
            .field("key", &self.key_kind())
            .field("not_after", &self.inner.not_after)
            .finish_non_exhaustive()
    }
}

const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// The smallest and largest RSA keys accepted, in bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// A certificate parsed from DER, before a key is paired with it.
struct ParsedCert {
    der: Vec<u8>,
    subject: String,
    not_before: SystemTime,
    not_after: SystemTime,
    /// The SubjectPublicKeyInfo's algorithm OID (dotted), and the curve OID for EC keys.
    algorithm: String,
    curve: Option<String>,
    /// The SubjectPublicKeyInfo's `subjectPublicKey` bits.
    public_key: Vec<u8>,
}

impl ParsedCert {
    fn from_der(der: Vec<u8>, source: &'static str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidFormat { format: source, reason };
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| invalid(format!("a certificate in it is not valid X.509 ({e})")))?;
        let spki = cert.public_key();
        let validity = cert.validity();
        let parsed = Self {
            subject: cert.subject().to_string(),
            not_before: system_time(validity.not_before.timestamp()),
            not_after: system_time(validity.not_after.timestamp()),
            algorithm: spki.algorithm.algorithm.to_id_string(),
            curve: spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string()),
            public_key: spki.subject_public_key.data.to_vec(),
            der: Vec::new(),
        };
        Ok(Self { der, ..parsed })
    }

    /// Whether `key` is the private half of this certificate's public key.
    fn matches(&self, key: &SigningKey) -> bool {
        match key {
            SigningKey::Rsa(key) => {
                self.algorithm == OID_RSA && rsa_public_key_eq(key, &self.public_key).unwrap_or(false)
            }
            SigningKey::EcP256(key) => {
                self.algorithm == OID_EC
                    && self.curve.as_deref() == Some(OID_P256)
                    && ec_point_eq(key.public_key().as_ref(), &self.public_key)
            }
        }
    }
}

fn system_time(unix_seconds: i64) -> SystemTime {
    let magnitude = Duration::from_secs(unix_seconds.unsigned_abs());
    let time = if unix_seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(magnitude)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(magnitude)
    };
    time.unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Pairs the first key that loads and matches a certificate with that certificate.
fn pair(
    keys: impl IntoIterator<Item = Result<SigningKey>>,
    certs: Vec<ParsedCert>,
    source: &'static str,
) -> Result<Certificate> {
    let Some(first) = certs.first() else {
        return Err(Error::InvalidFormat {
            format: source,
            reason: "it holds a private key but no certificate; export the certificate with its key".into(),
        });
    };
    let mismatch = Error::KeyMismatch { subject: first.subject.clone() };
    let mut first_error = None;
    for key in keys {
        match key {
            Ok(key) => {
                if let Some(cert) = certs.iter().find(|c| c.matches(&key)) {
                    return Ok(Certificate::new(cert, key));
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(mismatch))
}

impl Certificate {
    fn new(cert: &ParsedCert, key: SigningKey) -> Self {
        use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, digest};
        let sha1 = digest(&SHA1_FOR_LEGACY_USE_ONLY, &cert.der);
        let sha256 = digest(&SHA256, &cert.der);
        let now = SystemTime::now();
        if now > cert.not_after {
            tracing::warn!(subject = %cert.subject, not_after = ?cert.not_after,
                "the certificate has expired: servers will refuse assertions signed with it; get a new one");
        } else if now < cert.not_before {
            tracing::warn!(subject = %cert.subject, not_before = ?cert.not_before,
                "the certificate is not valid yet: servers may refuse assertions signed with it");
        }
        Self {
            inner: Arc::new(Inner {
                der: cert.der.clone(),
                subject: cert.subject.clone(),
                not_before: cert.not_before,
                not_after: cert.not_after,
                thumbprint_sha1_hex: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
                x5t: URL_SAFE_NO_PAD.encode(sha1),
                x5t_s256: URL_SAFE_NO_PAD.encode(sha256),
                key,
            }),
        }
    }
}

/// The certificates of a PEM text, in order.
fn pem_certificates(cert_pem: &str) -> Result<Vec<ParsedCert>> {
    let format = "PEM certificate";
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .map(|c| c.map_err(|e| Error::InvalidFormat { format, reason: pem_error(&e) }))
        .map(|c| c.and_then(|der| ParsedCert::from_der(der.to_vec(), format)))
        .collect::<Result<Vec<_>>>()?;
    if certs.is_empty() {
        let reason = if cert_pem.contains("-----BEGIN") {
            "it holds no CERTIFICATE section"
        } else {
            "no PEM data found (expected `-----BEGIN CERTIFICATE-----`); for a .p12/.pfx file use \
             Certificate::from_pkcs12_file"
        };
        return Err(Error::InvalidFormat { format, reason: reason.into() });
    }
    Ok(certs)
}

/// The first unencrypted private key of a PEM text (an encrypted one is an error saying how to load it).
fn pem_private_key(key_pem: &str) -> Result<PrivateKeyDer<'static>> {
    let format = "PEM private key";
    if let Some(reason) = encrypted_pem_hint(key_pem) {
        return Err(Error::InvalidFormat { format, reason: reason.to_owned() });
    }
    PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound if key_pem.contains("-----BEGIN") => {
            Error::NoPrivateKey("PEM")
        }
        rustls_pki_types::pem::Error::NoItemsFound => Error::InvalidFormat {
            format,
            reason: "no PEM data found (expected `-----BEGIN PRIVATE KEY-----`); for a .p12/.pfx file use \
                     Certificate::from_pkcs12_file"
                .into(),
        },
        other => Error::InvalidFormat { format, reason: pem_error(&other) },
    })
}

/// Why an encrypted key can't be read without a password (or at all), if it is encrypted.
fn encrypted_pem_hint(key_pem: &str) -> Option<&'static str> {
    if pem_block(key_pem, ENCRYPTED_LABEL).is_some() {
        Some(
            "the key is encrypted (ENCRYPTED PRIVATE KEY): load it with its password, with \
             Certificate::from_encrypted_pem or from_pem_files(.., Some(password))",
        )
    } else if key_pem.contains("Proc-Type: 4,ENCRYPTED") {
        Some(
            "the key is encrypted in OpenSSL's legacy PEM format, which is not supported: convert it \
             with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem`",
        )
    } else {
        None
    }
}

/// The text of the first PEM section labelled `label`, BEGIN and END lines included.
fn pem_block<'a>(pem: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)?;
    let stop = start + pem[start..].find(&end)? + end.len();
    Some(&pem[start..stop])
}

/// Describes a PEM syntax error without quoting the input (which may be key material).
fn pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { .. } => "a PEM section has no END line (is the file truncated?)",
        E::IllegalSectionStart { .. } => "a PEM BEGIN line is malformed",
        E::Base64Decode(_) => "the base64 inside a PEM section is damaged",
        E::SectionTooLarge => "a PEM section is too large",
        _ => "the PEM text could not be read",
    }
    .to_owned()
}

/// Maps a PKCS#12 decoding failure to what the user should know.
fn pkcs12_error(der: &[u8], e: p12_keystore::error::Error) -> Error {
    use p12_keystore::error::Error as P;
    let invalid = |reason: String| Error::InvalidFormat { format: "PKCS#12", reason };
    match e {
        P::MacError(_) | P::UnpadError => Error::WrongPassword,
        P::Pkcs5Error(msg) if msg.contains("decryption failed") => Error::WrongPassword,
        P::Pkcs5Error(_) | P::UnsupportedEncryptionScheme | P::UnsupportedMacAlgorithm => invalid(
            "it is protected with an algorithm this library cannot read; export it again with \
             `openssl pkcs12 -export` (AES-256-CBC, the default)"
                .into(),
        ),
        P::InvalidParameters => invalid(
            "its encryption parameters are invalid or too costly (more than 1,000,000 iterations)".into(),
        ),
        P::UnsupportedCertificateType => invalid("it holds a certificate that is not X.509".into()),
        other if looks_like_pkcs12(der) => invalid(format!(
            "the PKCS#12 data could not be read ({other}): the file may be damaged or use an encoding \
             this library does not read; export it again with `openssl pkcs12 -export`"
        )),
        _ => invalid(
            "this is not a PKCS#12 (.p12/.pfx) file; a PEM certificate and key load with \
             Certificate::from_pem_files"
                .into(),
        ),
    }
}

/// Whether `der` starts like a PFX: a SEQUENCE whose first element is the INTEGER 3.
fn looks_like_pkcs12(der: &[u8]) -> bool {
    use x509_parser::der_parser::ber::parse_ber_sequence;
    parse_ber_sequence(der)
        .ok()
        .and_then(|(_, seq)| seq.as_sequence().ok()?.first()?.as_u32().ok())
        .is_some_and(|version| version == 3)
}

/// A private key in one of the encodings read.
enum KeyDer<'a> {
    /// PKCS#8 `PrivateKeyInfo`.
    Pkcs8(&'a [u8]),
    /// PKCS#1 `RSAPrivateKey`.
    Pkcs1(&'a [u8]),
    /// SEC1 `ECPrivateKey`.
    Sec1(&'a [u8]),
}

impl<'a> From<&'a PrivateKeyDer<'_>> for KeyDer<'a> {
    fn from(key: &'a PrivateKeyDer<'_>) -> Self {
        match key {
            PrivateKeyDer::Pkcs1(k) => KeyDer::Pkcs1(k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(k) => KeyDer::Sec1(k.secret_sec1_der()),
            PrivateKeyDer::Pkcs8(k) => KeyDer::Pkcs8(k.secret_pkcs8_der()),
            // Future encodings: try PKCS#8, the most general, and let it fail clearly.
            other => KeyDer::Pkcs8(other.secret_der()),
        }
    }
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";

/// What a key algorithm (and, for EC, its curve) is, in words, when it is not supported.
fn unsupported_algorithm(algorithm: &str, curve: Option<&str>) -> Option<String> {
    let name = match (algorithm, curve) {
        (OID_RSA, _) | (OID_EC, Some(OID_P256)) => return None,
        (OID_EC, Some("1.3.132.0.34")) => "an EC P-384 key".into(),
        (OID_EC, Some("1.3.132.0.35")) => "an EC P-521 key".into(),
        (OID_EC, Some("1.3.132.0.10")) => "an EC secp256k1 key".into(),
        (OID_EC, Some(curve)) => format!("an EC key on curve {curve}"),
        (OID_EC, None) => "an EC key with no named curve".into(),
        ("1.2.840.113549.1.1.10", _) => "an RSASSA-PSS-only key".into(),
        ("1.3.101.112", _) => "an Ed25519 key".into(),
        ("1.3.101.113", _) => "an Ed448 key".into(),
        ("1.3.101.110", _) => "an X25519 key".into(),
        ("1.3.101.111", _) => "an X448 key".into(),
        ("1.2.840.10040.4.1", _) => "a DSA key".into(),
        (other, _) => format!("a key of algorithm {other}"),
    };
    Some(name)
}

/// Loads a private key for signing, naming what is wrong when it can't be used.
fn load_key(key: KeyDer<'_>) -> Result<SigningKey> {
    let damaged = |what: &str| Error::InvalidFormat {
        format: "private key",
        reason: format!("the {what} key is damaged or not a key"),
    };
    match key {
        KeyDer::Pkcs8(der) => {
            let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| damaged("PKCS#8"))?;
            let algorithm = info.algorithm.oid.to_string();
            let curve = info.algorithm.parameters_oid().ok().map(|o| o.to_string());
            if let Some(name) = unsupported_algorithm(&algorithm, curve.as_deref()) {
                return Err(Error::UnsupportedKey(name));
            }
            if algorithm == OID_RSA {
                check_rsa_size(info.private_key.as_bytes())?;
                RsaKeyPair::from_pkcs8(der).map(SigningKey::Rsa).map_err(|_| damaged("RSA"))
            } else {
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map(SigningKey::EcP256)
                    .map_err(|_| damaged("EC P-256"))
            }
        }
        KeyDer::Pkcs1(der) => {
            check_rsa_size(der)?;
            RsaKeyPair::from_der(der).map(SigningKey::Rsa).map_err(|_| damaged("PKCS#1 RSA"))
        }
        KeyDer::Sec1(der) => EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map(SigningKey::EcP256)
            .map_err(|_| {
                let other_curve = [
                    (&ECDSA_P384_SHA384_FIXED_SIGNING, "an EC P-384 key"),
                    (&ECDSA_P521_SHA512_FIXED_SIGNING, "an EC P-521 key"),
                ]
                .into_iter()
                .find(|(alg, _)| EcdsaKeyPair::from_private_key_der(alg, der).is_ok());
                match other_curve {
                    Some((_, name)) => Error::UnsupportedKey(name.into()),
                    None => damaged("SEC1 EC"),
                }
            }),
    }
}

/// Fails with [`Error::UnsupportedKey`] when a PKCS#1 RSA private key's modulus is out of range.
fn check_rsa_size(pkcs1: &[u8]) -> Result<()> {
    match rsa_modulus_bits(pkcs1) {
        Some(bits) if !RSA_BITS.contains(&bits) => {
            Err(Error::UnsupportedKey(format!("an RSA key of {bits} bits")))
        }
        _ => Ok(()),
    }
}

/// The size in bits of a PKCS#1 `RSAPrivateKey`'s modulus (its second INTEGER).
fn rsa_modulus_bits(pkcs1: &[u8]) -> Option<usize> {
    use x509_parser::der_parser::der::parse_der_sequence;
    let (_, seq) = parse_der_sequence(pkcs1).ok()?;
    let modulus = seq.as_sequence().ok()?.get(1)?.as_slice().ok()?;
    Some(significant_bits(modulus))
}

/// The number of significant bits of a big-endian unsigned integer.
fn significant_bits(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Whether an RSA key pair's public key is the `RSAPublicKey` DER `spki_key` (modulus and exponent
/// compared as numbers, so a non-minimal encoding in the certificate still matches).
fn rsa_public_key_eq(key: &RsaKeyPair, spki_key: &[u8]) -> Option<bool> {
    use x509_parser::der_parser::der::parse_der_sequence;
    let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(key.public_key());
    let (_, seq) = parse_der_sequence(spki_key).ok()?;
    let seq = seq.as_sequence().ok()?;
    let (n, e) = (seq.first()?.as_slice().ok()?, seq.get(1)?.as_slice().ok()?);
    Some(
        strip_leading_zeros(n) == strip_leading_zeros(&components.n)
            && strip_leading_zeros(e) == strip_leading_zeros(&components.e),
    )
}

/// Whether the uncompressed point `ours` (`04 || X || Y`) is the point `theirs`, which may be
/// uncompressed or compressed (`02|03 || X`, the prefix giving Y's parity).
fn ec_point_eq(ours: &[u8], theirs: &[u8]) -> bool {
    match theirs.first() {
        Some(0x04) => ours == theirs,
        Some(prefix @ (0x02 | 0x03)) if ours.len() == 2 * theirs.len() - 1 => {
            let coordinate = theirs.len() - 1;
            let (x, y) = ours[1..].split_at(coordinate);
            let y_odd = y.last().is_some_and(|b| b & 1 == 1);
            x == &theirs[1..] && y_odd == (*prefix == 0x03)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_become_system_times() {
        assert_eq!(system_time(0), SystemTime::UNIX_EPOCH);
        assert_eq!(system_time(86_400), SystemTime::UNIX_EPOCH + Duration::from_secs(86_400));
        assert_eq!(system_time(-86_400), SystemTime::UNIX_EPOCH - Duration::from_secs(86_400));
    }

    #[test]
    fn key_algorithms_are_named() {
        assert_eq!(unsupported_algorithm(OID_RSA, None), None);
        assert_eq!(unsupported_algorithm(OID_EC, Some(OID_P256)), None);
        assert_eq!(unsupported_algorithm(OID_EC, Some("1.3.132.0.34")).unwrap(), "an EC P-384 key");
        assert_eq!(unsupported_algorithm("1.3.101.112", None).unwrap(), "an Ed25519 key");
        assert_eq!(unsupported_algorithm("1.2.840.10040.4.1", None).unwrap(), "a DSA key");
        assert_eq!(unsupported_algorithm("1.2.3.4", None).unwrap(), "a key of algorithm 1.2.3.4");
    }

    #[test]
    fn bits_are_counted_from_the_first_set_bit() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(significant_bits(&[0x01, 0xff]), 9);
        assert_eq!(significant_bits(&[0x00]), 0);
        assert_eq!(significant_bits(&[]), 0);
    }

    #[test]
    fn compressed_and_uncompressed_points_compare() {
        let x = [7u8; 32];
        let mut y = [9u8; 32];
        let uncompressed = |y: &[u8]| [&[0x04], &x[..], y].concat();
        let ours = uncompressed(&y);
        assert!(ec_point_eq(&ours, &ours));
        // Y ends in 9 (odd): prefix 03.
        assert!(ec_point_eq(&ours, &[&[0x03], &x[..]].concat()));
        assert!(!ec_point_eq(&ours, &[&[0x02], &x[..]].concat()));
        y[31] = 8;
        assert!(!ec_point_eq(&ours, &uncompressed(&y)));
        assert!(!ec_point_eq(&ours, &[]));
        assert!(!ec_point_eq(&ours, &[0x03, 1, 2]));
    }

    #[test]
    fn pem_blocks_are_found_by_label() {
        let pem =
            "junk\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\nmore";
        let block = pem_block(pem, ENCRYPTED_LABEL).unwrap();
        assert!(block.starts_with("-----BEGIN ENCRYPTED") && block.ends_with("KEY-----"));
        assert!(pem_block(pem, "CERTIFICATE").is_none());
        assert!(encrypted_pem_hint(pem).unwrap().contains("password"));
        assert!(encrypted_pem_hint("Proc-Type: 4,ENCRYPTED").unwrap().contains("openssl pkcs8"));
        assert!(encrypted_pem_hint("-----BEGIN PRIVATE KEY-----").is_none());
    }

    #[test]
    fn pkcs12_errors_are_classified() {
        let e = pkcs12_error(b"not der", p12_keystore::error::Error::InvalidVersion);
        assert!(e.to_string().contains("not a PKCS#12"), "{e}");
        // SEQUENCE { INTEGER 3 }: starts like a PFX, so the file is called damaged, not foreign.
        let e = pkcs12_error(&[0x30, 0x03, 0x02, 0x01, 0x03], p12_keystore::error::Error::InvalidData);
        assert!(e.to_string().contains("damaged"), "{e}");
        assert!(matches!(pkcs12_error(&[], p12_keystore::error::Error::UnpadError), Error::WrongPassword));
    }

    #[test]
    fn garbage_keys_are_invalid_not_panics() {
        for key in [KeyDer::Pkcs8(b"\x30\x00"), KeyDer::Pkcs1(b"junk"), KeyDer::Sec1(&[])] {
            assert!(matches!(load_key(key), Err(Error::InvalidFormat { .. })));
        }
    }
}
