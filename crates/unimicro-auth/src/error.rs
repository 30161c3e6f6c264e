//! The one error type of this crate.

use std::path::PathBuf;
use std::sync::Arc;

use http::StatusCode;

/// Result alias with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading credentials or getting a token.
///
/// Errors are cheap to clone (sources are shared), so one failed token request can be handed to every
/// caller that waited for it. No variant ever holds a token, secret, password, assertion or private key.
///
/// Use [`Error::is_transient`] to decide whether trying again later can help, and
/// [`Error::oauth`] to read an RFC 6749 error answered by the token endpoint.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate or key file could not be read.
    #[error("could not read `{}`: check that the file exists and is readable", path.display())]
    ReadFile {
        /// The path that was tried.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The password of a PKCS#12 file or of an encrypted PEM key is wrong (its integrity check or
    /// decryption failed).
    #[error(
        "the password is wrong: the PKCS#12 file or encrypted key could not be opened with the password given"
    )]
    WrongPassword,

    /// The input is not a certificate or key in the expected format, or is damaged.
    #[error("invalid {format} input: {reason}")]
    InvalidFormat {
        /// What was expected: `PKCS#12`, `PEM certificate`, `PEM private key` …
        format: &'static str,
        /// What is wrong, and what to do about it.
        reason: String,
    },

    /// The PKCS#12 file or PEM input holds no private key.
    #[error(
        "no private key found: the {0} input holds only certificates; export it again with its private key"
    )]
    NoPrivateKey(&'static str),

    /// The private key does not belong to the certificate.
    #[error(
        "the private key does not match the certificate (subject `{subject}`): pair the certificate with the key it was issued for"
    )]
    KeyMismatch {
        /// Subject of the certificate that was checked.
        subject: String,
    },

    /// The key type or size is not supported.
    #[error("unsupported key: {0}; use an RSA key (2048 bits or more) or an EC P-256 key")]
    UnsupportedKey(String),

    /// The configuration given to a builder is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// OpenID Connect discovery failed.
    #[error("OpenID Connect discovery at `{url}` failed: {reason}")]
    Discovery {
        /// The discovery document's URL.
        url: String,
        /// What went wrong.
        reason: String,
    },

    /// The discovery document names another issuer than the configured authority.
    #[error(
        "discovery document's issuer `{found}` does not match the authority `{expected}`: configure the authority exactly as the server names itself"
    )]
    IssuerMismatch {
        /// The configured authority.
        expected: String,
        /// The issuer the document gives.
        found: String,
    },

    /// The token endpoint answered with an RFC 6749 §5.2 error.
    #[error("{0}")]
    OAuth(Box<OAuthError>),

    /// The server answered with a status or body that is not what the protocol expects.
    #[error("unexpected response from {context} (HTTP {status}): {excerpt}")]
    UnexpectedResponse {
        /// Which request this was (`token endpoint`, `discovery`).
        context: &'static str,
        /// HTTP status.
        status: StatusCode,
        /// A short, sanitized excerpt of the body, or what was wrong with it.
        excerpt: String,
        /// The server's request id, if it sent one.
        request_id: Option<String>,
    },

    /// The request did not complete in time.
    #[error("request to the {0} timed out")]
    Timeout(&'static str),

    /// The connection failed or broke (DNS, TLS, refused, reset …).
    #[error("request to the {context} failed")]
    Transport {
        /// Which request this was.
        context: &'static str,
        /// The transport error.
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// A [`ClientAssertionSigner`](crate::ClientAssertionSigner) could not produce an assertion.
    #[error("could not sign the client assertion")]
    Signing(#[source] Arc<dyn std::error::Error + Send + Sync>),

    /// The token store failed.
    #[error("token store failed: {0}")]
    Store(String),
}

impl Error {
    /// Whether trying the same thing again later may succeed: timeouts, connection failures,
    /// HTTP 5xx and 429. Configuration, credential and RFC 6749 errors such as `invalid_client` are permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Transport { .. } | Error::Store(_) | Error::Discovery { .. } => true,
            Error::OAuth(e) => is_transient_status(e.status),
            Error::UnexpectedResponse { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }

    /// The RFC 6749 error the token endpoint answered, if this is one.
    pub fn oauth(&self) -> Option<&OAuthError> {
        match self {
            Error::OAuth(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status the server answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::OAuth(e) => Some(e.status),
            Error::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn read_file(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::ReadFile { path: path.to_path_buf(), source: Arc::new(source) }
    }

    pub(crate) fn transport(context: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout(context)
        } else {
            Error::Transport { context, source: Arc::new(source) }
        }
    }
}

pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// An RFC 6749 §5.2 error answered by a token endpoint (`invalid_client`, `invalid_scope` …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub(crate) code: String,
    pub(crate) description: Option<String>,
    pub(crate) uri: Option<String>,
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
}

impl OAuthError {
    /// The `error` code, e.g. `invalid_client`.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The `error_description`, if given.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// The `error_uri`, if given.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The server's request id (`x-request-id` or similar header), for its operators.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "token endpoint answered `{}` (HTTP {})", self.code, self.status.as_u16())?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if let Some(hint) = oauth_hint(&self.code) {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

fn oauth_hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "invalid_client" => {
            "check the client id, and that the certificate or secret is the one registered for it"
        }
        "invalid_scope" => "request only scopes the client is registered for",
        "unauthorized_client" => "the client is not allowed the client_credentials grant",
        "invalid_grant" => {
            "the client assertion was refused: check its audience, lifetime and the system clock"
        }
        _ => return None,
    })
}

/// Cuts a server's text to a short, printable excerpt with no control characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    if out.trim().is_empty() { "<empty body>".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        let oauth = |status: u16| {
            Error::OAuth(Box::new(OAuthError {
                code: "x".into(),
                description: None,
                uri: None,
                status: StatusCode::from_u16(status).unwrap(),
                request_id: None,
            }))
        };
        assert!(oauth(503).is_transient());
        assert!(oauth(429).is_transient());
        assert!(!oauth(400).is_transient());
        assert!(!oauth(401).is_transient());
        assert!(Error::Timeout("token endpoint").is_transient());
        assert!(!Error::WrongPassword.is_transient());
    }

    #[test]
    fn excerpt_is_short_and_clean() {
        let long = "a\u{7}b".repeat(200);
        let e = excerpt(long.as_bytes());
        assert!(e.chars().count() <= 201);
        assert!(!e.contains('\u{7}'));
        assert_eq!(excerpt(b"  "), "<empty body>");
    }
}
