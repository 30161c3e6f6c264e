//! The one request core every handler uses: building a request, sending it, turning the answer into
//! a value or an [`Error`], and the query parameters.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ApiError, DecodeError, MAX_ERROR_BODY};
use crate::{Client, Error, Filter, Result};

/// A request about to be sent: what handlers build and [`Client::execute`] sends.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    /// Whether a `POST`/`PATCH` may be retried, overriding the client's [`RetryPolicy`](crate::RetryPolicy).
    pub(crate) retry_post: Option<bool>,
}

impl ApiRequest {
    /// Adds the query parameters to the URL.
    pub(crate) fn query(mut self, params: &QueryParams) -> Self {
        params.apply(&mut self.url);
        self
    }

    /// Sends `body`, already serialized JSON, as the body.
    pub(crate) fn json_body(mut self, body: Vec<u8>) -> Self {
        self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(body);
        self
    }
}

/// A successful (2xx) answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) body: Bytes,
}

impl Answer {
    /// Decodes the body as JSON into `T`, naming the JSON path on failure.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode(self.status, &self.body)
    }

    /// Whether the body is empty (or only white space).
    pub(crate) fn is_blank(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// Whether the body is a JSON array (its first character other than white space is `[`).
    pub(crate) fn is_json_array(&self) -> bool {
        self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
    }

    /// As [`json`](Self::json), reading an empty body as JSON `null`.
    pub(crate) fn json_or_null<T: DeserializeOwned>(&self) -> Result<T> {
        if self.is_blank() { decode(self.status, b"null") } else { self.json() }
    }
}

/// Decodes `body` as JSON into `T`; a failure names the JSON path where it happened.
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T> {
    // The fast path: tracking the path costs about as much as decoding, so it is done only to explain
    // a failure.
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => decode_tracking_path(status, body),
    }
}

/// [`decode`], tracking the JSON path so that a failure can name it.
fn decode_tracking_path<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| Error::Decode(Box::new(DecodeError::json(status, body, e))))?;
    de.end().map_err(|e| {
        Error::Decode(Box::new(DecodeError::unexpected(
            status,
            body,
            format!("trailing data after the JSON: {e}"),
        )))
    })?;
    Ok(value)
}

impl Client {
    /// A request to the path made of `segments` under the API base; each segment is percent-encoded,
    /// so a value from outside can't change the path.
    pub(crate) fn request(&self, method: Method, segments: &[&str]) -> ApiRequest {
        let mut url = self.api_base().clone();
        url.path_segments_mut().expect("the API base is a hierarchical URL").pop_if_empty().extend(segments);
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        ApiRequest { method, url, headers, body: None, retry_post: None }
    }

    /// Sends `request` through the middleware stack. A 2xx answer is read whole; any other status
    /// becomes [`Error::Api`], a middleware's failure [`Error::Auth`] or [`Error::Transport`].
    pub(crate) async fn execute(&self, request: ApiRequest) -> Result<Answer> {
        let ApiRequest { method, url, headers, body, retry_post } = request;
        // Each attempt sends a fresh copy; transient failures are retried as the policy says.
        let body = body.map(Bytes::from);
        let response =
            crate::retry::send_with_retries(self.retry_policy(), self.clock(), &method, retry_post, || {
                let mut builder = self.http().request(method.clone(), url.clone()).headers(headers.clone());
                if let Some(body) = &body {
                    builder = builder.body(body.clone());
                }
                builder.send()
            })
            .await
            .map_err(Error::from_middleware)?;
        let status = response.status();
        tracing::debug!(%method, path = url.path(), status = status.as_u16(), "unimicro api answered");
        if status.is_success() {
            let content_type = response.headers().get(CONTENT_TYPE).cloned();
            let body = response.bytes().await.map_err(|e| Error::Transport(e.into()))?;
            return Ok(Answer { status, content_type, body });
        }
        let content_type =
            response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (body, truncated) = read_capped(response, MAX_ERROR_BODY).await;
        Err(Error::Api(Box::new(ApiError::new(
            method,
            url,
            status,
            content_type.as_deref(),
            &body,
            truncated,
        ))))
    }

    /// Sends `request` and decodes its JSON answer into `T`.
    pub(crate) async fn send_json<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T> {
        self.execute(request).await?.json()
    }
}

/// Reads at most `max` bytes of the body; whether more was left. A body that breaks off midway
/// keeps what was read: the status is what matters for an error answer.
async fn read_capped(mut response: reqwest::Response, max: usize) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = max - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return (body, true);
        }
        body.extend_from_slice(&chunk);
    }
    (body, false)
}

/// The query parameters of a request (`select`, `expand` …), rendered in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryParams {
    /// Fields to return (`select=A,B`).
    pub(crate) select: Vec<String>,
    /// Navigations to include (`expand=A,B.C`).
    pub(crate) expand: Vec<String>,
    /// Further parameters, in order.
    pub(crate) other: Vec<(String, String)>,
}

