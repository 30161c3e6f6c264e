//! Tests: the token cache (`TokenProvider`) and the token stores.
//!
//! Time is a `ManualClock`; the token endpoint a wiremock server. Tokens live 3600 s, so (with the
//! default policy) the soft point is 300 s before expiry less up to 30 s of jitter, and the hard point
//! 30 s before expiry.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tokio::sync::Notify;
use unimicro_auth::{
    AccessToken, CacheKey, ClientCredentials, Clock as _, Error, InMemoryTokenStore, ManualClock,
    RetryPolicy, TokenProvider, TokenStore,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    LogCapture, TOKEN_PATH, assert_no_secrets, mount_catch_all, server_with, token_endpoint, token_response,
    until,
};

pub(crate) const CLIENT_ID: &str = "test-client";
pub(crate) const CLIENT_SECRET: &str = "test-only-client-secret-value";

/// Before the earliest possible soft point (3300 s).
pub(crate) const BEFORE_SOFT: Duration = Duration::from_secs(3299);
/// After the latest possible soft point (3330 s), before the hard point (3570 s).
pub(crate) const PAST_SOFT: Duration = Duration::from_secs(3331);
/// After the hard point, before expiry.
pub(crate) const PAST_HARD: Duration = Duration::from_secs(3571);
/// After expiry.
pub(crate) const PAST_EXPIRY: Duration = Duration::from_secs(3601);

pub(crate) fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
}

/// Client-secret credentials against `server`'s token endpoint, with no retries of their own.
pub(crate) fn credentials(server: &MockServer, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::builder(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_endpoint(format!("{}{TOKEN_PATH}", server.uri()))
        .scopes(["AppFramework"])
        .retry_policy(RetryPolicy::none())
        .clock(clock.clone())
        .build()
        .expect("test credentials")
}

/// Credentials for tests that only build things and never request a token.
pub(crate) fn unused_credentials() -> ClientCredentials {
    ClientCredentials::builder("c")
        .client_secret("s")
        .token_endpoint("https://login.example.test/connect/token")
        .build()
        .expect("test credentials")
}

/// A provider with the default settings over [`credentials`].
pub(crate) fn provider(server: &MockServer, clock: &ManualClock) -> TokenProvider {
    TokenProvider::new(credentials(server, clock))
}

/// A provider over [`credentials`] that shares its tokens through `store`.
fn provider_with_store(server: &MockServer, clock: &ManualClock, store: impl TokenStore) -> TokenProvider {
    TokenProvider::builder(credentials(server, clock)).store(store).build().expect("provider")
}

/// A token endpoint answering `token`, valid 3600 s.
pub(crate) fn issues(token: &str) -> Mock {
    token_endpoint(token_response(token, json!(3600)))
}

/// A token endpoint answering `token`, valid 3600 s, after `delay` (real time).
fn issues_after(delay: Duration, token: &str) -> Mock {
    token_endpoint(token_response(token, json!(3600)).set_delay(delay))
}

/// A token endpoint answering an RFC 6749 error.
pub(crate) fn refuses(status: u16, code: &str) -> Mock {
    token_endpoint(
        ResponseTemplate::new(status)
            .set_body_json(json!({"error": code, "error_description": "refused by the test"})),
    )
}

/// How many token requests `server` received.
pub(crate) async fn token_requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == TOKEN_PATH).count()
}

/// `callers` concurrent `token()` calls, each in a task of its own and all started before any is
/// awaited: what each got.
async fn concurrent_tokens(
    provider: &TokenProvider,
    callers: usize,
) -> Vec<unimicro_auth::Result<AccessToken>> {
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    let mut results = Vec::with_capacity(callers);
    for task in tasks {
        results.push(task.await.expect("a token() task panicked"));
    }
    results
}

/// Gives tasks the code under test may have started a real chance to run (to show they did not).
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
fn assert_send<T: Send>(_: &T) {}

