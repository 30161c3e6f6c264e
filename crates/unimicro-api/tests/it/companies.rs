//! `client.companies()`: `GET /api/init/companies`.

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, fixture, mount_catch_all, plain_client};

#[tokio::test]
async fn lists_companies_without_a_company_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/init/companies"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("companies.json"), "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);

    let companies = client.companies().await.unwrap();

    assert_eq!(companies.len(), 2);
    let demo = &companies[0];
    assert_eq!(demo.id, 1);
    assert_eq!(demo.key.as_ref().map(|k| k.as_str()), Some(KEY));
    assert_eq!(demo.name.as_deref(), Some("Demo Regnskap AS"));
    assert_eq!(demo.organization_number.as_deref(), Some("999888777"));
    assert_eq!(demo.is_test, Some(true));
    assert_eq!(demo.client_number, Some(1001));
    assert_eq!(demo.web_hook_subscriber_id.as_deref(), Some("sub-1"));
    assert_eq!(demo.created_at.as_ref().map(|d| d.year()), Some(2023));
    assert_eq!(demo.updated_at.as_ref().and_then(|d| d.offset_seconds()), Some(0));
    assert_eq!(demo.extra["LicenseKey"], "STANDARD");
    assert_eq!(companies[1].is_test, Some(false));
    assert!(companies[1].extra.is_empty());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers.get("companykey").is_none(), "/api/init/companies must not get a CompanyKey");
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn send_and_await_are_the_same_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/init/companies"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .expect(2)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);
    assert!(client.companies().send().await.unwrap().is_empty());
    let request = client.companies();
    assert!(request.await.unwrap().is_empty());
}

#[tokio::test]
async fn an_api_base_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tenant/api/init/companies"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let http =
        unimicro_api::reqwest_middleware::ClientBuilder::new(unimicro_api::reqwest::Client::new()).build();
    let client = unimicro_api::Client::from_parts(http, format!("{}/tenant", server.uri())).unwrap();
    assert_eq!(client.api_base().path(), "/tenant/");
    client.companies().await.unwrap();
}
