//! Retries of idempotent requests on transient answers, never of `POST` unless opted in; and how
//! query values arrive at the server.

use std::time::Duration;

use serde_json::json;
use unimicro_api::{Client, Customer, Environment, Filter, RetryPolicy};
use unimicro_mock::{MockClient, MockCompany, MockUnimicro, StatusCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, mount_catch_all, plain_client};

/// Retries without waiting, so the tests take no time.
fn quick(client: &Client) -> Client {
    client.with_retry_policy(RetryPolicy::default().initial_backoff(Duration::ZERO))
}

async fn mount_sequence(server: &MockServer, verb: &str, route: &str, first: u16, then: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(first).set_body_string("busy"))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb)).and(path(route)).respond_with(then).with_priority(2).mount(server).await;
}

fn array(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn a_get_answered_503_then_200_is_retried() {
    let server = MockServer::start().await;
    mount_sequence(&server, "GET", "/api/biz/customers", 503, array(json!([{ "ID": 7 }]))).await;
    mount_catch_all(&server).await;
    let client = quick(&plain_client(&server));

    let customers = client.company(KEY).list::<Customer>().await.unwrap();

    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].id, 7);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn put_and_delete_are_retried_on_each_transient_status() {
    for status in [429, 502, 503, 504] {
        let server = MockServer::start().await;
        mount_sequence(
            &server,
            "PUT",
            "/api/biz/customers/7",
            status,
            array(json!({ "ID": 7, "CreditDays": 30 })),
        )
        .await;
        mount_sequence(&server, "DELETE", "/api/biz/customers/7", status, ResponseTemplate::new(204)).await;
        mount_catch_all(&server).await;
        let client = quick(&plain_client(&server));
        let company = client.company(KEY);
        let mut customer = Customer::new("Retried AS");
        customer.id = 7;

        let updated = company.update(&customer).await.unwrap();
        company.delete::<Customer>(7).await.unwrap();

        assert_eq!(updated.credit_days, Some(30), "status {status}");
        assert_eq!(server.received_requests().await.unwrap().len(), 4, "status {status}");
    }
}

#[tokio::test]
async fn a_post_answered_503_is_not_retried_unless_opted_in() {
    let server = MockServer::start().await;
    let created = ResponseTemplate::new(201).set_body_json(json!({ "ID": 8 }));
    mount_sequence(&server, "POST", "/api/biz/customers", 503, created).await;
    mount_catch_all(&server).await;
    let client = quick(&plain_client(&server));
    let company = client.company(KEY);

    let err = company.create(&Customer::new("Once")).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "POST is not retried by default");

    // The next POST succeeds at once: nothing left over from the first.
    company.create(&Customer::new("Twice")).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_post_is_retried_when_the_request_or_the_policy_opts_in() {
    for per_request in [true, false] {
        let server = MockServer::start().await;
        let created = ResponseTemplate::new(201).set_body_json(json!({ "ID": 9 }));
        mount_sequence(&server, "POST", "/api/biz/customers", 503, created).await;
        mount_catch_all(&server).await;
        let client = if per_request {
            quick(&plain_client(&server))
        } else {
            plain_client(&server)
                .with_retry_policy(RetryPolicy::default().initial_backoff(Duration::ZERO).retry_post(true))
        };
        let create = client.company(KEY).create(&Customer::new("Safe with a _createguid"));
        let create = if per_request { create.retry(true) } else { create };

        assert_eq!(create.await.unwrap().id, 9);
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn retries_are_bounded_and_a_long_retry_after_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/customers"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/biz/products"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = quick(&plain_client(&server));

    let started = std::time::Instant::now();
    let err = client.company(KEY).list::<Customer>().await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = client.company(KEY).get_json("api/biz/products").await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_GATEWAY));
    let none = plain_client(&server).with_retry_policy(RetryPolicy::none());
    assert!(none.retry_policy() == &RetryPolicy::none());
}

#[tokio::test]
async fn the_mock_failing_a_get_twice_is_survived_through_the_whole_stack() {
    const CLIENT_ID: &str = "retry-test";
    let mock = MockUnimicro::builder()
        .client(MockClient::new(CLIENT_ID).secret("retry-secret"))
        .company(MockCompany::new(KEY, "Retry AS").grant(CLIENT_ID))
        .entity(KEY, "customers", json!({ "Info": { "Name": "Utholdende AS" } }))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .environment(Environment::custom(mock.api_base(), mock.authority()).unwrap())
        .client_id(CLIENT_ID)
        .client_secret("retry-secret")
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::ZERO))
        .build()
        .unwrap();
    let company = client.company(KEY);
    company.list::<Customer>().await.unwrap(); // token fetched, first call done

    mock.fail_api_requests_with(2, StatusCode::SERVICE_UNAVAILABLE, None);
    let found = company.list::<Customer>().filter(Filter::eq("Info.Name", "Utholdende AS")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(mock.api_requests_with_status("/api/biz/customers", 503), 2);

    mock.fail_api_requests_with(1, StatusCode::SERVICE_UNAVAILABLE, None);
    let err = company.create(&Customer::new("Not twice")).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(mock.entities(KEY, "customers").len(), 1);
}

#[tokio::test]
async fn query_values_arrive_as_written() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/customers"))
        .respond_with(array(json!([])))
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);
    let input = "O'Brien & Søn 100% #1 + co=ja?; æøå 日本";

    client
        .company(KEY)
        .list::<Customer>()
        .filter(Filter::eq("Info.Name", input))
        .select(["ID"])
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let url = &requests[0].url;
    // What the server decodes: exactly the filter that was built.
    let filter: Vec<String> =
        url.query_pairs().filter(|(k, _)| k == "filter").map(|(_, v)| v.into_owned()).collect();
    assert_eq!(filter, [format!("Info.Name eq '{}'", input.replace('\'', "''"))]);
    // On the wire, every reserved character is escaped: nothing can end the value early.
    let raw = url.query().unwrap();
    assert!(
        raw.contains("%2B") && raw.contains("%26") && raw.contains("%25") && raw.contains("%23"),
        "{raw}"
    );
    assert!(!raw.contains('#') && raw.matches('&').count() == 1, "{raw}");
    assert_eq!(url.fragment(), None);
}