#[test]
fn provider_and_store_are_send_sync_clone_and_futures_are_send() {
    assert_send_sync_clone::<TokenProvider>();
    assert_send_sync_clone::<InMemoryTokenStore>();
    // Never awaited: only their types are checked. A future that is not `Send` cannot be spawned on
    // a multi-threaded runtime nor used in reqwest-middleware.
    let credentials = unused_credentials();
    let provider = TokenProvider::new(credentials.clone());
    assert_send(&credentials.request_token());
    assert_send(&provider.token());
    let token = AccessToken::new("t", "Bearer", SystemTime::now(), SystemTime::now(), vec![]);
    assert_send(&provider.invalidate(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_callers_on_a_cold_cache_make_one_request() {
    // The delay keeps the request open while the callers pile up.
    let server = server_with([issues_after(Duration::from_millis(200), "tok-cold").expect(1)]).await;
    let provider = provider(&server, &clock());

    for token in concurrent_tokens(&provider, 1000).await {
        assert_eq!(token.expect("every caller gets the token").secret(), "tok-cold");
    }
    assert_eq!(token_requests(&server).await, 1);
    server.verify().await;
}

#[tokio::test]
async fn the_cached_token_is_served_without_requests_until_the_soft_point() {
    let server = server_with([issues("tok-1").expect(1)]).await;
    let clock = clock();
    let provider = provider(&server, &clock);

    let first = provider.token().await.unwrap();
    assert_eq!(first.expires_at(), clock.now() + Duration::from_secs(3600));
    for step in [Duration::from_secs(1), BEFORE_SOFT - Duration::from_secs(1)] {
        clock.advance(step);
        for _ in 0..10 {
            assert!(provider.token().await.unwrap().same_token(&first));
        }
    }
    settle().await;
    assert_eq!(token_requests(&server).await, 1, "no refresh may start before the soft point");
    server.verify().await;
}

#[tokio::test]
async fn past_the_soft_point_callers_get_the_old_token_at_once_and_one_refresh_runs() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        // The refresh answers slowly: callers must not wait for it.
        issues_after(Duration::from_millis(500), "tok-2").expect(1),
    ])
    .await;
    let clock = clock();
    let provider = provider(&server, &clock);
    assert_eq!(provider.token().await.unwrap().secret(), "tok-1");

    clock.advance(PAST_SOFT);
    for _ in 0..50 {
        let token = tokio::time::timeout(Duration::from_millis(100), provider.token())
            .await
            .expect("a caller past the soft point must not wait for the refresh")
            .unwrap();
        assert_eq!(token.secret(), "tok-1");
    }
    until("the refreshed token is served", || async { provider.token().await.unwrap().secret() == "tok-2" })
        .await;
    assert_eq!(token_requests(&server).await, 2, "exactly one refresh");
    server.verify().await;
}

#[tokio::test]
async fn past_the_hard_point_callers_wait_for_the_new_token() {
    let server = server_with([issues("tok-1").up_to_n_times(1).expect(1), issues("tok-2").expect(1)]).await;
    let clock = clock();
    let provider = provider(&server, &clock);
    assert_eq!(provider.token().await.unwrap().secret(), "tok-1");

    clock.advance(PAST_HARD);
    // Still valid for 29 s, but too close to expiry to hand out.
    for token in concurrent_tokens(&provider, 20).await {
        assert_eq!(token.unwrap().secret(), "tok-2");
    }
    server.verify().await;
}

