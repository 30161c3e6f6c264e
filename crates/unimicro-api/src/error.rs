//! The one error type of this crate, and how API answers become errors.

use std::fmt;

use http::{Method, StatusCode};
use serde_json::Value;
use url::Url;

/// Result alias with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling the Unimicro API.
///
/// Classified by where it failed: the API answered with an error status ([`Error::Api`]), getting a
/// token failed ([`Error::Auth`]), the request could not be completed ([`Error::Transport`]), the
/// answer was not what was expected ([`Error::Decode`]), or the input was refused before anything was
/// sent ([`Error::InvalidInput`]). No variant holds a token, secret or password.
///
/// ```no_run
/// # async fn run(client: unimicro_api::Client) {
/// match client.company("my-company-key").settings().await {
///     Ok(settings) => println!("{:?}", settings.company_name),
///     Err(e) if e.is_unauthorized() => eprintln!("the token was refused: {e}"),
///     Err(e) => {
///         eprintln!("{e}");
///         for v in e.validation_messages() {
///             eprintln!("  {}: {}", v.property, v.message);
///         }
///     }
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status that is not 2xx.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// No access token could be had (the token endpoint refused the client, or could not be reached).
    /// Reached through the middleware stack; [`Error::auth_error`] returns it.
    #[error("could not authenticate to the API")]
    Auth(#[source] unimicro_auth::Error),

    /// The request could not be completed: connection, TLS, timeout, or another middleware failed.
    #[error("the request could not be completed")]
    Transport(#[source] reqwest_middleware::Error),

    /// The API answered 2xx, but its body is not what was expected.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// The input was refused before anything was sent (a company key that can't be a header value,
    /// a missing environment variable, a bad URL …). The message says what to do.
    #[error("{0}")]
    InvalidInput(String),
}

impl Error {
    /// The HTTP status the API answered, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether the API answered 401 Unauthorized: the token was refused even after the
    /// authentication middleware fetched a fresh one and replayed the request.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED) && matches!(self, Error::Api(_))
    }

    /// Whether the API answered 403 Forbidden (the client lacks the rights or the company grant).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN) && matches!(self, Error::Api(_))
    }

    /// Whether the API answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND) && matches!(self, Error::Api(_))
    }

    /// Whether trying again later may succeed: 5xx, 429 and 408 answers, timeouts and connection
    /// failures, and transient token failures.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(e) => {
                e.status.is_server_error()
                    || e.status == StatusCode::TOO_MANY_REQUESTS
                    || e.status == StatusCode::REQUEST_TIMEOUT
            }
            Error::Auth(e) => e.is_transient(),
            Error::Transport(e) => e.is_timeout() || e.is_connect() || e.is_request(),
            _ => false,
        }
    }

    /// The error of getting a token, if that is what failed.
    pub fn auth_error(&self) -> Option<&unimicro_auth::Error> {
        match self {
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// The API's error answer, if the API answered with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The validation messages of a 400 answer (empty for every other error).
    pub fn validation_messages(&self) -> &[ValidationMessage] {
        match self {
            Error::Api(e) => &e.validation,
            _ => &[],
        }
    }

    /// Sorts an error of the middleware stack: a `unimicro_auth::Error` anywhere in the source chain of
    /// `reqwest_middleware::Error::Middleware` (also when a retry middleware wrapped it) becomes
    /// [`Error::Auth`], anything else [`Error::Transport`].
    pub(crate) fn from_middleware(error: reqwest_middleware::Error) -> Self {
        match unimicro_auth::auth_error(&error) {
            Some(auth) => Error::Auth(auth.clone()),
            None => Error::Transport(error),
        }
    }
}

/// How many bytes of an error answer's body are kept.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The API answered with a status that is not 2xx.
///
/// Keeps the status and the raw body (up to 64 KiB) whatever its format, and what could be parsed from
/// it: a message (a plain string body, `Message`, `message`, `Messages[].Message`, the `<title>` of an
/// HTML page) and the validation messages of every `_validationResults` object anywhere in the body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    method: Method,
    url: Url,
    message: Option<String>,
    validation: Vec<ValidationMessage>,
    body: String,
    body_truncated: bool,
}

