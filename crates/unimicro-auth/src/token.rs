//! The access token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

/// An access token issued by the token endpoint.
///
/// Cheap to clone. Its `Debug` shows the type, scopes and expiry, never the token: read the token
/// with [`AccessToken::secret`], and only to send it.
#[derive(Clone)]
pub struct AccessToken {
    secret: Arc<SecretString>,
    token_type: String,
    issued_at: SystemTime,
    expires_at: SystemTime,
    scopes: Vec<String>,
}

impl AccessToken {
    /// A token valid from `issued_at` (when its request was sent) until `expires_at`.
    ///
    /// Token stores use this to rebuild a token they hold.
    pub fn new(
        secret: impl Into<String>,
        token_type: impl Into<String>,
        issued_at: SystemTime,
        expires_at: SystemTime,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            secret: Arc::new(SecretString::from(secret.into())),
            token_type: token_type.into(),
            issued_at,
            expires_at,
            scopes,
        }
    }

    /// The token itself: the one way to read it. Never log it.
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The `token_type`, usually `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// When the request that got this token was sent: its lifetime is counted from here.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When the token expires.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// How long the token was issued for.
    pub fn lifetime(&self) -> Duration {
        self.expires_at.duration_since(self.issued_at).unwrap_or_default()
    }

    /// The scopes granted (the response's `scope`, or the ones requested when it has none).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The value of an `Authorization` header carrying this token: `Bearer <token>`.
    ///
    /// The scheme is `Bearer` whatever the case the server used for `token_type`, as RFC 6750 names it.
    pub fn authorization_value(&self) -> String {
        let scheme = if self.token_type.eq_ignore_ascii_case("bearer") { "Bearer" } else { &self.token_type };
        format!("{scheme} {}", self.secret())
    }

    /// Whether `other` is the very same token (same secret).
    pub fn same_token(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.secret, &other.secret) || self.secret() == other.secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let now = SystemTime::now();
        let t = AccessToken::new("eyJsecret-token", "bearer", now, now + Duration::from_secs(60), vec![]);
        let dbg = format!("{t:?} {t:#?}");
        assert!(!dbg.contains("eyJsecret-token"), "{dbg}");
        assert!(dbg.contains("[redacted]"));
        assert_eq!(t.authorization_value(), "Bearer eyJsecret-token");
        assert_eq!(t.lifetime(), Duration::from_secs(60));
    }
}
