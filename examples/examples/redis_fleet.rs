//! A fleet of workers sharing one access token through Redis: each worker has its own
//! `TokenProvider` and its own `RedisTokenStore` on the same Redis, and the fleet makes one token
//! request per token lifetime.
//!
//! ```sh
//! redis-server --port 6379 --save '' &    # or any Redis / Valkey you have
//! REDIS_URL=redis://127.0.0.1:6379/0 cargo run -p unimicro-examples --features redis --example redis_fleet
//! ```
//!
//! Tokens come from the in-process Unimicro mock, or from the real platform when `UNIMICRO_*`
//! variables are set (see the quickstart). Set `TOKEN_ENCRYPTION_KEY` (from `openssl rand -base64 32`)
//! to encrypt the tokens Redis holds.

use std::time::SystemTime;

use unimicro_auth::{RedisTokenStore, TokenEncryptionKey, TokenProvider};
use unimicro_examples::{BoxError, DemoClient, Target, init_tracing};

const WORKERS: usize = 4;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    init_tracing("warn");
    let Some(redis_url) = std::env::var("REDIS_URL").ok().filter(|v| !v.trim().is_empty()) else {
        eprintln!(
            "This example needs a running Redis, named by REDIS_URL. For example:\n\
             \n    redis-server --port 6379 --save '' &\
             \n    REDIS_URL=redis://127.0.0.1:6379/0 cargo run -p unimicro-examples --features redis --example redis_fleet\n"
        );
        std::process::exit(2);
    };
    let target = Target::from_env_or_demo(DemoClient::Secret).await?;
    println!("Tokens from {}, shared through Redis", target.describe());

    // What each worker (a process, a pod …) does at start-up: the same three lines everywhere.
    let mut workers = Vec::new();
    for n in 0..WORKERS {
        let mut store = RedisTokenStore::builder(&redis_url);
        if let Ok(key) = std::env::var("TOKEN_ENCRYPTION_KEY") {
            store = store.encryption_key(TokenEncryptionKey::from_base64(&key)?);
        }
        let provider = TokenProvider::builder(target.credentials()?).store(store.build()?).build()?;
        workers.push(tokio::spawn(async move { (n, provider.token().await) }));
    }

    for worker in workers {
        let (n, token) = worker.await?;
        let token = token?;
        let left = token.expires_at().duration_since(SystemTime::now()).unwrap_or_default();
        println!("worker {n}: a token valid for {} more seconds", left.as_secs());
    }
    if let Some(mock) = target.mock() {
        println!("{WORKERS} workers, {} token request(s).", mock.token_requests(&target.client_id));
    }
    Ok(())
}
