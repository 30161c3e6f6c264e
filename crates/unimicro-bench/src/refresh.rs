//! Benchmark 4: steady load across many short token lifetimes.
//!
//! Tokens live 2 s and the token endpoint takes 50 ms. The provider is configured as a 2 s token
//! calls for: soft margin 20 % of the lifetime (400 ms; the default floor of 60 s is for real tokens,
//! and the default cap of half the lifetime would put it at 1 s), jitter up to 10 % of it, hard margin
//! a tenth of the lifetime (200 ms). So a refresh starts at a token age of 1.60–1.64 s, 400 ms before
//! the token expires, and the old token is served meanwhile.
//!
//! "One token request per lifetime" is counted against the provider's actual refresh period, not the
//! TTL: a token is replaced at its soft point, so over `D` seconds there are about `D / (TTL − soft)`
//! refreshes, more than `D / TTL` lifetimes. Both are printed. An *extra* request is one that follows
//! the previous one by less than half a refresh period (a duplicate refresh), or a token that no
//! request ever carried.

use std::time::{Duration, Instant};

use unimicro_auth::{RefreshPolicy, TokenProvider};

use crate::load::{Run, percentile_ms, run_for};
use crate::report::{Kind, Section};
use crate::server::{COMPANY_KEY, Server, ServerConfig, TokenCall};
use crate::support::{credentials, http_client, read_ok, with_auth};

const TTL: Duration = Duration::from_secs(2);
const TOKEN_LATENCY: Duration = Duration::from_millis(50);
const SOFT_FRACTION: f64 = 0.2;
const JITTER_FRACTION: f64 = 0.1;
const CONCURRENCY: usize = 64;
const TARGET_P99_RATIO: f64 = 1.2;

fn policy() -> RefreshPolicy {
    RefreshPolicy::default()
        .soft_margin(SOFT_FRACTION, Duration::ZERO, Duration::from_secs(300))
        .jitter(JITTER_FRACTION)
}

pub(crate) async fn run(duration: Duration) -> Section {
    let mut s = Section::new("4. Refresh under load (64 in flight, TTL 2 s, token endpoint 50 ms)");
    if let Err(e) = measure(duration, &mut s).await {
        s.check("benchmark ran", e, "no error", false, Kind::Correctness);
    }
    s
}

async fn measure(duration: Duration, s: &mut Section) -> Result<(), String> {
    let config = ServerConfig { token_latency: TOKEN_LATENCY, token_ttl: TTL };
    let server = Server::start(config).await.map_err(|e| format!("could not start the server: {e}"))?;
    let policy = policy();
    let provider = TokenProvider::builder(credentials(&server)?)
        .refresh_policy(policy)
        .build()
        .map_err(|e| format!("could not build the token provider: {e}"))?;
    let client = with_auth(http_client()?, provider.clone(), &server)?;
    // The first token (a cold start, measured in benchmark 3) is fetched before the clock starts.
    provider.token().await.map_err(|e| format!("the provider could not get a token: {e}"))?;
    let (tokens_before, unauthorized_before) = (server.token_requests(), server.unauthorized());
    let url = server.settings_url();
    // A probe asks the provider for a token every 2 ms: a call that waits as long as the token endpoint
    // takes means a caller waited for a refresh instead of getting the cached token.
    let probe = {
        let provider = provider.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + duration;
            let (mut calls, mut slowest) = (0u64, Duration::ZERO);
            let mut waited = 0u64;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let ok = provider.token().await.is_ok();
                let took = t0.elapsed();
                slowest = slowest.max(took);
                calls += 1;
                if !ok || took >= TOKEN_LATENCY {
                    waited += 1;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            (calls, waited, slowest)
        })
    };
    let run = run_for(CONCURRENCY, duration, move || {
        let request = client.get(&url).header("CompanyKey", COMPANY_KEY);
        async move { read_ok(request.send().await.map_err(|e| e.to_string())?).await.map(drop) }
    })
    .await;
    let last_request_start = run
        .samples
        .iter()
        .map(|x| run.started + Duration::from_micros(u64::from(x.start_us)))
        .max()
        .unwrap_or(run.started);

    let soft = policy.soft_margin_for(TTL);
    let hard = policy.hard_margin_for(TTL);
    let jitter_max = soft.mul_f64(JITTER_FRACTION);
    // The jitter shortens the soft margin (never below the hard one): later refresh, longer period.
    let period_short = TTL - soft;
    let period_long = TTL - soft.saturating_sub(jitter_max).max(hard);
    let d = run.elapsed.as_secs_f64();
    let calls: Vec<TokenCall> =
        server.token_calls().into_iter().filter(|c| c.arrived >= run.started).collect();
    let requests = server.token_requests() - tokens_before;
    let expected_low = (d / period_long.as_secs_f64()).floor() as u64;
    let expected_high = (d / period_short.as_secs_f64()).ceil() as u64;
    let extra = extra_requests(&calls, period_short / 2);
    let unused = server.unused_tokens(last_request_start);
    let unauthorized = server.unauthorized() - unauthorized_before;

    s.info("token lifetimes elapsed (duration / TTL)", format!("{:.2}", d / TTL.as_secs_f64()));
    s.info(
        "refresh points elapsed (duration / (TTL - soft margin))",
        format!(
            "{:.2} (soft margin {} ms, less jitter <= {} ms)",
            d / period_short.as_secs_f64(),
            soft.as_millis(),
            jitter_max.as_millis()
        ),
    );
    s.check(
        "token requests during the run",
        requests.to_string(),
        &format!("one per refresh point: {expected_low}..={expected_high}"),
        (expected_low..=expected_high).contains(&requests),
        Kind::Correctness,
    );
    s.check(
        "extra token requests (duplicate refreshes)",
        extra.to_string(),
        "0",
        extra == 0,
        Kind::Correctness,
    );
    s.check("tokens issued but never used", unused.to_string(), "0", unused == 0, Kind::Correctness);
    s.check("401 answers", unauthorized.to_string(), "0", unauthorized == 0, Kind::Correctness);
    let failed = match &run.first_error {
        None => run.errors.to_string(),
        Some(e) => format!("{} (first: {e})", run.errors),
    };
    s.check("failed requests", failed, "0", run.errors == 0, Kind::Correctness);

    let (probe_calls, probe_waited, probe_slowest) =
        probe.await.map_err(|e| format!("the probe task failed: {e}"))?;
    s.info(
        "provider.token() probe every 2 ms: calls that waited >= 50 ms or failed",
        format!("{probe_waited} of {probe_calls} (slowest {} µs)", probe_slowest.as_micros()),
    );
    s.set("probe_calls", probe_calls);
    s.set("probe_waited", probe_waited);
    s.set("probe_slowest_ms", probe_slowest.as_secs_f64() * 1000.0);
    let (in_windows, steady) = split_by_windows(&run, &calls);
    let p99_windows = percentile_ms(&in_windows, 99.0);
    let p99_steady = percentile_ms(&steady, 99.0);
    let ratio = p99_windows / p99_steady;
    s.info("throughput", format!("{:.0} req/s over {:.1} s", run.throughput(), d));
    s.info(
        "p99 latency: refresh windows / steady state",
        format!("{p99_windows:.2} ms ({} req) / {p99_steady:.2} ms ({} req)", in_windows.len(), steady.len()),
    );
    s.check(
        "p99 ratio refresh windows / steady",
        format!("{ratio:.2}"),
        &format!("<= {TARGET_P99_RATIO}"),
        ratio <= TARGET_P99_RATIO,
        Kind::Timing,
    );
    s.note(
        "a refresh window is from when a token request reaches the server until it is answered; \
            a request is in it if the two overlap",
    );
    s.set("duration_seconds", d);
    s.set("ttl_seconds", TTL.as_secs_f64());
    s.set("soft_margin_seconds", soft.as_secs_f64());
    s.set("hard_margin_seconds", hard.as_secs_f64());
    s.set("lifetimes_elapsed", d / TTL.as_secs_f64());
    s.set("refresh_points_elapsed", d / period_short.as_secs_f64());
    s.set("token_requests", requests);
    s.set("expected_token_requests", [expected_low, expected_high]);
    s.set("extra_token_requests", extra);
    s.set("unused_tokens", unused);
    s.set("unauthorized", unauthorized);
    s.set("failed_requests", run.errors);
    s.set("throughput", run.throughput());
    s.set("p99_ms_refresh_windows", p99_windows);
    s.set("p99_ms_steady", p99_steady);
    s.set("p99_ratio", ratio);
    s.set(
        "token_request_offsets_seconds",
        calls.iter().map(|c| (c.arrived - run.started).as_secs_f64()).collect::<Vec<_>>(),
    );
    Ok(())
}

