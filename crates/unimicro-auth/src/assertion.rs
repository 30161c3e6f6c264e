//! Client assertions (RFC 7523 `private_key_jwt`): the claims, the signer trait and the certificate signer.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::SecretString;
use serde::Serialize;

use crate::{Certificate, Error, Result};

/// A JWS algorithm for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: what Unimicro's guide uses, and the default for RSA keys.
    RS256,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA on P-256 with SHA-256: the default for P-256 keys.
    ES256,
}

impl SigningAlgorithm {
    /// The name used in a JWS header (`RS256` …).
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::RS256 => "RS256",
            SigningAlgorithm::PS256 => "PS256",
            SigningAlgorithm::ES256 => "ES256",
        }
    }
}

/// What to put in the assertion header's `kid`.
///
/// Servers differ: IdentityServer and .NET match the upper-case SHA-1 hex thumbprint
/// ([`KeyIdStyle::Thumbprint`], the default); servers with a registered JWKS match the JWK's `kid`;
/// and some reject any `kid` they don't know ([`KeyIdStyle::None`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyIdStyle {
    /// The certificate's SHA-1 thumbprint in upper-case hex, as .NET's `X509SecurityKey` sets it.
    #[default]
    Thumbprint,
    /// The same value as `x5t` (base64url SHA-1).
    X5t,
    /// A string of your own, e.g. the `kid` of the JWK registered with the server.
    Custom(String),
    /// No `kid` at all.
    None,
}

/// The audience (`aud`) of client assertions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AssertionAudience {
    /// The token endpoint's URL (RFC 7523; what Unimicro's guide uses). The default.
    #[default]
    TokenEndpoint,
    /// The issuer from discovery (or the authority when there is no discovery).
    Issuer,
    /// A value of your own.
    Custom(String),
}

/// The claims of one client assertion, made fresh for every token request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AssertionClaims {
    /// `iss`: the client id.
    pub iss: String,
    /// `sub`: the client id.
    pub sub: String,
    /// `aud`: the token endpoint or issuer.
    pub aud: String,
    /// `jti`: a new UUID v4 for every assertion.
    pub jti: String,
    /// `iat`: issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// `nbf`: not before, seconds since the Unix epoch (equal to `iat`).
    pub nbf: u64,
    /// `exp`: expiry, seconds since the Unix epoch.
    pub exp: u64,
}

impl AssertionClaims {
    /// Claims for `client_id` and `audience`, issued `now`, valid for `lifetime`, with a new `jti`.
    pub fn new(client_id: &str, audience: &str, now: SystemTime, lifetime: std::time::Duration) -> Self {
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Self {
            iss: client_id.to_owned(),
            sub: client_id.to_owned(),
            aud: audience.to_owned(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat,
            nbf: iat,
            exp: iat + lifetime.as_secs().max(1),
        }
    }
}

/// Makes client assertions: implement it for a key held elsewhere (a KMS, an HSM) or for assertions
/// made by another service. [`CertificateSigner`] is the implementation for a [`Certificate`].
///
/// Return the compact JWS (`header.claims.signature`). The claims to sign are given; keep their `jti`.
#[async_trait]
pub trait ClientAssertionSigner: Send + Sync + fmt::Debug + 'static {
    /// Signs `claims` and returns the compact JWS.
    ///
    /// # Errors
    /// Whatever stops the signing; use [`Error::Signing`] for failures of your own.
    async fn sign(&self, claims: &AssertionClaims) -> Result<SecretString>;

    /// The thumbprint of the key, to tell tokens for different keys apart in a cache (optional).
    fn key_thumbprint(&self) -> Option<String> {
        None
    }
}

/// Signs client assertions with a [`Certificate`]'s private key.
///
/// ```no_run
/// use unimicro_auth::{Certificate, CertificateSigner, KeyIdStyle, SigningAlgorithm};
///
/// let cert = Certificate::from_pkcs12_file("client.p12", "password")?;
/// let signer = CertificateSigner::new(cert)
///     .algorithm(SigningAlgorithm::PS256)
///     .key_id(KeyIdStyle::X5t)
///     .include_x5c(true);
/// # Ok::<(), unimicro_auth::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CertificateSigner {
    certificate: Certificate,
    algorithm: SigningAlgorithm,
    key_id: KeyIdStyle,
    x5t_s256: bool,
    x5c: bool,
}