impl QueryParams {
    /// Adds fields to `select`; blank ones are skipped.
    pub(crate) fn add_select<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        extend_non_blank(&mut self.select, fields);
    }

    /// Adds navigations to `expand`; blank ones are skipped.
    pub(crate) fn add_expand<I, S>(&mut self, navigations: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        extend_non_blank(&mut self.expand, navigations);
    }

    /// Adds `name=a,b,…` unless `items` is empty.
    pub(crate) fn add_list(&mut self, name: &str, items: &[String]) {
        if !items.is_empty() {
            self.other.push((name.into(), items.join(",")));
        }
    }

    /// Adds `filter=`, checked and rendered, when there is a filter.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the filter's first problem.
    pub(crate) fn add_filter(&mut self, filter: Option<&Filter>) -> Result<()> {
        if let Some(filter) = filter {
            self.other.push(("filter".into(), filter.render_checked()?));
        }
        Ok(())
    }

    /// Adds `top=` and `skip=`, each when set.
    pub(crate) fn add_top_skip(&mut self, top: Option<u32>, skip: Option<u32>) {
        for (name, value) in [("top", top), ("skip", skip)] {
            if let Some(value) = value {
                self.other.push((name.into(), value.to_string()));
            }
        }
    }

    /// Writes the parameters into `url`'s query (percent-encoded).
    pub(crate) fn apply(&self, url: &mut Url) {
        if self.select.is_empty() && self.expand.is_empty() && self.other.is_empty() {
            return;
        }
        let mut pairs = url.query_pairs_mut();
        if !self.select.is_empty() {
            pairs.append_pair("select", &self.select.join(","));
        }
        if !self.expand.is_empty() {
            pairs.append_pair("expand", &self.expand.join(","));
        }
        for (name, value) in &self.other {
            pairs.append_pair(name, value);
        }
    }
}

/// Adds `items`, trimmed; blank ones are skipped.
pub(crate) fn extend_non_blank<I, S>(list: &mut Vec<String>, items: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    list.extend(items.into_iter().map(Into::into).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
}

/// The `select` and `expand` setters of a request value that holds its `query: QueryParams`, with
/// an example of each for its documentation.
macro_rules! select_expand {
    (select: $select:literal, expand: $expand:literal) => {
        #[doc = concat!("Returns only these fields (`select=`), e.g. `", $select, "`; the others are `None`.")]
        pub fn select<I, S>(mut self, fields: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.query.add_select(fields);
            self
        }

        #[doc = concat!("Includes these navigations (`expand=`), e.g. `", $expand, "`.")]
        pub fn expand<I, S>(mut self, navigations: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.query.add_expand(navigations);
            self
        }
    };
}
pub(crate) use select_expand;

/// Implements `IntoFuture` for a request value with an `async fn send(self) -> Result<T>`, so that
/// `.await` on the value sends it: `into_future!(ListCompanies<'a> => Vec<Company>)`, or for a
/// generic request `into_future!(GetEntity<'c, T> => T where T: Entity)`.
macro_rules! into_future {
    ($request:ident<$lt:lifetime> => $output:ty) => {
        impl<$lt> ::std::future::IntoFuture for $request<$lt> {
            type Output = $crate::Result<$output>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + $lt>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
    ($request:ident<$lt:lifetime, $param:ident> => $output:ty where $($bounds:tt)+) => {
        impl<$lt, $param> ::std::future::IntoFuture for $request<$lt, $param>
        where
            $($bounds)+
        {
            type Output = $crate::Result<$output>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + $lt>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use into_future;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_encoded_in_one_place() {
        let mut q = QueryParams::default();
        q.add_select(["CompanyName", " ", "ID"]);
        q.add_expand(["DefaultAddress", "Info.DefaultEmail"]);
        q.other.push(("filter".into(), "Name eq 'A&B'".into()));
        let mut url = Url::parse("https://api.test/api/biz/x").unwrap();
        q.apply(&mut url);
        assert_eq!(
            url.query(),
            Some(
                "select=CompanyName%2CID&expand=DefaultAddress%2CInfo.DefaultEmail&filter=Name+eq+%27A%26B%27"
            )
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[2], ("filter".into(), "Name eq 'A&B'".into()));
        let mut bare = Url::parse("https://api.test/x").unwrap();
        QueryParams::default().apply(&mut bare);
        assert_eq!(bare.query(), None);
    }

    #[test]
    fn lists_filter_top_and_skip_are_added_only_when_set() {
        let mut q = QueryParams::default();
        q.add_list("orderby", &[]);
        q.add_filter(None).unwrap();
        q.add_top_skip(None, None);
        assert!(q.other.is_empty(), "{q:?}");
        q.add_filter(Some(&Filter::eq("Name", "A"))).unwrap();
        q.add_list("orderby", &["ID".into(), "Name desc".into()]);
        q.add_top_skip(Some(10), Some(0));
        let pairs: Vec<(&str, &str)> = q.other.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [("filter", "Name eq 'A'"), ("orderby", "ID,Name desc"), ("top", "10"), ("skip", "0")]
        );
        q.add_top_skip(None, Some(5));
        assert_eq!(q.other.last(), Some(&("skip".into(), "5".into())));
        let e = q.add_filter(Some(&Filter::eq("Name eq", 1))).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
    }

    #[test]
    fn decode_names_the_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Row {
            #[serde(rename = "ID")]
            id: i64,
        }
        let e = decode::<Vec<Row>>(StatusCode::OK, br#"[{"ID":1},{"ID":"two"}]"#).unwrap_err();
        let Error::Decode(d) = &e else { panic!("{e:?}") };
        assert_eq!(d.path(), "[1].ID");
        assert_eq!(e.to_string(), "unexpected response body (HTTP 200 OK) at `[1].ID`");
        assert!(std::error::Error::source(&**d).unwrap().to_string().contains("invalid type"));
        let e = decode::<Vec<Row>>(StatusCode::OK, br#"[] x"#).unwrap_err();
        assert!(e.to_string().contains("trailing data"), "{e}");
    }
}