#[tokio::test]
async fn past_expiry_with_the_server_down_callers_get_the_error_with_its_kind() {
    let server = server_with([
        issues("tok-1").up_to_n_times(1).expect(1),
        token_endpoint(ResponseTemplate::new(503).set_delay(Duration::from_millis(100))).expect(2),
    ])
    .await;
    let clock = clock();
    let provider = provider(&server, &clock);
    provider.token().await.unwrap();

    clock.advance(PAST_EXPIRY);
    // Concurrent callers share one failed request and all get its error.
    for result in concurrent_tokens(&provider, 20).await {
        let error = result.expect_err("no valid token and the server is down");
        assert!(error.is_transient(), "{error}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
        assert!(matches!(error, Error::UnexpectedResponse { .. }), "{error:?}");
    }
    assert_eq!(token_requests(&server).await, 2);
    // A transient error has no cooldown: the next call tries again.
    let error = provider.token().await.unwrap_err();
    assert!(error.is_transient());
    server.verify().await;
}

#[tokio::test]
async fn a_failing_background_refresh_keeps_serving_the_valid_token_and_backs_off() {
    let server = MockServer::start().await;
    issues("tok-1").up_to_n_times(1).expect(1).mount(&server).await;
    // Mounted before the catch-all: wiremock 0.6 drops a scoped mock by its place in the list of mocks,
    // which changes when they are sorted by priority with a lower-priority one before it.
    let down = token_endpoint(ResponseTemplate::new(503)).expect(2).mount_as_scoped(&server).await;
    mount_catch_all(&server).await;
    let clock = clock();
    let provider = provider(&server, &clock);
    provider.token().await.unwrap();

    clock.advance(PAST_SOFT);
    assert_eq!(provider.token().await.unwrap().secret(), "tok-1");
    until("the background refresh failed and backs off", || async { clock.sleeps().len() == 1 }).await;
    let backoff = clock.sleeps()[0];
    assert!(backoff <= Duration::from_secs(1) && backoff >= Duration::from_millis(750), "{backoff:?}");
    // While it backs off, callers get the valid token and nothing is requested.
    for _ in 0..20 {
        assert_eq!(provider.token().await.unwrap().secret(), "tok-1");
    }
    settle().await;
    assert_eq!(token_requests(&server).await, 2);

    clock.advance(backoff);
    until("the second attempt failed", || async { clock.sleeps().len() == 2 }).await;
    let backoff = clock.sleeps()[1];
    assert!(
        backoff <= Duration::from_secs(2) && backoff >= Duration::from_millis(1500),
        "doubles: {backoff:?}"
    );
    assert_eq!(provider.token().await.unwrap().secret(), "tok-1");
    assert_eq!(token_requests(&server).await, 3);
    drop(down);

    // The server is back: the next attempt succeeds and the new token is served.
    issues("tok-2").expect(1).mount(&server).await;
    clock.advance(backoff);
    until("the new token is served", || async { provider.token().await.unwrap().secret() == "tok-2" }).await;
    settle().await;
    assert_eq!(token_requests(&server).await, 4);
    server.verify().await;
}

#[tokio::test]
async fn invalid_client_is_answered_from_memory_during_the_cooldown() {
    let server = server_with([refuses(401, "invalid_client").expect(2)]).await;
    let clock = clock();
    let provider = provider(&server, &clock);

    let mut messages = Vec::new();
    for result in concurrent_tokens(&provider, 100).await {
        let error = result.unwrap_err();
        assert_eq!(error.oauth().map(|e| e.code()), Some("invalid_client"), "{error}");
        assert!(!error.is_transient());
        messages.push(error.to_string());
    }
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "every caller gets the same error");
    clock.advance(Duration::from_millis(4900));
    for _ in 0..100 {
        let error = provider.token().await.unwrap_err();
        assert_eq!(error.oauth().map(|e| e.code()), Some("invalid_client"));
    }
    assert_eq!(token_requests(&server).await, 1, "no storm: one request for 200 calls");

    // After the cooldown the next call asks the server again.
    clock.advance(Duration::from_millis(101));
    let error = provider.token().await.unwrap_err();
    assert_eq!(error.oauth().map(|e| e.code()), Some("invalid_client"));
    assert_eq!(token_requests(&server).await, 2);
    server.verify().await;
}

