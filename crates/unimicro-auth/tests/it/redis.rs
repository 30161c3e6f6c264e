//! Tests: `RedisTokenStore` against a real `redis-server`, started by each test on a free loopback port
//! and killed when the test ends.
//!
//! They are skipped, with a message, only when no `redis-server` binary is installed (`.ci/run`
//! installs it). Token times follow a `ManualClock` given to the credentials and the stores; what
//! Redis does on its own clock (key expiry, lock leases) is kept out of the way with long TTLs, except
//! in the lease tests, which wait for short real leases.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;
use unimicro_auth::redis::AsyncCommands as _;
use unimicro_auth::{
    AccessToken, CacheKey, ClientCredentials, Clock as _, ManualClock, RedisTokenStore,
    RedisTokenStoreBuilder, RetryPolicy, TokenEncryptionKey, TokenProvider, TokenStore,
};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::support::{LogCapture, TOKEN_PATH, assert_no_secrets, server_with, token_endpoint, until};

const CLIENT_ID: &str = "fleet-client";
const CLIENT_SECRET: &str = "test-only-fleet-client-secret";
/// Tokens live an hour: soft point 300 s before expiry (less up to 30 s of jitter), hard point 30 s.
const TTL: u64 = 3600;
/// Past the latest soft point, before the hard point.
const PAST_SOFT: Duration = Duration::from_secs(3331);
/// Past the hard point, before expiry.
const PAST_HARD: Duration = Duration::from_secs(3571);

/// Set in the children of the multi-process test: then [`child_provider`] runs instead of doing nothing.
const CHILD_ENV: &str = "UNIMICRO_REDIS_CHILD";

/// A `redis-server` of this test's own, on a free loopback port, with no persistence. Killed on drop.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    /// Whether it serves TLS only, with `server.crt` and `server.key` from its directory.
    tls: bool,
}

impl RedisServer {
    /// Starts one, or returns `None` (saying so) when no `redis-server` binary is installed.
    fn start(test: &str) -> Option<Self> {
        Self::start_with(test, |_| false)
    }