/// Token requests that came less than `min_gap` after the previous one.
fn extra_requests(calls: &[TokenCall], min_gap: Duration) -> usize {
    let mut arrivals: Vec<Instant> = calls.iter().map(|c| c.arrived).collect();
    arrivals.sort();
    arrivals.windows(2).filter(|w| w[1] - w[0] < min_gap).count()
}

/// The sorted latencies of requests overlapping a token request, and of the others.
fn split_by_windows(run: &Run, calls: &[TokenCall]) -> (Vec<u32>, Vec<u32>) {
    let windows: Vec<(u64, u64)> = calls
        .iter()
        .map(|c| {
            let from = c.arrived.saturating_duration_since(run.started).as_micros() as u64;
            let to = c.answered.saturating_duration_since(run.started).as_micros() as u64;
            (from, to)
        })
        .collect();
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    for sample in &run.samples {
        let start = u64::from(sample.start_us);
        let end = start + u64::from(sample.latency_us);
        if windows.iter().any(|&(from, to)| start <= to && end >= from) {
            inside.push(sample.latency_us);
        } else {
            outside.push(sample.latency_us);
        }
    }
    inside.sort_unstable();
    outside.sort_unstable();
    (inside, outside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Sample;

    #[test]
    fn a_duplicate_refresh_is_extra() {
        let t = Instant::now();
        let call = |ms: u64| TokenCall {
            arrived: t + Duration::from_millis(ms),
            answered: t + Duration::from_millis(ms + 50),
        };
        let calls = [call(0), call(1600), call(1605), call(3200)];
        assert_eq!(extra_requests(&calls, Duration::from_millis(780)), 1);
        assert_eq!(extra_requests(&calls[..2], Duration::from_millis(780)), 0);
    }

    #[test]
    fn requests_overlapping_a_token_request_are_in_its_window() {
        let started = Instant::now();
        let sample = |start_ms: u32, latency_ms: u32| Sample {
            start_us: start_ms * 1000,
            latency_us: latency_ms * 1000,
        };
        let run = Run {
            started,
            elapsed: Duration::from_secs(1),
            samples: vec![sample(0, 5), sample(95, 10), sample(120, 3), sample(151, 2), sample(300, 7)],
            errors: 0,
            first_error: None,
            cpu: None,
        };
        let calls = [TokenCall {
            arrived: started + Duration::from_millis(100),
            answered: started + Duration::from_millis(150),
        }];
        let (inside, outside) = split_by_windows(&run, &calls);
        assert_eq!(inside, vec![3000, 10_000]);
        assert_eq!(outside, vec![2000, 5000, 7000]);
    }
}
