//! Your own HTTP stack: reqwest-tracing, reqwest-retry and unimicro-auth's `AuthMiddleware`, in the
//! order that makes each do its job, under the typed client with `Client::from_parts`.
//!
//! ```sh
//! cargo run --example middleware_stack
//! ```
//!
//! Order (the first added is the outermost):
//! 1. `TracingMiddleware` — one span per logical request, around all its attempts;
//! 2. `RetryTransientMiddleware` — retries 5xx, 429 and connection failures with back-off;
//! 3. `AuthMiddleware` — innermost, so *every attempt* gets a current token, and a 401 is answered by
//!    a fresh token and one replay before the retry layer ever sees it.
//!
//! Against the in-process mock, the first two API requests fail with 503 to show the retries.

use std::time::Duration;

use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use reqwest_tracing::TracingMiddleware;
use unimicro_api::unimicro_auth::{AuthMiddleware, TokenProvider};
use unimicro_api::{Client, RetryPolicy, reqwest, reqwest_middleware};
use unimicro_examples::{BoxError, DemoClient, Target, init_tracing};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // The retry layer logs each retry as a warning, inside the tracing layer's span.
    init_tracing("warn,reqwest_retry=warn,reqwest_tracing=info");
    let target = Target::from_env_or_demo(DemoClient::Certificate).await?;
    println!("Calling {}", target.describe());
    let api_base = target.environment.api_base();

    let auth =
        AuthMiddleware::new(TokenProvider::new(target.credentials()?)).allow_origin(api_base.as_str())?;
    let backoff = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(50), Duration::from_secs(2))
        .build_with_max_retries(3);
    let http = reqwest::Client::builder()
        .user_agent("unimicro-examples-middleware-stack/1.0")
        .timeout(Duration::from_secs(30))
        .build()?;
    let stack = reqwest_middleware::ClientBuilder::new(http)
        .with(TracingMiddleware::default())
        .with(RetryTransientMiddleware::new_with_policy(backoff))
        .with(auth)
        .build();
    // The stack retries, so the client's own retries are turned off.
    let client = Client::from_parts(stack, api_base.as_str())?.with_retry_policy(RetryPolicy::none());

    if let Some(mock) = target.mock() {
        mock.fail_api_requests(2);
        println!("(the mock will answer the next 2 API requests with 503 Service Unavailable)");
    }
    let companies = client.companies().await?;
    println!("{} companies", companies.len());
    for company in &companies {
        let Some(key) = &company.key else { continue };
        let settings = client.company(key).settings().expand(["DefaultPhone"]).await?;
        let phone = settings.default_phone.and_then(|p| p.number).unwrap_or_default();
        println!("  {} — phone {phone}", settings.company_name.unwrap_or_default());
    }

    // A 4xx is not transient: no retry, and the error says what the API said.
    match client.company("00000000-0000-0000-0000-000000000000").settings().await {
        Ok(_) => println!("unexpected: a company this client was never granted answered"),
        Err(e) => println!("A company this client was not granted: {e}"),
    }

    if let Some(mock) = target.mock() {
        let path = "/api/init/companies";
        println!(
            "The mock answered {path} {} time(s) with 503 and {} time(s) with 200; {} token request(s).",
            mock.api_requests_with_status(path, 503),
            mock.api_requests_with_status(path, 200),
            mock.token_requests(&target.client_id),
        );
    }
    Ok(())
}
