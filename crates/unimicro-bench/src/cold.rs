//! Benchmark 3: 1,000 concurrent first requests on a cold token cache.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Barrier;
use unimicro_auth::TokenProvider;

use crate::report::{Kind, Section};
use crate::server::{COMPANY_KEY, Server, ServerConfig};
use crate::support::{credentials, http_client, read_ok, secs, with_auth};

/// The token endpoint's latency: long enough that every request arrives while the first token is on its way.
const TOKEN_LATENCY: Duration = Duration::from_millis(50);

pub(crate) async fn run(requests: usize) -> Section {
    let mut s = Section::new("3. Cold start (1,000 concurrent first requests, token endpoint 50 ms)");
    if let Err(e) = measure(requests, &mut s).await {
        s.check("benchmark ran", e, "no error", false, Kind::Correctness);
    }
    s
}

async fn measure(requests: usize, s: &mut Section) -> Result<(), String> {
    let config = ServerConfig { token_latency: TOKEN_LATENCY, token_ttl: Duration::from_secs(3600) };
    let server = Server::start(config).await.map_err(|e| format!("could not start the server: {e}"))?;
    let provider = TokenProvider::new(credentials(&server)?);
    let client = with_auth(http_client()?, provider, &server)?;
    let url = server.settings_url();
    // Every task waits at the barrier, so all requests start together on an empty cache.
    let barrier = Arc::new(Barrier::new(requests + 1));
    let mut tasks = Vec::with_capacity(requests);
    for _ in 0..requests {
        let (client, url, barrier) = (client.clone(), url.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = client.get(&url).header("CompanyKey", COMPANY_KEY).send().await;
            read_ok(response.map_err(|e| e.to_string())?).await.map(|_| Instant::now())
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut ok = 0usize;
    let mut last = start;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(done)) => {
                ok += 1;
                last = last.max(done);
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(format!("a request task failed: {e}"));
            }
        }
    }
    let all_answered = last - start;
    let tokens = server.token_requests();
    s.check("token requests", tokens.to_string(), "exactly 1", tokens == 1, Kind::Correctness);
    let answered = match &first_error {
        None => format!("{ok} of {requests}"),
        Some(e) => format!("{ok} of {requests} (first failure: {e})"),
    };
    s.check("requests answered 200", answered, &format!("{requests}"), ok == requests, Kind::Correctness);
    s.check(
        "401 answers",
        server.unauthorized().to_string(),
        "0",
        server.unauthorized() == 0,
        Kind::Correctness,
    );
    s.info("time until all answered", secs(all_answered));
    s.note(format!(
        "includes the {} ms token request and opening {requests} connections",
        TOKEN_LATENCY.as_millis()
    ));
    s.set("requests", requests);
    s.set("answered", ok);
    s.set("token_requests", tokens);
    s.set("unauthorized", server.unauthorized());
    s.set("all_answered_seconds", all_answered.as_secs_f64());
    Ok(())
}
