//! Raw JSON access to any path of the API, with the same authentication, `CompanyKey`, retries and
//! error mapping as the typed requests.

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::request::QueryParams;
use crate::{CompanyHandler, Error, Result};

impl<'c> CompanyHandler<'c> {
    /// `GET` any path under the API base, answering the JSON as a [`serde_json::Value`].
    ///
    /// `path` is relative to the API base (`api/biz/accounts`; a leading `/` is allowed). Its
    /// segments are percent-encoded as needed; a query written into `path` is used as written, while
    /// [`query`](RawRequest::query) parameters are encoded for you.
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// let periods = company.get_json("api/biz/periods").query("filter", "AccountYear eq 2024").await?;
    /// let user = company.get_json("/api/biz/users?action=current-session").await?;
    /// # let _ = (periods, user); Ok(()) }
    /// ```
    pub fn get_json(&self, path: &str) -> RawRequest<'c> {
        self.send_json(Method::GET, path, None)
    }

    /// Sends `method` to any path under the API base with an optional JSON body, answering the JSON
    /// (an empty answer as [`Value::Null`]). See [`get_json`](Self::get_json) for `path`.
    pub fn send_json(&self, method: Method, path: &str, body: Option<Value>) -> RawRequest<'c> {
        RawRequest {
            company: self.clone(),
            method,
            path: path.to_owned(),
            params: Vec::new(),
            body: body.map(|b| serde_json::to_vec(&b).map_err(|e| e.to_string())),
            retry: None,
        }
    }
}

/// A request to any path: made by [`CompanyHandler::get_json`] and [`CompanyHandler::send_json`];
/// `.await` it or call [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RawRequest<'c> {
    company: CompanyHandler<'c>,
    method: Method,
    path: String,
    params: Vec<(String, String)>,
    body: Option<std::result::Result<Vec<u8>, String>>,
    retry: Option<bool>,
}

impl RawRequest<'_> {
    /// Adds a query parameter (`&name=value`, percent-encoded).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    /// Whether a `POST` or `PATCH` may be retried on a transient failure, overriding the client's
    /// [`RetryPolicy::retry_post`](crate::RetryPolicy::retry_post).
    pub fn retry(mut self, yes: bool) -> Self {
        self.retry = Some(yes);
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a path that is empty, absolute (`https://…`) or climbs out of the
    /// API base (`..`), or a body that can't be serialized (nothing is sent); [`Error::Api`];
    /// [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`] when the answer is not JSON.
    pub async fn send(self) -> Result<Value> {
        let (path, inline_query) = match self.path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (self.path.as_str(), None),
        };
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let bad = |why: &str| Err(Error::InvalidInput(format!("the path {:?} {why}", self.path)));
        if path.contains("://") || path.starts_with("//") {
            return bad("must be relative to the API base (e.g. `api/biz/customers`), not a full URL");
        }
        if segments.iter().all(|s| s.is_empty()) {
            return bad("is empty: give a path under the API base such as `api/biz/customers`");
        }
        if segments.iter().any(|s| *s == ".." || *s == ".") {
            return bad("must not contain `.` or `..` segments");
        }
        let mut request = self.company.request(self.method, &segments)?;
        if let Some(query) = inline_query.filter(|q| !q.is_empty()) {
            request.url.set_query(Some(query));
        }
        request = request.query(&QueryParams { other: self.params, ..QueryParams::default() });
        if let Some(body) = self.body {
            let body =
                body.map_err(|e| Error::InvalidInput(format!("could not serialize the body as JSON: {e}")))?;
            request = request.json_body(body);
        }
        request.retry_post = self.retry;
        self.company.client().execute(request).await?.json_or_null()
    }
}

crate::request::into_future!(RawRequest<'c> => Value);
