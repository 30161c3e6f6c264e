//! Throwaway self-signed certificates for tests and the examples.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SignatureAlgorithm};
use secrecy::{ExposeSecret, SecretString};
use unimicro_auth::Certificate;

use crate::{Error, Result};

/// A self-signed certificate and its private key, made on the spot: **for tests only**.
///
/// Valid from one day ago for 30 days. Register it with
/// [`MockClient::certificate_pem`](crate::MockClient::certificate_pem) (or let
/// [`MockClient::test_certificate`](crate::MockClient::test_certificate) make one), and load it
/// on the client side with [`TestCertificate::certificate`]. Its `Debug` never shows the key.
///
/// ```no_run
/// use unimicro_mock::TestCertificate;
///
/// let test_cert = TestCertificate::generate("my-test-client")?;
/// let cert = test_cert.certificate()?; // a unimicro_auth::Certificate, ready to sign assertions
/// # Ok::<(), unimicro_mock::Error>(())
/// ```
#[derive(Clone)]
pub struct TestCertificate {
    common_name: String,
    cert_pem: String,
    der: Vec<u8>,
    key_pem: SecretString,
}

impl TestCertificate {
    /// A certificate with an RSA 2048 key and subject `CN={common_name}`.
    ///
    /// # Errors
    /// [`Error::KeyGeneration`] if the key or certificate can't be made.
    pub fn generate(common_name: &str) -> Result<Self> {
        Self::generate_with(common_name, &rcgen::PKCS_RSA_SHA256)
    }

    /// A certificate with an EC P-256 key (for ES256 assertions) and subject `CN={common_name}`.
    ///
    /// # Errors
    /// [`Error::KeyGeneration`] if the key or certificate can't be made.
    pub fn generate_ec(common_name: &str) -> Result<Self> {
        Self::generate_with(common_name, &rcgen::PKCS_ECDSA_P256_SHA256)
    }

    fn generate_with(common_name: &str, alg: &'static SignatureAlgorithm) -> Result<Self> {
        let failed = |what, e: rcgen::Error| Error::KeyGeneration { what, reason: e.to_string() };
        let key = KeyPair::generate_for(alg).map_err(|e| failed("a test certificate key", e))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("a test certificate", e))?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, common_name);
        params.distinguished_name = name;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let epoch = rcgen::date_time_ymd(1970, 1, 1);
        let day = Duration::from_secs(86_400);
        params.not_before = epoch + now.saturating_sub(day);
        params.not_after = epoch + now + 30 * day;
        let cert = params.self_signed(&key).map_err(|e| failed("a test certificate", e))?;
        Ok(Self {
            common_name: common_name.to_owned(),
            cert_pem: cert.pem(),
            der: cert.der().to_vec(),
            key_pem: SecretString::from(key.serialize_pem()),
        })
    }

    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The certificate as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Test-only key
    /// material: don't log it.
    pub fn key_pem(&self) -> &str {
        self.key_pem.expose_secret()
    }

    /// The subject's common name.
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// The certificate and key as a [`Certificate`], what a client signs its assertions with.
    ///
    /// # Errors
    /// [`Error::Certificate`] if [`Certificate::from_pem`] rejects it.
    pub fn certificate(&self) -> Result<Certificate> {
        Certificate::from_pem(&self.cert_pem, self.key_pem.expose_secret()).map_err(Error::Certificate)
    }
}

impl fmt::Debug for TestCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCertificate")
            .field("common_name", &self.common_name)
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::ClientKey;

    #[test]
    fn generated_certificates_parse_and_debug_hides_the_key() {
        for cert in
            [TestCertificate::generate("rsa-client").unwrap(), TestCertificate::generate_ec("ec").unwrap()]
        {
            assert!(cert.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
            assert!(cert.key_pem().starts_with("-----BEGIN PRIVATE KEY-----"));
            let key = ClientKey::from_certificate_der(cert.der()).unwrap();
            assert!(key.not_before < SystemTime::now() && SystemTime::now() < key.not_after);
            let debug = format!("{cert:?}");
            assert!(debug.contains(cert.common_name()), "{debug}");
            assert!(!debug.contains("PRIVATE"), "{debug}");
            let key_body: String = cert.key_pem().lines().nth(1).unwrap().chars().take(20).collect();
            assert!(!debug.contains(&key_body), "{debug}");
        }
    }
}
