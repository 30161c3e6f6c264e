//! Fault knobs and counters.

use std::time::{Duration, Instant};

use reqwest::Method;
use unimicro_auth::{ClientCredentials, ManualClock, RetryPolicy};
use unimicro_mock::StatusCode;

use crate::support::*;

#[tokio::test]
async fn the_token_endpoint_fails_the_next_n_requests_with_retry_after() {
    let mock = mock().await;
    mock.fail_token_requests(2);
    let grant = [("grant_type", "client_credentials")];
    let auth = basic(SECRET_CLIENT, SECRET);
    for _ in 0..2 {
        let a = token_request(&mock, &grant, Some(&auth)).await;
        assert_eq!(a.status, 503);
        assert_eq!(a.headers.get("retry-after").unwrap(), "1");
    }
    assert_eq!(token_request(&mock, &grant, Some(&auth)).await.status, 200);
    assert_eq!(mock.token_requests(SECRET_CLIENT), 3, "failed requests count too");
    assert_eq!(mock.tokens_issued(SECRET_CLIENT), 1);

    // The auth crate retries through them, honouring Retry-After on its (manual) clock.
    mock.fail_token_requests_with(1, StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(7)));
    let clock = ManualClock::starting_now();
    let credentials = ClientCredentials::builder(SECRET_CLIENT)
        .client_secret(SECRET)
        .authority(mock.authority())
        .retry_policy(RetryPolicy::default().max_retries(2))
        .clock(clock.clone())
        .build()
        .unwrap();
    let request = tokio::spawn(async move { credentials.request_token().await });
    while clock.sleeps().is_empty() {
        tokio::task::yield_now().await;
    }
    clock.advance(Duration::from_secs(60));
    request.await.unwrap().unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_secs(7)]);
    assert_eq!(mock.token_requests(SECRET_CLIENT), 5);
}

#[tokio::test]
async fn the_api_fails_the_next_n_requests_before_authentication() {
    let mock = mock().await;
    let token = secret_token(&mock).await;
    mock.fail_api_requests(1);
    let a = get(&mock, "api/init/companies", &token, None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.headers.get("retry-after").unwrap(), "1");
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200);
    mock.fail_api_requests_with(2, StatusCode::BAD_GATEWAY, None);
    let unauthenticated = api(&mock, Method::GET, "api/init/companies", None, None, None).await;
    assert_eq!(unauthenticated.status, 502, "faults come before the token check");
    assert!(unauthenticated.headers.get("retry-after").is_none());
    mock.fail_api_requests(0);
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200, "n = 0 clears the fault");
}

#[tokio::test]
async fn latency_delays_each_side() {
    let mock = mock().await;
    let token = secret_token(&mock).await;
    mock.set_api_latency(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    mock.set_api_latency(Duration::ZERO);
    mock.set_token_latency(Duration::from_millis(300));
    let started = Instant::now();
    secret_token(&mock).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    mock.set_token_latency(Duration::ZERO);
    let started = Instant::now();
    secret_token(&mock).await;
    assert!(started.elapsed() < Duration::from_millis(300), "latency removed: {:?}", started.elapsed());
}

#[tokio::test]
async fn counters_by_client_path_and_status() {
    let mock = mock().await;
    let secret = secret_token(&mock).await;
    let cert = cert_token(&mock).await;
    assert_eq!((mock.token_requests(SECRET_CLIENT), mock.token_requests(CERT_CLIENT)), (1, 1));
    assert_eq!(mock.token_requests_total(), 2);
    get(&mock, "api/init/companies", &secret, None).await;
    get(&mock, "api/init/companies", &cert, None).await;
    get(&mock, "api/biz/companysettings/1", &secret, Some(COMPANY_B)).await;
    get(&mock, "api/biz/companysettings/1", &cert, Some(COMPANY_B)).await;
    assert_eq!(mock.api_requests("/api/init/companies"), 2);
    assert_eq!(mock.api_requests_with_status("/api/biz/companysettings/1", 403), 1);
    assert_eq!(mock.api_requests_with_status("/api/biz/companysettings/1", 200), 1);
    assert_eq!(mock.api_requests_total(), 4);
    let log = mock.api_request_log();
    assert_eq!(log.len(), 4);
    assert_eq!(log[2].status, 403);
    assert_eq!(log[2].client_id.as_deref(), Some(SECRET_CLIENT));
    assert_eq!(log[2].company_key.as_deref(), Some(COMPANY_B));
    assert_eq!(log[3].method, "GET");
    mock.reset_counters();
    assert_eq!((mock.api_requests_total(), mock.token_requests_total()), (0, 0));
    assert!(mock.api_request_log().is_empty());
}
