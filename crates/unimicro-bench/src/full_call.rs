//! Benchmark 2: `client.company(k).settings().await` against hand-written reqwest + serde_json.
//!
//! The SDK side is a [`Client`] built the way users build it (builder, custom environment pointing at
//! the loopback server, client secret): discovery, [`TokenProvider`](unimicro_auth::TokenProvider),
//! `AuthMiddleware`, the request core, error mapping and path-reporting decoding. The hand-written
//! side is what a user would write without the SDK: reqwest with a token fetched beforehand in a static
//! header, the same client settings (timeout) and headers, and `serde_json::from_slice` into the same
//! `CompanySettings` type (taking the first element of the array), so the
//! two differ only in what the SDK does around the request, authentication included.

use std::time::{Duration, Instant};

use http::header::{ACCEPT, AUTHORIZATION};
use unimicro_api::{Client, CompanySettings, Environment};

use crate::compare::{Plan, Variant, compare, cpu_ratio, median_round_ratio, op};
use crate::overhead::check_correct;
use crate::report::{Kind, Section};
use crate::server::{COMPANY_KEY, Server, ServerConfig, settings_array};
use crate::support::{read_ok, static_authorization};

const TARGET: f64 = 0.95;

pub(crate) async fn run(plan: Plan) -> Section {
    let mut s =
        Section::new("2. Full call: client.company(k).settings() vs hand-written reqwest + serde_json");
    if let Err(e) = measure(plan, &mut s).await {
        s.check("benchmark ran", e, "no error", false, Kind::Correctness);
    }
    s
}

async fn measure(plan: Plan, s: &mut Section) -> Result<(), String> {
    let config = ServerConfig { token_latency: Duration::ZERO, token_ttl: Duration::from_secs(3600) };
    let server = Server::start(config).await.map_err(|e| format!("could not start the server: {e}"))?;
    let environment = Environment::custom(server.base(), server.base()).map_err(|e| e.to_string())?;
    let client = Client::builder()
        .environment(environment)
        .client_id("unimicro-bench")
        .client_secret("bench-secret")
        .build()
        .map_err(|e| format!("could not build the client: {e}"))?;
    client.company(COMPANY_KEY).settings().await.map_err(|e| format!("the first SDK call failed: {e}"))?;
    // The same client settings as the SDK's (a 60 s timeout, a user agent), so only the call differs.
    let http = reqwest::Client::builder()
        .user_agent("hand-written/1.0")
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("could not build a reqwest client: {e}"))?;
    let authorization = static_authorization(&http, &server).await?;
    let tokens_before = server.token_requests();
    let url = server.settings_url();

    let sdk = op(move || {
        let client = client.clone();
        async move {
            let settings = client.company(COMPANY_KEY).settings().await.map_err(|e| e.to_string())?;
            std::hint::black_box(settings);
            Ok(())
        }
    });
    let hand_written = op(move || {
        let request = http
            .get(&url)
            .header(AUTHORIZATION, authorization.clone())
            .header("CompanyKey", COMPANY_KEY)
            .header(ACCEPT, "application/json");
        async move {
            let body = read_ok(request.send().await.map_err(|e| e.to_string())?).await?;
            let list: Vec<CompanySettings> = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            let settings = list.into_iter().next().ok_or("an empty settings list")?;
            std::hint::black_box(settings);
            Ok(())
        }
    });
    let outcomes = compare(
        plan,
        &[
            Variant { name: "hand-written reqwest + serde_json", op: hand_written },
            Variant { name: "client.company(k).settings()", op: sdk },
        ],
    )
    .await;
    let [hand, sdk] = &outcomes[..] else { return Err("missing outcomes".into()) };
    for o in [hand, sdk] {
        s.info(&format!("{}: req/s", o.name), format!("{:.0}", o.throughput));
        s.info(&format!("{}: p50 / p99", o.name), format!("{:.2} / {:.2} ms", o.p50_ms, o.p99_ms));
        if let Some(cpu) = o.cpu_us_per_request {
            s.info(&format!("{}: CPU per request", o.name), format!("{cpu:.1} µs"));
        }
    }
    let ratio = median_round_ratio(sdk, hand);
    let aggregate = sdk.throughput / hand.throughput;
    s.check(
        "throughput ratio SDK / hand-written",
        format!("{ratio:.3}"),
        &format!(">= {TARGET}"),
        ratio >= TARGET,
        Kind::Timing,
    );
    s.info("  (ratio of totals over all rounds)", format!("{aggregate:.3}"));
    if let Some(cpu) = cpu_ratio(sdk, hand) {
        s.info("CPU-time ratio SDK / hand-written (per request, whole process)", format!("{cpu:.3}"));
        s.set("cpu_ratio", cpu);
    }
    let (plain_us, with_path_us) = decode_cost()?;
    s.info(
        "decoding the body alone, one thread: serde_json / serde_path_to_error",
        format!("{plain_us:.1} / {with_path_us:.1} µs"),
    );
    s.set("decode_us_serde_json", plain_us);
    s.set("decode_us_serde_path_to_error", with_path_us);
    check_correct(s, &server, &outcomes, tokens_before);
    s.note(
        "the SDK side includes authentication (cached token); the hand-written side sends a static header",
    );
    s.set("plan", plan);
    s.set("variants", &outcomes);
    s.set("ratio_median_of_rounds", ratio);
    s.set("ratio_of_totals", aggregate);
    Ok(())
}

/// Microseconds to decode the settings body into `Vec<CompanySettings>` with plain `serde_json` and
/// through `serde_path_to_error` (as the SDK does, to name the failing JSON path), alternating.
fn decode_cost() -> Result<(f64, f64), String> {
    const N: u32 = 2_000;
    let body = settings_array();
    let (mut plain, mut with_path) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..N {
            let v: Vec<CompanySettings> = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            std::hint::black_box(v);
        }
        plain += start.elapsed();
        let start = Instant::now();
        for _ in 0..N {
            let mut de = serde_json::Deserializer::from_str(&body);
            let v: Vec<CompanySettings> =
                serde_path_to_error::deserialize(&mut de).map_err(|e| e.to_string())?;
            std::hint::black_box(v);
        }
        with_path += start.elapsed();
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(N * 5);
    Ok((per(plain), per(with_path)))
}
