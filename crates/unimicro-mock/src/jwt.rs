//! Compact JWS: decoding, the server's RS256 signing key, and client keys taken from certificates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::{Error, Result};

/// A decoded compact JWS whose signature has not been checked yet.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// `base64url(header) "." base64url(claims)`: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits and decodes `token`; says what is malformed otherwise.
    pub(crate) fn decode(token: &'a str) -> Result<Self, String> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("it is not a compact JWS (three base64url parts separated by dots)".into());
        };
        let object = |part: &str, what: &str| -> Result<Map<String, Value>, String> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| format!("the {what} is not base64url without padding"))?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(format!("the {what} is not a JSON object")),
            }
        };
        let header = object(h, "header")?;
        let claims = object(c, "claims part")?;
        let signature = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "the signature is not base64url without padding".to_owned())?;
        Ok(Self { header, claims, signing_input: &token[..h.len() + 1 + c.len()], signature })
    }

    /// The header's `alg`, if it is a string.
    pub(crate) fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// A string claim.
    pub(crate) fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric-date claim (seconds since the epoch) as a time; `Err` when present but not a number.
    pub(crate) fn time_claim(&self, name: &str) -> Result<Option<SystemTime>, String> {
        match self.claims.get(name) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(secs) if secs >= 0.0 && secs.is_finite() => {
                    Ok(Some(UNIX_EPOCH + Duration::from_secs_f64(secs)))
                }
                _ => Err(format!("`{name}` is not a NumericDate (seconds since 1970)")),
            },
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// The mock identity server's own RS256 key, made at start, that signs access tokens.
pub(crate) struct ServerKey {
    key: RsaKeyPair,
    kid: String,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl ServerKey {
    /// A new RSA 2048 key with a random key id.
    pub(crate) fn generate() -> Result<Self> {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| Error::KeyGeneration {
            what: "the mock server's RSA signing key",
            reason: e.to_string(),
        })?;
        let kid = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        Ok(Self { key, kid })
    }

    /// The public key as a JWK, for the JWKS document.
    pub(crate) fn jwk(&self) -> Value {
        let public = self.key.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// Signs `claims` into a compact RS256 JWS with header `typ` = `at+jwt`.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "kid": self.kid, "typ": "at+jwt" });
        let mut jws = encode_part(&header);
        jws.push('.');
        jws.push_str(&encode_part(claims));
        let mut sig = vec![0; self.key.public_modulus_len()];
        // Signing with a freshly generated 2048-bit key into a buffer of the modulus size cannot fail.
        if self
            .key
            .sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), jws.as_bytes(), &mut sig)
            .is_err()
        {
            sig.clear();
        }
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(sig));
        jws
    }

    /// Checks that `jws` is RS256 and signed by this key.
    pub(crate) fn verify(&self, jws: &Jws<'_>) -> bool {
        if jws.alg() != Some("RS256") {
            return false;
        }
        let public = self.key.public_key().as_ref();
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public)
            .verify(jws.signing_input.as_bytes(), &jws.signature)
            .is_ok()
    }
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The public key of a certificate registered for a client: what its assertions are verified with.
#[derive(Debug, Clone)]
pub(crate) struct ClientKey {
    kind: ClientKeyKind,
    /// SHA-1 thumbprint of the certificate, upper-case hex (for messages).
    pub(crate) thumbprint: String,
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
}

#[derive(Debug, Clone)]
enum ClientKeyKind {
    /// PKCS#1 `RSAPublicKey` DER.
    Rsa(Vec<u8>),
    /// Uncompressed P-256 point.
    EcP256(Vec<u8>),
}

/// Why a signature was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SignatureProblem {
    /// The algorithm is not one this key can make (or not a supported one at all).
    Algorithm,
    /// The signature does not verify.
    Invalid,
}