#[tokio::test]
async fn the_cooldown_is_configurable() {
    let server = server_with([refuses(400, "invalid_scope").expect(3)]).await;
    let clock = clock();
    let provider = TokenProvider::builder(credentials(&server, &clock))
        .error_cooldown(Duration::from_secs(60))
        .build()
        .unwrap();
    provider.token().await.unwrap_err();
    clock.advance(Duration::from_secs(59));
    provider.token().await.unwrap_err();
    assert_eq!(token_requests(&server).await, 1);
    clock.advance(Duration::from_secs(1));
    provider.token().await.unwrap_err();
    assert_eq!(token_requests(&server).await, 2);

    // Zero turns the cooldown off.
    let provider =
        TokenProvider::builder(credentials(&server, &clock)).error_cooldown(Duration::ZERO).build().unwrap();
    provider.token().await.unwrap_err();
    assert_eq!(token_requests(&server).await, 3);
    server.verify().await;
}

/// A store that announces each `put`.
#[derive(Debug, Default)]
struct NotifyingStore {
    inner: InMemoryTokenStore,
    put: Notify,
}

#[async_trait::async_trait]
impl TokenStore for NotifyingStore {
    async fn get(&self, key: &CacheKey) -> unimicro_auth::Result<Option<AccessToken>> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &CacheKey, token: &AccessToken) -> unimicro_auth::Result<()> {
        self.inner.put(key, token).await?;
        self.put.notify_one();
        Ok(())
    }
    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> unimicro_auth::Result<()> {
        self.inner.remove(key, token).await
    }
}

#[tokio::test]
async fn a_caller_dropping_its_future_does_not_cancel_the_request() {
    let server = server_with([issues_after(Duration::from_millis(300), "tok-1").expect(1)]).await;
    let store = Arc::new(NotifyingStore::default());
    let provider = provider_with_store(&server, &clock(), store.clone());

    let caller = tokio::spawn({
        let provider = provider.clone();
        async move { provider.token().await }
    });
    until("the token request reached the server", || async { token_requests(&server).await == 1 }).await;
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());

    // Nobody waits for the token any more, yet the request completes and the token is stored.
    tokio::time::timeout(Duration::from_secs(5), store.put.notified())
        .await
        .expect("the request went on after its only caller left");
    assert_eq!(store.inner.len(), 1);
    assert_eq!(provider.token().await.unwrap().secret(), "tok-1");
    server.verify().await;
}

#[tokio::test]
async fn invalidate_drops_only_the_token_given() {
    let server = server_with([issues("tok-1").up_to_n_times(1).expect(1), issues("tok-2").expect(1)]).await;
    let store = Arc::new(LockingStore::default());
    let provider = provider_with_store(&server, &clock(), store.clone());

    let old = provider.token().await.unwrap();
    provider.invalidate(&old).await;
    let new = provider.token().await.unwrap();
    assert_eq!(new.secret(), "tok-2");
    let calls = store.calls.lock().unwrap().len();
    // Late invalidations of the old token leave the new one alone, in memory and in the store.
    provider.invalidate(&old).await;
    provider.invalidate(&old).await;
    assert!(provider.token().await.unwrap().same_token(&new));
    assert_eq!(store.calls.lock().unwrap()[calls..], [] as [&str; 0], "no store call: the new token stays");
    assert_eq!(
        store.inner.get(provider.cache_key()).await.unwrap().map(|t| t.secret().to_owned()).as_deref(),
        Some("tok-2")
    );
    server.verify().await;
}

#[tokio::test]
async fn providers_sharing_a_store_share_the_token() {
    let server = server_with([issues("tok-shared").expect(1)]).await;
    let clock = clock();
    let store = InMemoryTokenStore::new();
    let a = provider_with_store(&server, &clock, store.clone());
    let b = provider_with_store(&server, &clock, store.clone());

    assert_eq!(a.token().await.unwrap().secret(), "tok-shared");
    assert_eq!(b.token().await.unwrap().secret(), "tok-shared", "taken from the store");
    assert_eq!(store.len(), 1);
    server.verify().await;
}