impl ApiError {
    /// Reads what it can from an error answer. `body` is at most [`MAX_ERROR_BODY`] bytes;
    /// `truncated` says whether more was left unread.
    pub(crate) fn new(
        method: Method,
        url: Url,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
        truncated: bool,
    ) -> Self {
        let text = String::from_utf8_lossy(body).into_owned();
        let (message, validation) = match serde_json::from_slice::<Value>(body) {
            Ok(json) => {
                let mut validation = Vec::new();
                collect_validation(&json, &mut validation);
                (json_message(&json), validation)
            }
            Err(_) => (text_message(&text, content_type), Vec::new()),
        };
        Self { status, method, url, message, validation, body: text, body_truncated: truncated }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The method of the request that failed.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL of the request that failed.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The message the API gave, if one could be found in the body.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The validation messages collected from every `_validationResults` in the body.
    pub fn validation_messages(&self) -> &[ValidationMessage] {
        &self.validation
    }

    /// The body as the API sent it (invalid UTF-8 replaced), whatever its format, cut at 64 KiB.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether the body was longer than what [`body`](Self::body) holds.
    pub fn body_truncated(&self) -> bool {
        self.body_truncated
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} answered HTTP {}", self.method, self.url.path(), self.status)?;
        if let Some(m) = &self.message {
            write!(f, ": {}", one_line(m, 300))?;
        } else if let Some(v) = self.validation.first() {
            write!(f, ": {}", one_line(&v.message, 300))?;
        }
        match self.validation.len() {
            0 => Ok(()),
            1 => write!(f, " (1 validation message)"),
            n => write!(f, " ({n} validation messages)"),
        }
    }
}

impl std::error::Error for ApiError {}

/// One message of a `_validationResults` object: which property of which entity failed which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationMessage {
    /// The property the message is about (the key in `_validationResults`).
    pub property: String,
    /// The message.
    pub message: String,
    /// The entity type, when the API gave one (`EntityType`).
    pub entity_type: Option<String>,
}

/// The answer was 2xx, but its body was not what was expected.
#[derive(Debug)]
pub struct DecodeError {
    status: StatusCode,
    path: String,
    reason: Option<String>,
    body_excerpt: String,
    source: Option<serde_json::Error>,
}

impl DecodeError {
    pub(crate) fn json(
        status: StatusCode,
        body: &[u8],
        error: serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let path = error.path().to_string();
        Self {
            status,
            path: if path == "." { String::new() } else { path },
            reason: None,
            body_excerpt: excerpt(body, 200),
            source: Some(error.into_inner()),
        }
    }