impl CertificateSigner {
    /// A signer with the defaults: the key's default algorithm (RS256 for RSA), `kid` = SHA-1
    /// thumbprint hex, `x5t` set, no `x5t#S256`, no `x5c`.
    pub fn new(certificate: Certificate) -> Self {
        let algorithm = certificate.default_algorithm();
        Self { certificate, algorithm, key_id: KeyIdStyle::default(), x5t_s256: false, x5c: false }
    }

    /// The signing algorithm (must suit the key: checked by [`CertificateSigner::sign_claims`]).
    pub fn algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// What to put in `kid`.
    pub fn key_id(mut self, style: KeyIdStyle) -> Self {
        self.key_id = style;
        self
    }

    /// Whether to add `x5t#S256` (SHA-256 thumbprint) to the header.
    pub fn include_x5t_s256(mut self, yes: bool) -> Self {
        self.x5t_s256 = yes;
        self
    }

    /// Whether to add `x5c` (the certificate, base64 DER) to the header.
    pub fn include_x5c(mut self, yes: bool) -> Self {
        self.x5c = yes;
        self
    }

    /// The certificate signed with.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Signs `claims` into a compact JWS.
    ///
    /// # Errors
    /// [`Error::UnsupportedKey`] when the algorithm doesn't suit the key.
    pub fn sign_claims(&self, claims: &AssertionClaims) -> Result<SecretString> {
        if !self.certificate.supports(self.algorithm) {
            return Err(Error::UnsupportedKey(format!(
                "a {:?} key cannot sign {}",
                self.certificate.key_kind(),
                self.algorithm.as_str()
            )));
        }
        let kid = match &self.key_id {
            KeyIdStyle::Thumbprint => Some(self.certificate.thumbprint_sha1_hex()),
            KeyIdStyle::X5t => Some(self.certificate.x5t()),
            KeyIdStyle::Custom(kid) => Some(kid.as_str()),
            KeyIdStyle::None => None,
        };
        let header = Header {
            alg: self.algorithm.as_str(),
            typ: "JWT",
            kid,
            x5t: self.certificate.x5t(),
            x5t_s256: self.x5t_s256.then(|| self.certificate.x5t_s256()),
            x5c: self.x5c.then(|| [STANDARD.encode(self.certificate.der())]),
        };
        let mut jws = encode_json(&header);
        jws.push('.');
        jws.push_str(&encode_json(claims));
        let signature = self.certificate.sign(self.algorithm, jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(SecretString::from(jws))
    }
}

#[async_trait]
impl ClientAssertionSigner for CertificateSigner {
    async fn sign(&self, claims: &AssertionClaims) -> Result<SecretString> {
        self.sign_claims(claims)
    }

    fn key_thumbprint(&self) -> Option<String> {
        Some(self.certificate.thumbprint_sha1_hex().to_owned())
    }
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    x5t: &'a str,
    #[serde(rename = "x5t#S256", skip_serializing_if = "Option::is_none")]
    x5t_s256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x5c: Option<[String; 1]>,
}

fn encode_json(value: &impl Serialize) -> String {
    // Serializing these plain structs cannot fail.
    let json = serde_json::to_vec(value).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn claims_are_fresh_and_consistent() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = AssertionClaims::new("client", "https://idp/connect/token", now, Duration::from_secs(60));
        let b = AssertionClaims::new("client", "https://idp/connect/token", now, Duration::from_secs(60));
        assert_ne!(a.jti, b.jti);
        assert_eq!(a.iss, "client");
        assert_eq!(a.sub, "client");
        assert_eq!(a.iat, 1_700_000_000);
        assert_eq!(a.nbf, a.iat);
        assert_eq!(a.exp, a.iat + 60);
        assert_eq!(uuid::Uuid::parse_str(&a.jti).unwrap().get_version_num(), 4);
    }
}
