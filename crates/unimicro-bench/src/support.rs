//! What the benchmarks share: clients, the provider and middleware wiring, response checks.

use std::time::Duration;

use http::HeaderValue;
use reqwest_middleware::ClientWithMiddleware;
use unimicro_auth::{AuthMiddleware, ClientCredentials, TokenProvider};

use crate::server::Server;

/// The plain reqwest client every benchmark starts from (the same settings as reqwest's default).
pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().build().map_err(|e| format!("could not build a reqwest client: {e}"))
}

/// Client credentials (a client secret: signing is benchmarked on its own) for `server`'s token endpoint.
pub(crate) fn credentials(server: &Server) -> Result<ClientCredentials, String> {
    ClientCredentials::builder("unimicro-bench")
        .client_secret("bench-secret")
        .token_endpoint(server.token_endpoint())
        .scopes(["AppFramework"])
        .build()
        .map_err(|e| format!("could not build the client credentials: {e}"))
}

/// `http` with [`AuthMiddleware`] over `provider`, allowed to send tokens to `server` only.
pub(crate) fn with_auth(
    http: reqwest::Client,
    provider: TokenProvider,
    server: &Server,
) -> Result<ClientWithMiddleware, String> {
    let middleware = AuthMiddleware::new(provider)
        .allow_origin(server.base())
        .map_err(|e| format!("could not allow {}: {e}", server.base()))?;
    Ok(reqwest_middleware::ClientBuilder::new(http).with(middleware).build())
}

/// Gets one token straight from the token endpoint, as an `Authorization` value for the baselines.
pub(crate) async fn static_authorization(
    http: &reqwest::Client,
    server: &Server,
) -> Result<HeaderValue, String> {
    let response = http
        .post(server.token_endpoint())
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=AppFramework")
        .send()
        .await
        .map_err(|e| format!("token request failed: {e}"))?;
    let body: serde_json::Value =
        response.json().await.map_err(|e| format!("token response unreadable: {e}"))?;
    let token = body["access_token"].as_str().ok_or("token response without access_token")?;
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|e| e.to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads the whole body of a response that must be 200.
pub(crate) async fn read_ok(response: reqwest::Response) -> Result<bytes::Bytes, String> {
    let status = response.status();
    if status != http::StatusCode::OK {
        return Err(format!("the server answered {status}"));
    }
    response.bytes().await.map_err(|e| format!("reading the body failed: {e}"))
}

/// A duration as seconds with millisecond precision, for the table.
pub(crate) fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