    pub(crate) fn unexpected(status: StatusCode, body: &[u8], reason: impl Into<String>) -> Self {
        Self {
            status,
            path: String::new(),
            reason: Some(reason.into()),
            body_excerpt: excerpt(body, 200),
            source: None,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON path where decoding failed, e.g. `[0].ID` or `DefaultAddress.City`; empty for the
    /// document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The start of the body (up to 200 characters), for diagnosis.
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected response body (HTTP {})", self.status)?;
        if !self.path.is_empty() {
            write!(f, " at `{}`", self.path)?;
        }
        if let Some(reason) = &self.reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// The message of a JSON error body, in the order Unimicro's own web client looks for it.
fn json_message(json: &Value) -> Option<String> {
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
    if let Value::String(s) = json {
        return text(Some(json)).map(str::to_owned).or_else(|| (!s.is_empty()).then(|| s.clone()));
    }
    let obj = json.as_object()?;
    if let Some(m) = text(obj.get("Message")).or_else(|| text(obj.get("message"))) {
        return Some(m.to_owned());
    }
    if let Some(Value::Array(items)) = obj.get("Messages").or_else(|| obj.get("messages")) {
        let joined: Vec<&str> = items
            .iter()
            .filter_map(|m| match m {
                Value::String(_) => text(Some(m)),
                _ => text(m.get("Message")).or_else(|| text(m.get("message"))),
            })
            .collect();
        if !joined.is_empty() {
            return Some(joined.join("; "));
        }
    }
    ["title", "error_description", "error", "ExceptionMessage"]
        .iter()
        .find_map(|k| text(obj.get(*k)))
        .map(str::to_owned)
}

/// Collects the messages of every `_validationResults` object anywhere in `json`.
fn collect_validation(json: &Value, out: &mut Vec<ValidationMessage>) {
    match json {
        Value::Object(obj) => {
            for (key, value) in obj {
                if key.eq_ignore_ascii_case("_validationResults") {
                    read_validation_results(value, out);
                } else {
                    collect_validation(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_validation(v, out)),
        _ => {}
    }
}

/// Reads `{ "<Property>": [ { "Message": "...", "EntityType": "..." } ] }`.
fn read_validation_results(value: &Value, out: &mut Vec<ValidationMessage>) {
    let Some(obj) = value.as_object() else { return };
    for (property, results) in obj {
        let results = match results {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for result in results {
            let message = match result {
                Value::String(s) => Some(s.clone()),
                _ => result
                    .get("Message")
                    .or_else(|| result.get("message"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            if let Some(message) = message {
                let entity_type = result.get("EntityType").and_then(Value::as_str).map(str::to_owned);
                out.push(ValidationMessage { property: property.clone(), message, entity_type });
            }
        }
    }
}

/// The message of a body that is not JSON: an HTML page's `<title>`, or plain text.
fn text_message(text: &str, content_type: Option<&str>) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let html = content_type.is_some_and(|c| c.contains("html")) || trimmed.starts_with('<');
    if html {
        let lower = trimmed.to_ascii_lowercase();
        let start = lower.find("<title")?;
        let start = start + lower[start..].find('>')? + 1;
        let end = start + lower[start..].find("</title")?;
        let title = trimmed.get(start..end)?.trim();
        return (!title.is_empty()).then(|| one_line(title, 300));
    }
    Some(one_line(trimmed, 300))
}

/// `text` on one line, control characters replaced, cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut out: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn excerpt(body: &[u8], max: usize) -> String {
    one_line(&String::from_utf8_lossy(body), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, content_type: Option<&str>, body: &str) -> ApiError {
        ApiError::new(
            Method::GET,
            Url::parse("https://api.test/api/biz/things").unwrap(),
            StatusCode::from_u16(status).unwrap(),
            content_type,
            body.as_bytes(),
            false,
        )
    }

    #[test]
    fn message_from_each_shape() {
        assert_eq!(
            api(401, None, r#"{"Message":"Authorization has been denied"}"#).message(),
            Some("Authorization has been denied")
        );
        assert_eq!(api(400, None, r#"{"message":"lower"}"#).message(), Some("lower"));
        assert_eq!(
            api(400, None, r#"{"Messages":[{"Message":"one"},{"Message":"two"}]}"#).message(),
            Some("one; two")
        );
        assert_eq!(api(500, None, r#""a json string""#).message(), Some("a json string"));
        assert_eq!(
            api(500, Some("text/plain"), "plain text\nsecond line").message(),
            Some("plain text second line")
        );
        assert_eq!(
            api(404, Some("text/html"), "<html><head><TITLE> Not here </TITLE></head><body>x</body></html>")
                .message(),
            Some("Not here")
        );
        assert_eq!(api(404, None, "<html><body>no title</body></html>").message(), None);
        assert_eq!(api(502, None, "").message(), None);
        assert_eq!(api(500, None, r#"{"ExceptionMessage":"boom"}"#).message(), Some("boom"));
    }

    #[test]
    fn validation_results_anywhere() {
        let body = r#"{
            "Message": "Validation failed",
            "_validationResults": {"Name": [{"Message": "Name is required", "EntityType": "Customer"}]},
            "Info": {"DefaultEmail": {"_validationResults": {"EmailAddress": [{"Message": "Bad email"}]}}},
            "Items": [{"_validationResults": {"Amount": [{"Message": "Too big"}, {"Message": "Negative"}]}}]
        }"#;
        let e = api(400, None, body);
        let got: Vec<(&str, &str)> =
            e.validation_messages().iter().map(|v| (v.property.as_str(), v.message.as_str())).collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got.contains(&("Name", "Name is required")));
        assert!(got.contains(&("EmailAddress", "Bad email")));
        assert!(got.contains(&("Amount", "Too big")));
        assert!(got.contains(&("Amount", "Negative")));
        assert_eq!(
            e.validation_messages().iter().find(|v| v.property == "Name").unwrap().entity_type.as_deref(),
            Some("Customer")
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with("GET /api/biz/things answered HTTP 400 Bad Request: Validation failed"),
            "{shown}"
        );
        assert!(shown.ends_with("(4 validation messages)"), "{shown}");
    }

    #[test]
    fn display_falls_back_to_the_first_validation_message() {
        let e = api(400, None, r#"{"_validationResults":{"Name":[{"Message":"Name is required"}]}}"#);
        assert_eq!(
            e.to_string(),
            "GET /api/biz/things answered HTTP 400 Bad Request: Name is required (1 validation message)"
        );
    }

    #[test]
    fn raw_body_kept_even_when_not_json() {
        let e = api(404, Some("text/html"), "<html>gone</html>");
        assert_eq!(e.body(), "<html>gone</html>");
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert!(!e.body_truncated());
    }

    #[test]
    fn one_line_cuts_and_cleans() {
        assert_eq!(one_line("a\tb\u{7}c", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }

    #[test]
    fn accessors_by_variant() {
        let e = Error::Api(Box::new(api(401, None, "{}")));
        assert!(e.is_unauthorized());
        assert!(!e.is_forbidden());
        assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(e.auth_error().is_none());
        let e = Error::Auth(unimicro_auth::Error::WrongPassword);
        assert!(e.auth_error().is_some());
        assert!(!e.is_unauthorized());
        assert_eq!(e.status(), None);
        assert_eq!(e.to_string(), "could not authenticate to the API");
        assert!(Error::Api(Box::new(api(503, None, ""))).is_transient());
        assert!(!Error::Api(Box::new(api(404, None, ""))).is_transient());
    }

    #[test]
    fn middleware_errors_are_sorted() {
        let wrapped = reqwest_middleware::Error::middleware(unimicro_auth::Error::Config("x".into()));
        assert!(matches!(Error::from_middleware(wrapped), Error::Auth(unimicro_auth::Error::Config(_))));
        let other = reqwest_middleware::Error::middleware(std::io::Error::other("retry gave up"));
        assert!(matches!(Error::from_middleware(other), Error::Transport(_)));
    }
}
