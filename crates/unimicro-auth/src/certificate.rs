//! X.509 certificates with their private keys, loaded from PKCS#12 or PEM.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, RsaKeyPair};

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
    /// # Errors
    /// [`Error::WrongPassword`], [`Error::InvalidFormat`] (not PKCS#12), [`Error::NoPrivateKey`],
    /// [`Error::KeyMismatch`], [`Error::UnsupportedKey`].
    pub fn from_pkcs12_der(der: &[u8], password: &str) -> Result<Self> {
        let _ = (der, password);
        todo!("certificate loading")
    }

    /// Reads a PEM certificate and an unencrypted PEM private key (PKCS#1 `RSA PRIVATE KEY`,
    /// PKCS#8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY`).
    ///
    /// # Errors
    /// [`Error::InvalidFormat`], [`Error::NoPrivateKey`], [`Error::KeyMismatch`], [`Error::UnsupportedKey`].
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self> {
        let _ = (cert_pem, key_pem);
        todo!("certificate loading")
    }

    /// Reads a PEM certificate and an encrypted PKCS#8 PEM private key (`ENCRYPTED PRIVATE KEY`).
    ///
    /// # Errors
    /// As [`Certificate::from_pem`], and [`Error::WrongPassword`].
    pub fn from_encrypted_pem(cert_pem: &str, key_pem: &str, password: &str) -> Result<Self> {
        let _ = (cert_pem, key_pem, password);
        todo!("certificate loading")
    }

    /// Reads a PEM certificate file and a PEM key file; `password` is for an encrypted key.
    ///
    /// # Errors
    /// [`Error::ReadFile`] naming the path, otherwise as [`Certificate::from_pem`].
    pub fn from_pem_files(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        password: Option<&str>,
    ) -> Result<Self> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| Error::read_file(p, e));
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
