//! Benchmark 1: the cost of `AuthMiddleware` with a cached token, against the same request with a
//! static `Authorization` header on plain reqwest.

use std::time::Duration;

use http::header::AUTHORIZATION;
use unimicro_auth::TokenProvider;

use crate::compare::{Outcome, Plan, Variant, compare, cpu_ratio, median_round_ratio, op};
use crate::report::{Kind, Section};
use crate::server::{COMPANY_KEY, Server, ServerConfig};
use crate::support::{credentials, http_client, read_ok, static_authorization, with_auth};

const TARGET: f64 = 0.97;

pub(crate) async fn run(plan: Plan) -> Section {
    let mut s = Section::new("1. Middleware overhead (cached token, 64 in flight)");
    if let Err(e) = measure(plan, &mut s).await {
        s.check("benchmark ran", e, "no error", false, Kind::Correctness);
    }
    s
}

async fn measure(plan: Plan, s: &mut Section) -> Result<(), String> {
    let config = ServerConfig { token_latency: Duration::ZERO, token_ttl: Duration::from_secs(3600) };
    let server = Server::start(config).await.map_err(|e| format!("could not start the server: {e}"))?;
    let http = http_client()?;
    let authorization = static_authorization(&http, &server).await?;
    let provider = TokenProvider::new(credentials(&server)?);
    let with_auth = with_auth(http.clone(), provider.clone(), &server)?;
    let bare = reqwest_middleware::ClientBuilder::new(http.clone()).build();
    provider.token().await.map_err(|e| format!("the provider could not get a token: {e}"))?;
    let token_call = cached_token_cost(&provider).await?;
    let tokens_before = server.token_requests();
    let url = server.settings_url();

    let plain = {
        let (http, url, authorization) = (http.clone(), url.clone(), authorization.clone());
        op(move || {
            let request =
                http.get(&url).header(AUTHORIZATION, authorization.clone()).header("CompanyKey", COMPANY_KEY);
            async move { read_ok(request.send().await.map_err(|e| e.to_string())?).await.map(drop) }
        })
    };
    let middleware = {
        let (client, url) = (with_auth.clone(), url.clone());
        op(move || {
            let request = client.get(&url).header("CompanyKey", COMPANY_KEY);
            async move { read_ok(request.send().await.map_err(|e| e.to_string())?).await.map(drop) }
        })
    };
    let stack_only = {
        let (client, url, authorization) = (bare.clone(), url.clone(), authorization.clone());
        op(move || {
            let request = client
                .get(&url)
                .header(AUTHORIZATION, authorization.clone())
                .header("CompanyKey", COMPANY_KEY);
            async move { read_ok(request.send().await.map_err(|e| e.to_string())?).await.map(drop) }
        })
    };
    let outcomes = compare(
        plan,
        &[
            Variant { name: "reqwest, static header", op: plain },
            Variant { name: "AuthMiddleware, cached token", op: middleware },
            Variant { name: "reqwest-middleware, no layer, static header", op: stack_only },
        ],
    )
    .await;
    let [plain, auth, stack] = &outcomes[..] else { return Err("missing outcomes".into()) };
    for o in [plain, auth, stack] {
        s.info(&format!("{}: req/s", o.name), format!("{:.0}", o.throughput));
        s.info(&format!("{}: p50 / p99", o.name), format!("{:.2} / {:.2} ms", o.p50_ms, o.p99_ms));
        if let Some(cpu) = o.cpu_us_per_request {
            s.info(&format!("{}: CPU per request", o.name), format!("{cpu:.1} µs"));
        }
    }
    let ratio = median_round_ratio(auth, plain);
    let aggregate = auth.throughput / plain.throughput;
    s.check(
        "throughput ratio AuthMiddleware / reqwest",
        format!("{ratio:.3}"),
        &format!(">= {TARGET}"),
        ratio >= TARGET,
        Kind::Timing,
    );
    s.info("  (ratio of totals over all rounds)", format!("{aggregate:.3}"));
    if let Some(cpu) = cpu_ratio(auth, plain) {
        s.info("CPU-time ratio AuthMiddleware / reqwest (per request, whole process)", format!("{cpu:.3}"));
        s.set("cpu_ratio", cpu);
    }
    s.info(
        "throughput ratio reqwest-middleware (no layer) / reqwest",
        format!("{:.3}", median_round_ratio(stack, plain)),
    );
    s.info("provider.token() on a cached token, one task", format!("{:.0} ns per call", token_call * 1e9));
    s.set("cached_token_call_ns", token_call * 1e9);
    check_correct(s, &server, &outcomes, tokens_before);
    s.note(format!(
        "{} rounds of {:.1} s per variant, order rotating; ratio = median of the per-round ratios",
        plan.rounds,
        plan.round.as_secs_f64()
    ));
    s.set("plan", plan);
    s.set("variants", &outcomes);
    s.set("ratio_median_of_rounds", ratio);
    s.set("ratio_of_totals", aggregate);
    Ok(())
}

/// Seconds per `provider.token()` call on a cached token, over 200,000 calls in one task.
async fn cached_token_cost(provider: &TokenProvider) -> Result<f64, String> {
    const CALLS: u32 = 200_000;
    let start = std::time::Instant::now();
    for _ in 0..CALLS {
        std::hint::black_box(provider.token().await.map_err(|e| format!("provider.token() failed: {e}"))?);
    }
    Ok(start.elapsed().as_secs_f64() / f64::from(CALLS))
}

/// Failed requests, 401s and token requests during the run are bugs, not noise.
pub(crate) fn check_correct(s: &mut Section, server: &Server, outcomes: &[Outcome], tokens_before: u64) {
    let errors: u64 = outcomes.iter().map(|o| o.errors).sum();
    let first = outcomes.iter().find_map(|o| o.first_error.clone()).unwrap_or_default();
    s.check(
        "failed requests",
        if errors == 0 { "0".to_owned() } else { format!("{errors} (first: {first})") },
        "0",
        errors == 0,
        Kind::Correctness,
    );
    s.check(
        "401 answers",
        server.unauthorized().to_string(),
        "0",
        server.unauthorized() == 0,
        Kind::Correctness,
    );
    let during = server.token_requests() - tokens_before;
    s.check(
        "token requests during the run (token cached)",
        during.to_string(),
        "0",
        during == 0,
        Kind::Correctness,
    );
    let bad = server.bad_requests();
    s.check(
        "requests the server refused as malformed (400/404)",
        bad.to_string(),
        "0",
        bad == 0,
        Kind::Correctness,
    );
    s.set("server_api_requests", server.api_requests());
}