/// A store that fails everything but returns `stale` from `get`: a broken shared store.
#[derive(Debug)]
struct BrokenStore {
    stale: Option<AccessToken>,
    calls: Mutex<Vec<&'static str>>,
}

impl BrokenStore {
    fn failure(&self, call: &'static str) -> Error {
        self.calls.lock().unwrap().push(call);
        Error::Store(format!("{call} failed (test)"))
    }
}

#[async_trait::async_trait]
impl TokenStore for BrokenStore {
    async fn get(&self, _: &CacheKey) -> unimicro_auth::Result<Option<AccessToken>> {
        self.calls.lock().unwrap().push("get");
        match &self.stale {
            Some(token) => Ok(Some(token.clone())),
            None => Err(Error::Store("get failed (test)".into())),
        }
    }
    async fn put(&self, _: &CacheKey, _: &AccessToken) -> unimicro_auth::Result<()> {
        Err(self.failure("put"))
    }
    async fn remove(&self, _: &CacheKey, _: &AccessToken) -> unimicro_auth::Result<()> {
        Err(self.failure("remove"))
    }
    async fn lock(&self, _: &CacheKey) -> unimicro_auth::Result<bool> {
        Err(self.failure("lock"))
    }
}

#[tokio::test]
async fn store_errors_never_lose_a_valid_token() {
    let server = server_with([issues("tok-1").expect(1)]).await;
    let store = Arc::new(BrokenStore { stale: None, calls: Mutex::default() });
    let provider = provider_with_store(&server, &clock(), store.clone());

    assert_eq!(provider.token().await.unwrap().secret(), "tok-1", "a store error does not stop a request");
    for _ in 0..10 {
        assert_eq!(provider.token().await.unwrap().secret(), "tok-1", "kept in memory");
    }
    assert_eq!(*store.calls.lock().unwrap(), ["get", "lock", "put"]);
    server.verify().await;
}

#[tokio::test]
async fn a_rejected_token_is_never_taken_from_the_store_again() {
    let server = server_with([issues("tok-fresh").expect(1)]).await;
    let clock = clock();
    let now = clock.now();
    let stale = AccessToken::new("tok-in-store", "Bearer", now, now + Duration::from_secs(3600), vec![]);
    let store = Arc::new(BrokenStore { stale: Some(stale), calls: Mutex::default() });
    let provider = provider_with_store(&server, &clock, store.clone());

    let from_store = provider.token().await.unwrap();
    assert_eq!(from_store.secret(), "tok-in-store");
    assert_eq!(token_requests(&server).await, 0, "a fresh stored token needs no request");

    // The server rejects it and the store cannot remove it: the provider must not reuse it.
    provider.invalidate(&from_store).await;
    assert_eq!(provider.token().await.unwrap().secret(), "tok-fresh");
    assert_eq!(*store.calls.lock().unwrap(), ["get", "remove", "get", "lock", "put"]);
    server.verify().await;
}

/// A store that records the calls a cross-process store would see, and takes a lock.
#[derive(Debug, Default)]
struct LockingStore {
    inner: InMemoryTokenStore,
    calls: Mutex<Vec<&'static str>>,
}

#[async_trait::async_trait]
impl TokenStore for LockingStore {
    async fn get(&self, key: &CacheKey) -> unimicro_auth::Result<Option<AccessToken>> {
        self.calls.lock().unwrap().push("get");
        self.inner.get(key).await
    }
    async fn put(&self, key: &CacheKey, token: &AccessToken) -> unimicro_auth::Result<()> {
        self.calls.lock().unwrap().push("put");
        self.inner.put(key, token).await
    }
    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> unimicro_auth::Result<()> {
        self.calls.lock().unwrap().push("remove");
        self.inner.remove(key, token).await
    }
    async fn lock(&self, _: &CacheKey) -> unimicro_auth::Result<bool> {
        self.calls.lock().unwrap().push("lock");
        Ok(true)
    }
    async fn unlock(&self, _: &CacheKey) -> unimicro_auth::Result<()> {
        self.calls.lock().unwrap().push("unlock");
        Ok(())
    }
}

