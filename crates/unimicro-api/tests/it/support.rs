//! Helpers shared by the tests.

use unimicro_api::Client;
use unimicro_api::reqwest_middleware::ClientBuilder;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A company key the fixtures use.
pub(crate) const KEY: &str = "3a6c1d1e-8c2b-4f7e-9d0a-1b2c3d4e5f60";

/// A fixture file's text.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/it/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture file as JSON.
pub(crate) fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// A client on a plain (unauthenticated) stack calling `server`.
pub(crate) fn plain_client(server: &MockServer) -> Client {
    let http = ClientBuilder::new(unimicro_api::reqwest::Client::new()).build();
    Client::from_parts(http, server.uri()).unwrap()
}

/// Mounts, last, a mock that answers every request no other mock matched with 599, so that a test
/// that sends something unexpected fails loudly.
pub(crate) async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("no mock matched this request"))
        .with_priority(u8::MAX)
        .named("catch-all")
        .mount(server)
        .await;
}
