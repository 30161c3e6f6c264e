//! A long-running worker, like a .NET `BackgroundService`: it syncs on an interval, survives
//! transient failures and token expiry, and stops cleanly on Ctrl-C — finishing the pass it is in.
//!
//! ```sh
//! cargo run --example background_sync
//! ```
//!
//! Against the in-process mock it runs 3 passes half a second apart and stops by itself (on the second
//! pass the mock revokes every token, to show the 401 → new token → replay that the client does by
//! itself). With `UNIMICRO_*` set it syncs every 60 s until Ctrl-C.

use std::time::Duration;

use tokio::sync::watch;
use unimicro_api::{Client, Error};
use unimicro_examples::{BoxError, DemoClient, Target, init_tracing};
use unimicro_mock::MockUnimicro;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    init_tracing("warn,unimicro_auth::middleware=info");
    let target = Target::from_env_or_demo(DemoClient::Certificate).await?;
    let client = target.client_builder().user_agent("unimicro-examples-background-sync/1.0").build()?;
    let (period, passes) = match target.mock() {
        Some(_) => (Duration::from_millis(500), Some(3)),
        None => (Duration::from_secs(60), None),
    };
    println!("Syncing with {} every {period:?}; Ctrl-C stops.", target.describe());

    // The worker gets a shutdown signal; main waits for Ctrl-C or for the worker to finish by itself.
    let (stop, stopped) = watch::channel(false);
    let worker = {
        let client = client.clone();
        async move { run_worker(client, period, passes, stopped, target).await }
    };
    let worker = tokio::spawn(worker);
    tokio::select! {
        signal = tokio::signal::ctrl_c() => {
            signal?;
            println!("Ctrl-C: asking the worker to stop after the current pass…");
            let _ = stop.send(true);
        }
        _ = stop.closed() => {} // the worker ended by itself
    }
    let target = worker.await??;
    println!("Worker stopped.");
    drop(target); // stops the mock, if any
    Ok(())
}

/// Runs sync passes until told to stop (or, against the mock, after `passes` passes).
async fn run_worker(
    client: Client,
    period: Duration,
    passes: Option<u32>,
    mut stopped: watch::Receiver<bool>,
    target: Target,
) -> Result<Target, BoxError> {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pass = 0;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        pass += 1;
        if let (Some(mock), 2) = (target.mock(), pass) {
            revoke(mock);
        }
        match sync_once(&client).await {
            Ok(names) => println!("pass {pass}: in sync: {}", names.join(", ")),
            // Worth another try next pass: 5xx, 429, timeouts, an identity server that is down.
            Err(e) if e.is_transient() => println!("pass {pass}: temporary failure, retrying next pass: {e}"),
            // Wrong credentials or a revoked grant won't fix themselves: stop and say why.
            Err(e) => {
                let cause = e.auth_error().map(|a| a.to_string()).unwrap_or_default();
                return Err(format!("pass {pass}: giving up: {e} {cause}").into());
            }
        }
        if passes == Some(pass) {
            break;
        }
    }
    Ok(target)
}

/// One pass: every company's settings; their names.
async fn sync_once(client: &Client) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for company in client.companies().await? {
        let Some(key) = &company.key else { continue };
        let settings = client.company(key).settings().await?;
        // A real worker would store or compare the settings here.
        names.push(settings.company_name.unwrap_or_default());
    }
    Ok(names)
}

fn revoke(mock: &MockUnimicro) {
    let revoked = mock.revoke_tokens();
    println!(
        "(the mock revoked {revoked} token(s): the next call is answered 401, the client gets a new token and replays)"
    );
}