    /// Starts one after `prepare` wrote files into its directory; TLS only if `prepare` says so.
    fn start_with(test: &str, prepare: impl FnOnce(&std::path::Path) -> bool) -> Option<Self> {
        let probe = Command::new("redis-server").arg("--version").output();
        if probe.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            // Straight to stderr, which the test harness does not capture, so the skip is always seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: no `redis-server` binary on PATH. Install it (`apt-get install redis-server`; \
                 .ci/run does) to run the Redis token store tests."
            );
            return None;
        }
        probe.expect("`redis-server --version` runs");
        let dir = std::env::temp_dir().join(format!("unimicro-auth-redis-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temporary directory for redis-server");
        let tls = prepare(&dir);
        let mut server = Self { child: None, port: 0, dir, tls };
        for _ in 0..5 {
            server.port = free_port();
            if server.launch() {
                return Some(server);
            }
        }
        panic!("redis-server did not start on a free loopback port (5 tries)");
    }

    /// Starts redis-server on `self.port`; whether it answers PING within 5 s.
    fn launch(&mut self) -> bool {
        let port = self.port.to_string();
        let (plain_port, tls_port) = if self.tls { ("0", port.as_str()) } else { (port.as_str(), "0") };
        let file = |name: &str| self.dir.join(name).to_string_lossy().into_owned();
        let tls_args = match self.tls {
            true => vec![
                "--tls-cert-file".to_owned(),
                file("server.crt"),
                "--tls-key-file".to_owned(),
                file("server.key"),
                "--tls-auth-clients".to_owned(),
                "no".to_owned(),
            ],
            false => vec![],
        };
        let child = Command::new("redis-server")
            .args([
                "--port",
                plain_port,
                "--tls-port",
                tls_port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .args(tls_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if self.pings() {
                return true;
            }
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                break; // exited: the port was taken after all
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        false
    }

    fn pings(&self) -> bool {
        use std::io::{Read as _, Write as _};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        if self.tls {
            return true; // listening is enough: the tests' own TLS connections check the rest
        }
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        let mut reply = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    fn restart(&mut self) {
        assert!(self.launch(), "redis-server restarts on port {}", self.port);
    }

    /// Stops (`SIGSTOP`) or continues (`SIGCONT`) the server: a Redis that accepts connections but never answers.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("redis-server is running").id().to_string();
        let status =
            Command::new("sh").args(["-c", &format!("kill {signal} {pid}")]).status().expect("sh runs");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// A store with the default settings: the names it gives the keys are those of the tests' stores.
    fn default_store(&self) -> RedisTokenStore {
        RedisTokenStore::builder(self.url()).build().expect("store")
    }

    /// A plain connection for looking at what the store wrote.
    async fn raw(&self) -> unimicro_auth::redis::aio::MultiplexedConnection {
        unimicro_auth::redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("raw connection to the test redis-server")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The token endpoint: answers `test-only-fleet-token-1`, `-2` … in turn, each valid an hour, after
/// `delay` (so that concurrent requests would overlap), and counts the requests.
#[derive(Clone)]
struct Issuer {
    count: Arc<AtomicUsize>,
    delay: Duration,
}

impl Issuer {
    /// A server with this token endpoint (and the catch-all).
    async fn start(delay: Duration) -> (MockServer, Self) {
        let issuer = Self { count: Arc::default(), delay };
        (server_with([token_endpoint(issuer.clone())]).await, issuer)
    }

    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Respond for Issuer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": token_n(n), "token_type": "Bearer", "expires_in": TTL}))
            .set_delay(self.delay)
    }
}

fn token_n(n: usize) -> String {
    format!("test-only-fleet-token-{n}")
}

fn token_url(server: &MockServer) -> String {
    format!("{}{TOKEN_PATH}", server.uri())
}

fn credentials(token_url: &str, clock: Option<&ManualClock>) -> ClientCredentials {
    let builder = ClientCredentials::builder(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_endpoint(token_url)
        .scopes(["AppFramework"])
        .retry_policy(RetryPolicy::none());
    match clock {
        Some(clock) => builder.clock(clock.clone()),
        None => builder,
    }
    .build()
    .expect("test credentials")
}

/// A store of its own on `redis`, counting time on `clock`.
fn store(redis: &RedisServer, clock: &ManualClock) -> RedisTokenStoreBuilder {
    RedisTokenStore::builder(redis.url()).clock(clock.clone())
}

/// The cache key of the tests that use a store directly, without a provider.
fn cache_key() -> CacheKey {
    credentials("http://127.0.0.1:9/connect/token", None).cache_key()
}

/// A token issued now by `clock`, living `ttl` seconds.
fn token(clock: &ManualClock, secret: &str, ttl: u64) -> AccessToken {
    let now = clock.now();
    AccessToken::new(secret, "Bearer", now, now + Duration::from_secs(ttl), vec!["AppFramework".into()])
}

/// A provider with its own in-memory cache and its own store instance, as in a process of its own.
fn provider(server: &MockServer, clock: &ManualClock, store: RedisTokenStoreBuilder) -> TokenProvider {
    provider_on(server, clock, store.build().expect("store"))
}

/// A provider with its own in-memory cache sharing tokens through `store`.
fn provider_on(server: &MockServer, clock: &ManualClock, store: RedisTokenStore) -> TokenProvider {
    TokenProvider::builder(credentials(&token_url(server), Some(clock)))
        .store(store)
        .build()
        .expect("provider")
}

/// Each provider in a task of its own, with `callers` concurrent `token()` calls: the token each call got.
async fn load(providers: &[TokenProvider], callers: usize) -> Vec<String> {
    let tasks = providers.iter().cloned().map(|provider| {
        tokio::spawn(async move {
            let calls = (0..callers).map(|_| provider.token());
            join_all(calls)
                .await
                .into_iter()
                .map(|r| r.expect("token").secret().to_owned())
                .collect::<Vec<_>>()
        })
    });
    join_all(tasks).await.into_iter().flat_map(|r| r.expect("provider task")).collect()
}

fn assert_all(tokens: &[String], expected: &str) {
    assert!(!tokens.is_empty());
    let mut others = std::collections::BTreeMap::<&str, usize>::new();
    for token in tokens.iter().filter(|t| *t != expected) {
        *others.entry(token).or_default() += 1;
    }
    assert!(
        others.is_empty(),
        "every caller gets {expected}, but some got others (token: callers): {others:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_providers_make_one_token_request_per_lifetime() {
    let Some(redis) = RedisServer::start("eight_providers_make_one_token_request_per_lifetime") else {
        return;
    };
    let (server, issuer) = Issuer::start(Duration::from_millis(150)).await;
    let clock = ManualClock::starting_now();
    let providers: Vec<_> = (0..8).map(|_| provider(&server, &clock, store(&redis, &clock))).collect();

    // Lifetime 1, cold: 8 × 25 concurrent callers, one request in the fleet.
    let tokens = load(&providers, 25).await;
    assert_eq!(tokens.len(), 200);
    assert_all(&tokens, &token_n(1));
    assert_eq!(issuer.requests(), 1, "one token request for the whole fleet");
    let mut raw = redis.raw().await;
    let key = redis.default_store().token_key(providers[0].cache_key());
    let ttl: i64 = raw.pttl(&key).await.unwrap();
    assert!(
        ttl > 3_590_000 && ttl <= 3_600_000,
        "the entry expires with the token (PX = time left): {ttl} ms"
    );

    // Lifetime 2, past the soft point: callers still get token 1 at once, each process refreshes in the
    // background, and the fleet makes one request.
    clock.advance(PAST_SOFT);
    assert_all(&load(&providers, 25).await, &token_n(1));
    for provider in &providers {
        until("every provider has token 2", || async {
            provider.token().await.unwrap().secret() == token_n(2)
        })
        .await;
    }
    assert_eq!(issuer.requests(), 2, "one background refresh for the whole fleet");

    // Lifetime 3, past the hard point: callers wait for the new token, one request.
    clock.advance(PAST_HARD);
    assert_all(&load(&providers, 25).await, &token_n(3));
    assert_eq!(issuer.requests(), 3, "one request per token lifetime");

    // No lock is left behind.
    let lock = redis.default_store().lock_key(providers[0].cache_key());
    assert!(!raw.exists::<_, bool>(&lock).await.unwrap(), "the lock is released");
}

/// Not a test of its own: the body of each process of
/// [`eight_processes_make_one_token_request`]. Does nothing unless `UNIMICRO_REDIS_CHILD` is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_provider() {
    let Ok(redis_url) = std::env::var(CHILD_ENV) else { return };
    let token_url = std::env::var("UNIMICRO_REDIS_CHILD_TOKEN_URL").expect("token endpoint URL");
    let store = RedisTokenStore::builder(redis_url).build().expect("store");
    let provider =
        TokenProvider::builder(credentials(&token_url, None)).store(store).build().expect("provider");
    let calls = (0..20).map(|_| provider.token());
    for result in join_all(calls).await {
        assert_eq!(result.expect("token").secret(), token_n(1), "every process gets the one token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_make_one_token_request() {
    let Some(redis) = RedisServer::start("eight_processes_make_one_token_request") else { return };
    let (server, issuer) = Issuer::start(Duration::from_millis(500)).await;
    let exe = std::env::current_exe().expect("the test binary");
    let children = (0..8).map(|_| {
        tokio::process::Command::new(&exe)
            .args(["redis::child_provider", "--exact", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, redis.url())
            .env("UNIMICRO_REDIS_CHILD_TOKEN_URL", token_url(&server))
            .kill_on_drop(true)
            .output()
    });
    for output in join_all(children).await {
        let output = output.expect("child process runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(issuer.requests(), 1, "8 processes, one token request");
}

#[tokio::test(flavor = "current_thread")]
async fn requests_keep_succeeding_while_redis_is_down_and_it_is_used_again_when_back() {
    let Some(mut redis) =
        RedisServer::start("requests_keep_succeeding_while_redis_is_down_and_it_is_used_again_when_back")
    else {
        return;
    };
    let logs = LogCapture::default();
    let _guard = logs.install();
    let (server, issuer) = Issuer::start(Duration::ZERO).await;
    let clock = ManualClock::starting_now();
    let stores: Vec<_> = (0..2)
        .map(|_| store(&redis, &clock).retry_after_failure(Duration::from_millis(50)).build().unwrap())
        .collect();
    let providers: Vec<_> = stores.iter().map(|s| provider_on(&server, &clock, s.clone())).collect();
    assert_all(&load(&providers, 5).await, &token_n(1));
    assert_eq!(issuer.requests(), 1);

    redis.kill();
    // Two lifetimes without Redis: every call succeeds; each process falls back to its own requests.
    for lifetime in 0..2 {
        clock.advance(PAST_HARD);
        let tokens = load(&providers, 5).await;
        assert_eq!(tokens.len(), 10, "lifetime {lifetime}");
        assert!(stores.iter().all(|s| !s.is_reachable()));
        tokio::time::sleep(Duration::from_millis(60)).await; // past the fail-fast window: Redis is tried again
    }
    assert_eq!(issuer.requests(), 5, "without Redis, each process requests its own token per lifetime");
    let text = logs.text();
    let warnings =
        text.lines().filter(|l| l.starts_with("WARN") && l.contains("Redis token store is failing"));
    assert_eq!(
        warnings.count(),
        2,
        "one warning per store for the whole outage, not one per command:\n{text}"
    );

    redis.restart();
    tokio::time::sleep(Duration::from_millis(60)).await;
    clock.advance(PAST_HARD);
    let tokens = load(&providers, 5).await;
    assert_eq!(issuer.requests(), 6, "with Redis back, the fleet shares one request again");
    assert_all(&tokens, &token_n(6));
    assert!(stores.iter().all(RedisTokenStore::is_reachable));
    let text = logs.text();
    let recovered = text.lines().filter(|l| l.starts_with("INFO") && l.contains("reachable again")).count();
    assert_eq!(recovered, 2, "{text}");
    let key = stores[0].token_key(providers[0].cache_key());
    assert!(redis.raw().await.exists::<_, bool>(&key).await.unwrap(), "the new token is in Redis again");
    assert_no_secrets("the logs", &text, &[&token_n(1), &token_n(6), CLIENT_SECRET]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_hangs_costs_at_most_one_command_timeout() {
    let Some(redis) = RedisServer::start("a_redis_that_hangs_costs_at_most_one_command_timeout") else {
        return;
    };
    let (server, issuer) = Issuer::start(Duration::ZERO).await;
    let clock = ManualClock::starting_now();
    let store = store(&redis, &clock).command_timeout(Duration::from_millis(300)).build().unwrap();
    let provider = provider_on(&server, &clock, store.clone());
    assert_eq!(provider.token().await.unwrap().secret(), token_n(1));

    redis.signal("-STOP");
    clock.advance(PAST_HARD);
    let started = Instant::now();
    let result = provider.token().await;
    let took = started.elapsed();
    redis.signal("-CONT");
    assert_eq!(result.unwrap().secret(), token_n(2), "the token request goes on without Redis");
    assert!(took >= Duration::from_millis(280), "the read waited for its timeout: {took:?}");
    assert!(took < Duration::from_millis(850), "get, lock and put cost one timeout, not three: {took:?}");
    assert!(!store.is_reachable());
    assert_eq!(issuer.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_whose_owner_died_is_taken_over_after_its_lease() {
    let Some(redis) = RedisServer::start("a_lock_whose_owner_died_is_taken_over_after_its_lease") else {
        return;
    };
    let (server, issuer) = Issuer::start(Duration::from_millis(50)).await;
    let clock = ManualClock::starting_now();
    let providers: Vec<_> = (0..3)
        .map(|_| provider(&server, &clock, store(&redis, &clock).lock_wait(Duration::from_secs(5))))
        .collect();
    // A worker took the lock with a 700 ms lease and died before releasing it.
    let lock = redis.default_store().lock_key(providers[0].cache_key());
    let mut raw = redis.raw().await;
    let taken: Option<String> = unimicro_auth::redis::cmd("SET")
        .arg(&lock)
        .arg("dead-worker")
        .arg("NX")
        .arg("PX")
        .arg(700)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(taken.is_some());

    let started = Instant::now();
    let fleet = tokio::spawn({
        let providers = providers.clone();
        async move { load(&providers, 10).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(issuer.requests(), 0, "nobody requests a token while the lease lasts");
    assert_eq!(raw.get::<_, Option<String>>(&lock).await.unwrap().as_deref(), Some("dead-worker"));

    let tokens = fleet.await.unwrap();
    let took = started.elapsed();
    assert_all(&tokens, &token_n(1));
    assert_eq!(issuer.requests(), 1, "one worker took over the lock and requested the token for all");
    assert!(took >= Duration::from_millis(650), "they waited for the lease to end: {took:?}");
    assert!(took < Duration::from_secs(3), "and not for the whole lock wait: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_too_long_is_waited_for_only_a_bounded_time() {
    let Some(redis) = RedisServer::start("a_lock_held_too_long_is_waited_for_only_a_bounded_time") else {
        return;
    };
    let (server, issuer) = Issuer::start(Duration::ZERO).await;
    let clock = ManualClock::starting_now();
    let provider = provider(&server, &clock, store(&redis, &clock).lock_wait(Duration::from_millis(300)));
    let lock = redis.default_store().lock_key(provider.cache_key());
    let mut raw = redis.raw().await;
    let _: () = raw.set_ex(&lock, "stuck-worker", 60).await.unwrap();

    let started = Instant::now();
    assert_eq!(provider.token().await.unwrap().secret(), token_n(1), "the provider requests a token itself");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(280) && took < Duration::from_secs(2), "{took:?}");
    assert_eq!(issuer.requests(), 1);
    let holder: Option<String> = raw.get(&lock).await.unwrap();
    assert_eq!(holder.as_deref(), Some("stuck-worker"), "a lock is only ever released by its owner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_exclusive_and_released_only_by_its_owner() {
    let Some(redis) = RedisServer::start("the_lock_is_exclusive_and_released_only_by_its_owner") else {
        return;
    };
    let clock = ManualClock::starting_now();
    let key = cache_key();
    let store = |wait: u64| {
        store(&redis, &clock)
            .lock_lease(Duration::from_millis(400))
            .lock_wait(Duration::from_millis(wait))
            .build()
    };
    let (a, b) = (store(2000).unwrap(), store(100).unwrap());
    let mut raw = redis.raw().await;

    assert!(a.lock(&key).await.unwrap());
    let started = Instant::now();
    assert!(!b.lock(&key).await.unwrap(), "another store waits, then gives up");
    assert!(started.elapsed() >= Duration::from_millis(90), "{:?}", started.elapsed());
    // Within one store, a second lock waits for the first to be released.
    let again = tokio::spawn({
        let (a, key) = (a.clone(), key.clone());
        async move { a.lock(&key).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!again.is_finished(), "the same store does not take the lock twice");
    a.unlock(&key).await.unwrap();
    assert!(again.await.unwrap(), "released: taken by the next waiter");
    a.unlock(&key).await.unwrap();

    // The lease ends while `a` holds the lock; `b` takes it; `a`'s late unlock must leave `b`'s lock alone.
    assert!(a.lock(&key).await.unwrap());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(b.lock(&key).await.unwrap(), "the lease ended");
    let owner_b: Option<String> = raw.get(a.lock_key(&key)).await.unwrap();
    a.unlock(&key).await.unwrap();
    let after: Option<String> = raw.get(a.lock_key(&key)).await.unwrap();
    assert!(owner_b.is_some());
    assert_eq!(after, owner_b, "only the owner releases a lock");
    b.unlock(&key).await.unwrap();
    assert!(!raw.exists::<_, bool>(a.lock_key(&key)).await.unwrap());
}

#[tokio::test(flavor = "current_thread")]
async fn entries_expire_with_the_token_are_removed_only_if_unchanged_and_can_be_encrypted() {
    let Some(redis) = RedisServer::start(
        "entries_expire_with_the_token_are_removed_only_if_unchanged_and_can_be_encrypted",
    ) else {
        return;
    };
    let logs = LogCapture::default();
    let _guard = logs.install();
    let clock = ManualClock::starting_now();
    let key = cache_key();
    let mut raw = redis.raw().await;

    for encrypted in [false, true] {
        let key_b64 = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
        let builder = store(&redis, &clock).key_prefix(format!("enc-{encrypted}:"));
        let builder = if encrypted {
            builder.encryption_key(TokenEncryptionKey::from_base64(key_b64).unwrap())
        } else {
            builder
        };
        let store = builder.build().unwrap();
        let (old, new) =
            (token(&clock, "test-only-token-old", 600), token(&clock, "test-only-token-new", 900));
        store.put(&key, &old).await.unwrap();
        let got = store.get(&key).await.unwrap().expect("stored");
        assert!(got.same_token(&old) && got.expires_at() == old.expires_at() && got.scopes() == old.scopes());
        let ttl: i64 = raw.pttl(store.token_key(&key)).await.unwrap();
        assert!(ttl > 595_000 && ttl <= 600_000, "PX is the time left: {ttl}");
        let stored: String = raw.get(store.token_key(&key)).await.unwrap();
        assert_eq!(stored.contains("test-only-token-old"), !encrypted, "at rest: {stored}");

        store.put(&key, &new).await.unwrap();
        store.remove(&key, &old).await.unwrap();
        let kept = store.get(&key).await.unwrap().expect("a newer token survives removing an older one");
        assert!(kept.same_token(&new));
        store.remove(&key, &new).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_none(), "the token given is removed");

        store.put(&key, &token(&clock, "test-only-token-expired", 0)).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_none(), "an expired token is not stored");
        assert_no_secrets("the store's Debug", &format!("{store:?}"), &["test-only-token", key_b64, "q83v"]);
    }

    // Another key, or no key, reads an encrypted entry as missing, and says so once.
    let with = |k: &str| {
        store(&redis, &clock)
            .key_prefix("enc-true:")
            .encryption_key(TokenEncryptionKey::from_base64(k).unwrap())
    };
    let writer = with("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=").build().unwrap();
    let sealed = token(&clock, "test-only-token-sealed", 600);
    writer.put(&key, &sealed).await.unwrap();
    let wrong = with("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").build().unwrap();
    let none = store(&redis, &clock).key_prefix("enc-true:").build().unwrap();
    for _ in 0..3 {
        assert!(wrong.get(&key).await.unwrap().is_none());
        assert!(none.get(&key).await.unwrap().is_none());
    }
    assert!(writer.get(&key).await.unwrap().unwrap().same_token(&sealed));
    let text = logs.text();
    let warned = text.lines().filter(|l| l.starts_with("WARN") && l.contains("cannot read")).count();
    assert_eq!(warned, 2, "one warning per store, not per read:\n{text}");
    assert!(text.contains("another key") && text.contains("no encryption key"), "{text}");
    assert_no_secrets("the logs", &text, &["test-only-token", "q83vEjRW"]);
}

/// `rediss://` through rustls (the `redis-tls` feature; no OpenSSL): a store on a TLS-only Redis whose
/// certificate is issued by a test CA, given as the root.
#[cfg(feature = "redis-tls")]
#[tokio::test(flavor = "current_thread")]
async fn rediss_works_through_rustls() {
    use unimicro_auth::redis::{Client, TlsCertificates};
    let mut ca_pem = String::new();
    let Some(redis) = RedisServer::start_with("rediss_works_through_rustls", |dir| {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name.push(rcgen::DnType::CommonName, "test-only Redis CA");
        ca_pem = ca.self_signed(&ca_key).unwrap().pem();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &rcgen::Issuer::new(ca, ca_key))
            .unwrap();
        std::fs::write(dir.join("server.crt"), server.pem()).unwrap();
        std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
        true
    }) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}/0", redis.port);
    let clock = ManualClock::starting_now();
    let key = cache_key();
    let token = token(&clock, "test-only-tls-token", 60);

    let client = Client::build_with_tls(
        url.as_str(),
        TlsCertificates { client_tls: None, root_cert: Some(ca_pem.into()) },
    )
    .unwrap();
    let store = RedisTokenStore::builder_for_client(client).clock(clock.clone()).build().unwrap();
    store.put(&key, &token).await.expect("put over TLS");
    assert!(store.get(&key).await.unwrap().expect("stored").same_token(&token));

    // Without the test CA, the server's certificate is refused: a store error, not a panic.
    let untrusting = RedisTokenStore::builder(&url).clock(clock.clone()).build().unwrap();
    let err = untrusting.get(&key).await.unwrap_err();
    assert!(matches!(err, unimicro_auth::Error::Store(_)), "{err}");
}

/// The ACL the store's docs recommend is all it needs: a user limited to the key prefix and five commands.
#[tokio::test(flavor = "current_thread")]
async fn a_least_privilege_acl_user_is_enough() {
    let Some(redis) = RedisServer::start("a_least_privilege_acl_user_is_enough") else { return };
    let mut raw = redis.raw().await;
    let _: () = unimicro_auth::redis::cmd("ACL")
        .arg("SETUSER")
        .arg("fleet")
        .arg("on")
        .arg(">test-only-acl-password")
        .arg("resetkeys")
        .arg("~acl-fleet:*")
        .arg("resetchannels")
        .arg("-@all")
        .arg(&["+get", "+set", "+del", "+evalsha", "+script|load"][..])
        .query_async(&mut raw)
        .await
        .unwrap();
    let clock = ManualClock::starting_now();
    let key = cache_key();
    let token = token(&clock, "test-only-acl-token", 60);
    let url = format!("redis://fleet:test-only-acl-password@127.0.0.1:{}/0", redis.port);
    let store = RedisTokenStore::builder(url).key_prefix("acl-fleet:").clock(clock.clone()).build().unwrap();

    store.put(&key, &token).await.expect("SET");
    assert!(store.get(&key).await.expect("GET").expect("stored").same_token(&token));
    assert!(store.lock(&key).await.expect("SET NX"));
    store.unlock(&key).await.expect("EVALSHA, after SCRIPT LOAD");
    store.remove(&key, &token).await.expect("EVALSHA");
    assert!(store.get(&key).await.unwrap().is_none());
    assert_no_secrets("the store's Debug", &format!("{store:?}"), &["test-only-acl-password"]);

    // Outside its prefix, the same user is refused: the ACL is what limits it.
    let outside =
        RedisTokenStore::builder(format!("redis://fleet:test-only-acl-password@127.0.0.1:{}/0", redis.port))
            .clock(clock.clone())
            .build()
            .unwrap();
    let err = outside.put(&key, &token).await.unwrap_err();
    assert!(err.to_string().contains("NOPERM") || err.to_string().contains("permission"), "{err}");
    assert_no_secrets("the error", &err.to_string(), &["test-only-acl-password", "test-only-acl-token"]);
}