impl ClientKey {
    /// Takes the public key out of an X.509 certificate (DER).
    pub(crate) fn from_certificate_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| format!("it is not a DER X.509 certificate ({e})"))?;
        let spki = cert.public_key();
        let key_bytes = spki.subject_public_key.data.to_vec();
        let kind = if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
            ClientKeyKind::Rsa(key_bytes)
        } else if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
            if curve.as_ref() != Some(&OID_EC_P256) {
                return Err("its EC key is not on P-256; use an RSA or a P-256 key".into());
            }
            ClientKeyKind::EcP256(key_bytes)
        } else {
            return Err(format!(
                "its key type ({}) is not supported; use an RSA or a P-256 key",
                spki.algorithm.algorithm
            ));
        };
        let time = |t: &x509_parser::time::ASN1Time| {
            let secs = t.timestamp();
            if secs >= 0 { UNIX_EPOCH + Duration::from_secs(secs as u64) } else { UNIX_EPOCH }
        };
        let thumbprint = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        Ok(Self {
            kind,
            thumbprint,
            not_before: time(&cert.validity().not_before),
            not_after: time(&cert.validity().not_after),
        })
    }

    /// Verifies a JWS signature made with `alg` over `message`.
    pub(crate) fn verify(&self, alg: &str, message: &[u8], sig: &[u8]) -> Result<(), SignatureProblem> {
        let (algorithm, key): (&'static dyn signature::VerificationAlgorithm, &[u8]) = match (alg, &self.kind)
        {
            ("RS256", ClientKeyKind::Rsa(k)) => (&signature::RSA_PKCS1_2048_8192_SHA256, k),
            ("PS256", ClientKeyKind::Rsa(k)) => (&signature::RSA_PSS_2048_8192_SHA256, k),
            ("ES256", ClientKeyKind::EcP256(k)) => (&signature::ECDSA_P256_SHA256_FIXED, k),
            _ => return Err(SignatureProblem::Algorithm),
        };
        UnparsedPublicKey::new(algorithm, key).verify(message, sig).map_err(|_| SignatureProblem::Invalid)
    }
}

/// Reads every `CERTIFICATE` block of a PEM text as DER.
pub(crate) fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut rest = pem.as_bytes();
    while let Ok((next, block)) = x509_parser::pem::parse_x509_pem(rest) {
        if block.label == "CERTIFICATE" {
            out.push(block.contents);
        }
        rest = next;
    }
    if out.is_empty() {
        return Err("no `-----BEGIN CERTIFICATE-----` block found in the PEM text".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_key_signs_and_verifies_its_own_tokens_only() {
        let key = ServerKey::generate().unwrap();
        let other = ServerKey::generate().unwrap();
        let token = key.sign(&json!({"sub": "x"}));
        let jws = Jws::decode(&token).unwrap();
        assert_eq!(jws.str_claim("sub"), Some("x"));
        assert_eq!(jws.header["kid"], key.jwk()["kid"]);
        assert!(key.verify(&jws));
        assert!(!other.verify(&jws));
        let jwk = key.jwk();
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap().len(), 256);
    }

    #[test]
    fn malformed_tokens_are_described() {
        assert!(Jws::decode("a.b").unwrap_err().contains("three"));
        assert!(Jws::decode("a.b.c.d").unwrap_err().contains("three"));
        assert!(Jws::decode("!!.e30.AA").unwrap_err().contains("header"));
        let not_object = format!("{}.{}.AA", URL_SAFE_NO_PAD.encode("{}"), URL_SAFE_NO_PAD.encode("[1]"));
        assert!(Jws::decode(&not_object).unwrap_err().contains("claims"));
    }

    #[test]
    fn time_claims_must_be_numbers() {
        let token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(r#"{"exp":"soon","nbf":1700000000}"#)
        );
        let jws = Jws::decode(&token).unwrap();
        assert!(jws.time_claim("exp").is_err());
        assert_eq!(jws.time_claim("nbf").unwrap(), Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        assert_eq!(jws.time_claim("iat").unwrap(), None);
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(ClientKey::from_certificate_der(b"nope").unwrap_err().contains("X.509"));
        assert!(pem_certificates("hello").unwrap_err().contains("BEGIN CERTIFICATE"));
    }
}
