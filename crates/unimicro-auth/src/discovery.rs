//! OpenID Connect discovery and bounded response reading.

use serde::Deserialize;
use url::Url;

use crate::{Error, Result};

/// The most of a response body that is read: 1 MiB.
pub(crate) const MAX_BODY: usize = 1 << 20;

/// What discovery gives that a client-credentials client needs.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub(crate) issuer: String,
    pub(crate) token_endpoint: Url,
}

#[derive(Deserialize)]
struct Document {
    issuer: Option<String>,
    token_endpoint: Option<String>,
}

/// The discovery document's URL for `authority`.
pub(crate) fn discovery_url(authority: &Url) -> String {
    format!("{}/.well-known/openid-configuration", authority.as_str().trim_end_matches('/'))
}

/// Fetches `{authority}/.well-known/openid-configuration` and checks its issuer.
pub(crate) async fn discover(http: &reqwest::Client, authority: &Url) -> Result<Endpoints> {
    let url = discovery_url(authority);
    let fail = |reason: String| Error::Discovery { url: url.clone(), reason };
    tracing::debug!(%url, "fetching OpenID Connect discovery document");
    let response = http
        .get(&url)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| Error::transport("discovery endpoint", e))?;
    let status = response.status();
    let body = read_capped(response, "discovery endpoint").await?;
    if !status.is_success() {
        return Err(Error::UnexpectedResponse {
            context: "discovery endpoint",
            status,
            excerpt: crate::error::excerpt(&body),
            request_id: None,
        });
    }
    let doc: Document =
        serde_json::from_slice(&body).map_err(|e| fail(format!("the document is not valid JSON ({e})")))?;
    let issuer = doc.issuer.ok_or_else(|| fail("the document has no `issuer`".into()))?;
    if issuer.trim_end_matches('/') != authority.as_str().trim_end_matches('/') {
        return Err(Error::IssuerMismatch { expected: authority.to_string(), found: issuer });
    }
    let token_endpoint =
        doc.token_endpoint.ok_or_else(|| fail("the document has no `token_endpoint`".into()))?;
    let token_endpoint = Url::parse(&token_endpoint)
        .map_err(|e| fail(format!("`token_endpoint` `{token_endpoint}` is not a URL ({e})")))?;
    Ok(Endpoints { issuer, token_endpoint })
}

/// Reads a response body, failing once it grows past [`MAX_BODY`].
pub(crate) async fn read_capped(mut response: reqwest::Response, context: &'static str) -> Result<Vec<u8>> {
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Error::transport(context, e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Error::UnexpectedResponse {
                context,
                status,
                excerpt: format!("the body is larger than {MAX_BODY} bytes"),
                request_id: None,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