#[tokio::test]
async fn a_locking_store_is_locked_around_the_request_and_read_again_under_the_lock() {
    let server = server_with([issues("tok-1").expect(1)]).await;
    let store = Arc::new(LockingStore::default());
    let provider = provider_with_store(&server, &clock(), store.clone());

    provider.token().await.unwrap();
    provider.token().await.unwrap();
    assert_eq!(*store.calls.lock().unwrap(), ["get", "lock", "get", "put", "unlock"]);
    server.verify().await;
}

#[tokio::test]
async fn spans_name_the_reason_and_no_log_line_holds_a_secret() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let server = server_with([
        issues("tok-secret-1").up_to_n_times(1).expect(1),
        issues("tok-secret-2").up_to_n_times(1).expect(1),
        issues("tok-secret-3").up_to_n_times(1).expect(1),
        issues("tok-secret-4").expect(1),
    ])
    .await;
    let clock = clock();
    let provider = provider(&server, &clock);

    let first = provider.token().await.unwrap(); // cold
    clock.advance(PAST_SOFT);
    provider.token().await.unwrap(); // soft
    until("the soft refresh is done", || async {
        provider.token().await.unwrap().secret() == "tok-secret-2"
    })
    .await;
    let second = provider.token().await.unwrap();
    provider.invalidate(&second).await;
    provider.token().await.unwrap(); // 401
    clock.advance(PAST_HARD);
    assert_eq!(provider.token().await.unwrap().secret(), "tok-secret-4"); // hard
    server.verify().await;

    let text = logs.text();
    for reason in ["cold", "soft", "401", "hard"] {
        let span =
            format!("span token_acquisition client_id={CLIENT_ID} scopes=AppFramework reason={reason:?}");
        assert!(text.contains(&span), "no span `{span}` in:\n{text}");
    }
    assert!(text.contains("expires_at="), "the expiry is recorded:\n{text}");
    let secrets = [CLIENT_SECRET, "tok-secret-1", "tok-secret-2", "tok-secret-3", "tok-secret-4"];
    assert_no_secrets("the logs", &text, &secrets);
    assert_no_secrets("the provider's Debug", &format!("{provider:?} {provider:#?}"), &secrets);
    assert!(format!("{provider:?}").contains(CLIENT_ID));
    drop(first);
}

/// A store whose first `get` panics, like a buggy store would.
#[derive(Debug, Default)]
struct PanickingStore {
    panicked: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl TokenStore for PanickingStore {
    async fn get(&self, _: &CacheKey) -> unimicro_auth::Result<Option<AccessToken>> {
        if !self.panicked.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("test store panics (expected by the test)");
        }
        Ok(None)
    }
    async fn put(&self, _: &CacheKey, _: &AccessToken) -> unimicro_auth::Result<()> {
        Ok(())
    }
    async fn remove(&self, _: &CacheKey, _: &AccessToken) -> unimicro_auth::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_acquisition_does_not_leave_the_provider_stuck() {
    let server = server_with([issues("tok-1").expect(1)]).await;
    let provider = provider_with_store(&server, &clock(), PanickingStore::default());

    let first = tokio::spawn({
        let provider = provider.clone();
        async move { provider.token().await }
    });
    assert!(first.await.unwrap_err().is_panic(), "the panic reaches the caller");
    let token = tokio::time::timeout(Duration::from_secs(5), provider.token())
        .await
        .expect("the next call starts a new request instead of waiting on the panicked one")
        .expect("and gets a token");
    assert_eq!(token.secret(), "tok-1");
    server.verify().await;
}
