//! A [`TokenStore`] in Redis, so that a fleet of processes shares one token: [`RedisTokenStore`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use redis::aio::MultiplexedConnection;
use secrecy::zeroize::Zeroize as _;
use serde::{Deserialize, Serialize};
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::{AccessToken, CacheKey, Clock, Error, Result, SystemClock, TokenStore};

const DEFAULT_PREFIX: &str = "unimicro-auth:";
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_LEASE: Duration = Duration::from_secs(10);
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// How much longer than the lease `lock` waits by default, so a waiter outlives a dead owner's lease.
const WAIT_BEYOND_LEASE: Duration = Duration::from_secs(1);
/// The polling interval while waiting for a lock: it starts here and doubles up to the maximum.
const POLL_MIN: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(100);

/// The version of the stored entry format.
const FORMAT: u8 = 1;
const FINGERPRINT_LABEL: &[u8] = b"unimicro-auth redis token fingerprint v1";
const AAD_LABEL: &str = "unimicro-auth redis token v1";

/// Deletes the token entry only if its fingerprint is the one given (compare and remove).
/// `ARGV[1]` is the exact beginning of an entry holding that token (see [`Codec::entry_prefix`]).
const REMOVE_SCRIPT: &str = r"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Deletes the lock only if this owner still holds it.
const UNLOCK_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`TokenStore`] in Redis (or Valkey), so a fleet of workers, pods or serverless instances shares one
/// token and makes one token request per token lifetime.
///
/// Give each [`TokenProvider`](crate::TokenProvider) of the fleet a store pointing at the same Redis
/// (with the same key prefix). The providers keep their in-process cache, single-flight and background
/// refresh: each process asks Redis only when its token is due (at most once per refresh), and when a
/// token is due, one process of the fleet requests it while the others wait for it:
///
/// - **Tokens** are stored under `{prefix}token:{digest}`, where the digest is [`CacheKey::digest`],
///   with an expiry (`PX`) of the token's time left, so Redis drops them when they expire.
/// - **The lock**: before a token request the provider calls [`lock`](TokenStore::lock), which takes
///   `{prefix}lock:{digest}` with `SET … NX PX <lease>` and a random owner value (a UUID v4), and
///   [`unlock`](TokenStore::unlock) deletes it only while that owner still holds it (a Lua script). A
///   process that finds the lock taken polls for it (10 ms, doubling to 100 ms) for at most the
///   [lock wait](RedisTokenStoreBuilder::lock_wait); a worker that dies holding the lock holds it at most
///   for the [lease](RedisTokenStoreBuilder::lock_lease), after which one waiter takes it over. If the
///   wait runs out, `lock` answers `Ok(false)` and the provider requests a token on its own: nothing
///   waits forever.
/// - **Removal** of a rejected token is compare-and-remove (a Lua script comparing a fingerprint of the
///   token), so a worker never drops a newer token another worker put.
///
/// # When Redis is down or slow
///
/// Redis is an optimisation, never a dependency: every command is bounded by the
/// [command timeout](RedisTokenStoreBuilder::command_timeout) (500 ms by default, connecting included),
/// and a failure is an [`Error::Store`], on which the provider goes on with its in-process cache and
/// requests tokens itself. After a failure, commands fail at once for
/// [a short while](RedisTokenStoreBuilder::retry_after_failure) (1 s) instead of each waiting for a timeout;
/// then the next command reconnects. The store logs one `warn` when Redis starts failing, not one per
/// command, and one `info` when it answers again. No connection is made before the first command, so an
/// application starts even while Redis is down.
///
/// # Tokens at rest
///
/// Redis holds **bearer tokens**: whoever can read these keys can call the API as your client until
/// the tokens expire (an hour, typically). Restrict access to Redis: the store needs no more than an ACL
/// user limited to its key prefix and five commands (`ACL SETUSER fleet on >password ~unimicro-auth:*
/// -@all +get +set +del +evalsha +script|load`, and `+select` for a database other than 0); use TLS
/// (`rediss://` URLs, with the `redis-tls` feature) when Redis is not on the same host; and consider
/// [encrypting the entries](RedisTokenStoreBuilder::encryption_key) with a key the fleet shares:
/// AES-256-GCM with a random nonce per entry, bound to its cache key. An entry that does not decrypt
/// (another key, or tampered with) is treated as missing and logged, never trusted.
///
/// # Example
///
/// ```no_run
/// use unimicro_auth::{ClientCredentials, RedisTokenStore, TokenEncryptionKey, TokenProvider};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = ClientCredentials::builder("my-client-id")
///     .client_secret("my-secret")
///     .authority("https://login.example.com")
///     .build()?;
/// // The same URL, prefix and key in every process of the fleet.
/// let store = RedisTokenStore::builder(std::env::var("REDIS_URL")?)
///     .encryption_key(TokenEncryptionKey::from_base64(&std::env::var("TOKEN_ENCRYPTION_KEY")?)?)
///     .build()?;
/// let provider = TokenProvider::builder(credentials).store(store).build()?;
/// # let _ = provider; Ok(()) }
/// ```
///
/// Cheap to clone (clones share the connection). Its `Debug` shows the address, prefix and settings,
/// never a password, key or token.
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct RedisTokenStore {
    inner: Arc<Inner>,
}

/// Builds a [`RedisTokenStore`]. Start with [`RedisTokenStore::builder`].
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[must_use]
pub struct RedisTokenStoreBuilder {
    client: std::result::Result<redis::Client, String>,
    prefix: String,
    timeout: Duration,
    lease: Duration,
    wait: Option<Duration>,
    retry_after: Duration,
    key: Option<TokenEncryptionKey>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RedisTokenStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStoreBuilder")
            .field("address", &self.client.as_ref().map(address).unwrap_or_else(|_| "<invalid>".into()))
            .field("key_prefix", &self.prefix)
            .field("command_timeout", &self.timeout)
            .field("lock_lease", &self.lease)
            .field("lock_wait", &self.wait.unwrap_or(self.lease + WAIT_BEYOND_LEASE))
            .field("encrypted", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// Starts building a store for the Redis at `url`: `redis://[[user]:password@]host[:port][/db]`,
    /// `rediss://…` for TLS (with the `redis-tls` feature), or `redis+unix:///path/to/socket`.
    /// The URL is checked by [`build`](RedisTokenStoreBuilder::build); no connection is made until the
    /// store is first used.
    pub fn builder(url: impl AsRef<str>) -> RedisTokenStoreBuilder {
        let client = redis::Client::open(url.as_ref()).map_err(|e| {
            // redis' parse errors name the part that is wrong, never the URL (which may hold a password).
            format!(
                "the Redis URL is invalid ({e}): give `redis://[[user]:password@]host[:port][/db]`{}",
                if is_tls_url(url.as_ref()) && !cfg!(feature = "redis-tls") {
                    "; `rediss://` needs the `redis-tls` feature of unimicro-auth"
                } else {
                    ""
                }
            )
        });
        Self::builder_with(client)
    }

    /// Starts building a store on a `redis::Client` configured by hand (custom TLS roots or client
    /// certificates, RESP3 …).
    pub fn builder_for_client(client: redis::Client) -> RedisTokenStoreBuilder {
        Self::builder_with(Ok(client))
    }

    fn builder_with(client: std::result::Result<redis::Client, String>) -> RedisTokenStoreBuilder {
        RedisTokenStoreBuilder {
            client,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            lease: DEFAULT_LEASE,
            wait: None,
            retry_after: DEFAULT_RETRY_AFTER,
            key: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Whether the last command succeeded (`true` before the first). For health checks and metrics.
    pub fn is_reachable(&self) -> bool {
        self.inner.health().reachable
    }

    /// The Redis key a token for `key` is stored under.
    pub fn token_key(&self, key: &CacheKey) -> String {
        self.inner.token_key(&key.digest())
    }

    /// The Redis key of the lock taken before a token request for `key`.
    pub fn lock_key(&self, key: &CacheKey) -> String {
        self.inner.lock_key(&key.digest())
    }
}

impl RedisTokenStoreBuilder {
    /// The prefix of every key the store writes (default `unimicro-auth:`). Processes that share
    /// tokens must use the same prefix; use different ones to keep separate fleets apart in one Redis.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest one Redis command may take, connecting included (default 500 ms). A command that
    /// takes longer fails, and the provider goes on without Redis.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the lock taken before a token request lasts if its owner never releases it, e.g.
    /// because the process died (default 10 s). Make it longer than a token request takes.
    pub fn lock_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long [`lock`](TokenStore::lock) waits for a lock held by another worker before giving up,
    /// so that the provider requests a token on its own (default: the lease plus 1 s, so that one
    /// waiter takes over the lock of a worker that died).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// After a failed command, how long commands fail at once without trying Redis, so that an
    /// outage costs each token acquisition at most one timeout (default 1 s).
    pub fn retry_after_failure(mut self, delay: Duration) -> Self {
        self.retry_after = delay;
        self
    }

    /// Encrypts the entries with `key` (AES-256-GCM). Every process of the fleet needs the same key;
    /// an entry written with another key, or without encryption, is treated as missing.
    pub fn encryption_key(mut self, key: TokenEncryptionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The clock the time left of a token (its expiry in Redis) is counted with (default: the system
    /// clock). Give it the same clock as the credentials when they have one, as tests do.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the settings and builds the store. Makes no connection: the first command does.
    ///
    /// # Errors
    /// [`Error::Config`] when the URL is invalid, the key prefix is empty, or a duration is zero.
    pub fn build(self) -> Result<RedisTokenStore> {
        let client = self.client.map_err(Error::Config)?;
        if self.prefix.is_empty() {
            return Err(Error::Config(
                "the Redis key prefix is empty: give a prefix such as `unimicro-auth:`".into(),
            ));
        }
        let wait = self.wait.unwrap_or(self.lease + WAIT_BEYOND_LEASE);
        for (name, value) in [
            ("command timeout", self.timeout),
            ("lock lease", self.lease),
            ("lock wait", wait),
            ("retry delay after a failure", self.retry_after),
        ] {
            if value.is_zero() {
                return Err(Error::Config(format!(
                    "the Redis store's {name} is zero: give a positive duration"
                )));
            }
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        Ok(RedisTokenStore {
            inner: Arc::new(Inner {
                address: address(&client),
                client,
                config,
                prefix: self.prefix,
                timeout: self.timeout,
                lease: self.lease,
                wait,
                retry_after: self.retry_after,
                codec: Codec::new(self.key),
                clock: self.clock,
                remove_script: redis::Script::new(REMOVE_SCRIPT),
                unlock_script: redis::Script::new(UNLOCK_SCRIPT),
                connection: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                health: Mutex::new(Health { reachable: true, retry_at: None }),
                entry_warned: AtomicBool::new(false),
                local_locks: Mutex::new(HashMap::new()),
                held: Mutex::new(HashMap::new()),
            }),
        })
    }
}

fn is_tls_url(url: &str) -> bool {
    ["rediss:", "valkeys:"]
        .iter()
        .any(|scheme| url.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme)))
}

/// `host:port/db` (or the socket path), without user name or password.
fn address(client: &redis::Client) -> String {
    let info = client.get_connection_info();
    format!("{}/{}", info.addr(), info.redis_settings().db())
}

struct Inner {
    client: redis::Client,
    config: redis::AsyncConnectionConfig,
    address: String,
    prefix: String,
    timeout: Duration,
    lease: Duration,
    wait: Duration,
    retry_after: Duration,
    codec: Codec,
    clock: Arc<dyn Clock>,
    remove_script: redis::Script,
    unlock_script: redis::Script,
    /// The multiplexed connection, made by the first command and dropped after a connection error.
    connection: Mutex<Option<MultiplexedConnection>>,
    /// Held while connecting, so that concurrent commands make one connection.
    connecting: tokio::sync::Mutex<()>,
    health: Mutex<Health>,
    /// Whether an unreadable entry was logged at `warn` (reset when an entry reads again).
    entry_warned: AtomicBool,
    /// One in-process lock per cache key digest, so that this store holds each Redis lock at most once
    /// at a time, and `unlock` always knows which owner value is its own.
    local_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The Redis locks this store holds: digest → owner value, with the in-process lock.
    held: Mutex<HashMap<String, Held>>,
}

struct Held {
    owner: String,
    _local: OwnedMutexGuard<()>,
}

struct Health {
    reachable: bool,
    /// Until when commands fail at once, after a failure.
    retry_at: Option<Instant>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single insert, remove or assignment: a poisoned lock holds consistent data.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    fn token_key(&self, digest: &str) -> String {
        format!("{}token:{digest}", self.prefix)
    }

    fn lock_key(&self, digest: &str) -> String {
        format!("{}lock:{digest}", self.prefix)
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        locked(&self.health)
    }

    async fn connection(&self) -> redis::RedisResult<MultiplexedConnection> {
        if let Some(connection) = locked(&self.connection).clone() {
            return Ok(connection);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(connection) = locked(&self.connection).clone() {
            return Ok(connection); // made while this command waited
        }
        let connection = self.client.get_multiplexed_async_connection_with_config(&self.config).await?;
        *locked(&self.connection) = Some(connection.clone());
        Ok(connection)
    }

    /// Drops the connection after an error that may have broken it; the next command reconnects.
    fn disconnect(&self) {
        *locked(&self.connection) = None;
    }

    /// Runs one command on the connection, bounded by the command timeout, and keeps the health state:
    /// a failure is logged once per outage, and makes the commands of the next moments fail at once.
    async fn run<T, F, Fut>(&self, what: &'static str, command: F) -> Result<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let retry_at = self.health().retry_at;
        if let Some(retry_at) = retry_at
            && Instant::now() < retry_at
        {
            return Err(Error::Store(format!(
                "Redis at {} failed moments ago; not trying again before {:?} from now",
                self.address,
                retry_at - Instant::now()
            )));
        }
        let attempt = async {
            let connection = self.connection().await?;
            command(connection).await
        };
        let message = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Ok(value)) => {
                self.succeeded();
                return Ok(value);
            }
            Ok(Err(error)) => {
                if !matches!(error.kind(), redis::ErrorKind::Server(_)) {
                    self.disconnect();
                }
                format!("Redis {what} at {} failed: {error}", self.address)
            }
            Err(_) => {
                self.disconnect();
                format!("Redis {what} at {} timed out after {:?}", self.address, self.timeout)
            }
        };
        let first = {
            let mut health = self.health();
            health.retry_at = Some(Instant::now() + self.retry_after);
            std::mem::replace(&mut health.reachable, false)
        };
        if first {
            tracing::warn!(error = %message, retry_after = ?self.retry_after,
                "the Redis token store is failing: each process caches and requests its own tokens until it is back");
        } else {
            tracing::debug!(error = %message, "Redis token store command failed");
        }
        Err(Error::Store(message))
    }

    fn succeeded(&self) {
        let recovered = {
            let mut health = self.health();
            health.retry_at = None;
            !std::mem::replace(&mut health.reachable, true)
        };
        if recovered {
            tracing::info!(address = %self.address, "the Redis token store is reachable again");
        }
    }

    fn entry_unreadable(&self, digest: &str, reason: &str) {
        if !self.entry_warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(key = %self.token_key(digest), reason,
                "ignoring a token entry in Redis that this store cannot read; a new token will replace it");
        } else {
            tracing::debug!(key = %self.token_key(digest), reason, "ignoring an unreadable token entry");
        }
    }

    fn local_lock(&self, digest: &str) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(locked(&self.local_locks).entry(digest.to_owned()).or_default())
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>> {
        let inner = &self.inner;
        let digest = key.digest();
        let redis_key = inner.token_key(&digest);
        let value: Option<Vec<u8>> = inner
            .run("GET", |mut c| async move { redis::cmd("GET").arg(&redis_key).query_async(&mut c).await })
            .await?;
        let Some(value) = value else { return Ok(None) };
        match inner.codec.decode(&digest, &value) {
            Ok(token) => {
                inner.entry_warned.store(false, Ordering::Relaxed);
                Ok(Some(token))
            }
            Err(reason) => {
                inner.entry_unreadable(&digest, reason);
                Ok(None)
            }
        }
    }

    async fn put(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        let inner = &self.inner;
        let left = token.expires_at().duration_since(inner.clock.now()).unwrap_or_default();
        let millis = u64::try_from(left.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            tracing::debug!("not storing a token that has expired");
            return Ok(());
        }
        let digest = key.digest();
        let value = inner.codec.encode(&digest, token)?;
        let redis_key = inner.token_key(&digest);
        inner
            .run("SET", |mut c| async move {
                redis::cmd("SET")
                    .arg(&redis_key)
                    .arg(value)
                    .arg("PX")
                    .arg(millis)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await
    }

    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        let inner = &self.inner;
        let redis_key = inner.token_key(&key.digest());
        let prefix = inner.codec.entry_prefix(token);
        let script = &inner.remove_script;
        let removed: i64 = inner
            .run("compare-and-remove", |mut c| async move {
                script.key(&redis_key).arg(prefix).invoke_async(&mut c).await
            })
            .await?;
        tracing::debug!(removed = removed == 1, "removed a rejected token from Redis if it was still there");
        Ok(())
    }

    async fn lock(&self, key: &CacheKey) -> Result<bool> {
        let inner = &self.inner;
        let deadline = Instant::now() + inner.wait;
        let digest = key.digest();
        let local = inner.local_lock(&digest);
        let Ok(local) = tokio::time::timeout_at(deadline, local.lock_owned()).await else {
            tracing::debug!("gave up waiting for the token lock held in this process");
            return Ok(false);
        };
        let owner = uuid::Uuid::new_v4().to_string();
        let lock_key = inner.lock_key(&digest);
        let lease = u64::try_from(inner.lease.as_millis()).unwrap_or(u64::MAX);
        let mut poll = POLL_MIN;
        loop {
            let (k, o) = (&lock_key, &owner);
            let taken: Option<String> = inner
                .run("lock", |mut c| async move {
                    redis::cmd("SET").arg(k).arg(o).arg("NX").arg("PX").arg(lease).query_async(&mut c).await
                })
                .await?;
            if taken.is_some() {
                locked(&inner.held).insert(digest, Held { owner, _local: local });
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                tracing::info!(lock = %lock_key, waited = ?inner.wait,
                    "another process held the token lock for the whole wait; requesting a token without it");
                return Ok(false);
            }
            let jitter = poll.mul_f64(0.25 * fastrand::f64());
            tokio::time::sleep((poll + jitter).min(deadline - now)).await;
            poll = (poll * 2).min(POLL_MAX);
        }
    }

    async fn unlock(&self, key: &CacheKey) -> Result<()> {
        let inner = &self.inner;
        let digest = key.digest();
        // Dropped at the end, after the Redis lock: the in-process lock is held until then.
        let Some(held) = locked(&inner.held).remove(&digest) else { return Ok(()) };
        let lock_key = inner.lock_key(&digest);
        let (k, owner) = (&lock_key, held.owner.as_str());
        let script = &inner.unlock_script;
        let released: i64 = inner
            .run("unlock", |mut c| async move { script.key(k).arg(owner).invoke_async(&mut c).await })
            .await?;
        if released == 0 {
            tracing::info!(lock = %lock_key,
                "the token lock had expired before it was released (a token request took longer than the lease)");
        }
        drop(held);
        Ok(())
    }
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("RedisTokenStore")
            .field("address", &inner.address)
            .field("key_prefix", &inner.prefix)
            .field("encrypted", &inner.codec.key.is_some())
            .field("command_timeout", &inner.timeout)
            .field("lock_lease", &inner.lease)
            .field("lock_wait", &inner.wait)
            .field("reachable", &self.is_reachable())
            .finish_non_exhaustive()
    }
}

/// A 256-bit key that [`RedisTokenStore`] encrypts its entries with (AES-256-GCM).
///
/// Make one with `openssl rand -base64 32`, keep it where your other secrets are, and give every
/// process of the fleet the same key. Its `Debug` never shows the key.
///
/// ```
/// use unimicro_auth::TokenEncryptionKey;
///
/// let key = TokenEncryptionKey::from_base64("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=")?;
/// assert_eq!(format!("{key:?}"), "TokenEncryptionKey([redacted])");
/// assert!(TokenEncryptionKey::from_bytes(&[0; 16]).is_err());
/// # Ok::<(), unimicro_auth::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct TokenEncryptionKey {
    inner: Arc<KeyInner>,
}

struct KeyInner {
    aead: RandomizedNonceKey,
    /// The key of the token fingerprints, derived from the encryption key.
    fingerprint: hmac::Key,
}

impl TokenEncryptionKey {
    /// A key from its 32 bytes.
    ///
    /// # Errors
    /// [`Error::Config`] when `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::Config(format!(
                "a token encryption key is 32 bytes (256 bits), not {}: make one with `openssl rand -base64 32`",
                bytes.len()
            )));
        }
        let aead = RandomizedNonceKey::new(&AES_256_GCM, bytes)
            .map_err(|_| Error::Config("the token encryption key was refused by AES-256-GCM".into()))?;
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, bytes), FINGERPRINT_LABEL);
        let fingerprint = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        Ok(Self { inner: Arc::new(KeyInner { aead, fingerprint }) })
    }

    /// A key from its 32 bytes in base64 (standard alphabet, padding optional; surrounding whitespace
    /// ignored), as `openssl rand -base64 32` prints it.
    ///
    /// # Errors
    /// [`Error::Config`] when `text` is not base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let mut bytes = STANDARD.decode(text).or_else(|_| STANDARD_NO_PAD.decode(text)).map_err(|_| {
            Error::Config(
                "the token encryption key is not valid base64: make one with `openssl rand -base64 32`"
                    .into(),
            )
        })?;
        let key = Self::from_bytes(&bytes);
        bytes.zeroize();
        key
    }
}

impl fmt::Debug for TokenEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenEncryptionKey([redacted])")
    }
}

/// How tokens are written to and read from Redis.
///
/// An entry is JSON: `{"v":1,"fp":"<fingerprint>","token":{…}}`, or with a key
/// `{"v":1,"fp":"<fingerprint>","sealed":"<base64 of nonce, ciphertext and tag>"}` whose plaintext is
/// the same `token` object. The fingerprint (HMAC-SHA-256 of the token, keyed from the encryption key
/// if any) lets the compare-and-remove script recognise the token without reading it.
struct Codec {
    key: Option<TokenEncryptionKey>,
    fingerprint: hmac::Key,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    v: u8,
    fp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<StoredToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredToken {
    access_token: String,
    token_type: String,
    issued_at_ns: u64,
    expires_at_ns: u64,
    scopes: Vec<String>,
}

impl Drop for StoredToken {
    fn drop(&mut self) {
        self.access_token.zeroize();
    }
}

impl Codec {
    fn new(key: Option<TokenEncryptionKey>) -> Self {
        let fingerprint = match &key {
            Some(key) => key.inner.fingerprint.clone(),
            None => hmac::Key::new(hmac::HMAC_SHA256, FINGERPRINT_LABEL),
        };
        Self { key, fingerprint }
    }

    fn fingerprint(&self, token: &AccessToken) -> String {
        let tag = hmac::sign(&self.fingerprint, token.secret().as_bytes());
        tag.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// How every entry holding `token` begins (the serialization of [`Entry`] starts with `v`, `fp`).
    fn entry_prefix(&self, token: &AccessToken) -> String {
        format!(r#"{{"v":{FORMAT},"fp":"{}""#, self.fingerprint(token))
    }

    fn aad(digest: &str) -> Aad<Vec<u8>> {
        Aad::from(format!("{AAD_LABEL}\0{digest}").into_bytes())
    }

    fn encode(&self, digest: &str, token: &AccessToken) -> Result<Vec<u8>> {
        let nanos = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|d| u64::try_from(d.as_nanos()).ok())
                .ok_or_else(|| Error::Store("the token's times are out of range for the Redis store".into()))
        };
        let stored = StoredToken {
            access_token: token.secret().to_owned(),
            token_type: token.token_type().to_owned(),
            issued_at_ns: nanos(token.issued_at())?,
            expires_at_ns: nanos(token.expires_at())?,
            scopes: token.scopes().to_vec(),
        };
        let fp = self.fingerprint(token);
        let entry = match &self.key {
            None => Entry { v: FORMAT, fp, token: Some(stored), sealed: None },
            Some(key) => {
                let mut data = serde_json::to_vec(&stored).map_err(encode_error)?;
                let nonce = key
                    .inner
                    .aead
                    .seal_in_place_append_tag(Self::aad(digest), &mut data)
                    .map_err(|_| Error::Store("could not encrypt the token entry".into()))?;
                let mut sealed = nonce.as_ref().to_vec();
                sealed.extend_from_slice(&data);
                Entry { v: FORMAT, fp, token: None, sealed: Some(STANDARD.encode(sealed)) }
            }
        };
        serde_json::to_vec(&entry).map_err(encode_error)
    }

    /// The token in `value`, or why it can't be read (never the value itself).
    fn decode(&self, digest: &str, value: &[u8]) -> std::result::Result<AccessToken, &'static str> {
        let entry: Entry = serde_json::from_slice(value).map_err(|_| "not an entry of this library")?;
        if entry.v != FORMAT {
            return Err("an entry format of another version of this library");
        }
        let stored = match (&self.key, entry.token, entry.sealed) {
            (None, Some(stored), None) => stored,
            (None, _, Some(_)) => return Err("the entry is encrypted, and this store has no encryption key"),
            (Some(_), Some(_), _) => {
                return Err("the entry is not encrypted, and this store requires encryption");
            }
            (Some(key), None, Some(sealed)) => {
                let mut data = STANDARD.decode(sealed).map_err(|_| "the encrypted entry is not base64")?;
                if data.len() < NONCE_LEN {
                    return Err("the encrypted entry is too short");
                }
                let nonce = Nonce::try_assume_unique_for_key(&data[..NONCE_LEN])
                    .map_err(|_| "the encrypted entry is too short")?;
                let result =
                    match key.inner.aead.open_in_place(nonce, Self::aad(digest), &mut data[NONCE_LEN..]) {
                        Ok(plain) => serde_json::from_slice::<StoredToken>(plain)
                            .map_err(|_| "the decrypted entry is not a token"),
                        Err(_) => {
                            Err("the entry does not decrypt: it was written with another key, or altered")
                        }
                    };
                data.zeroize();
                result?
            }
            (_, None, None) => return Err("the entry holds no token"),
        };
        let time = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
        Ok(AccessToken::new(
            stored.access_token.clone(),
            stored.token_type.clone(),
            time(stored.issued_at_ns),
            time(stored.expires_at_ns),
            stored.scopes.clone(),
        ))
    }
}

fn encode_error(error: serde_json::Error) -> Error {
    Error::Store(format!("could not serialize the token entry: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientCredentials;

    const KEY_A: [u8; 32] = [7; 32];
    const KEY_B: [u8; 32] = [9; 32];
    const SECRET: &str = "unit-test-access-token-value";

    fn token() -> AccessToken {
        let at = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        AccessToken::new(SECRET, "Bearer", at, at + Duration::from_secs(3600), vec!["AppFramework".into()])
    }

    fn codec(key: Option<[u8; 32]>) -> Codec {
        Codec::new(key.map(|k| TokenEncryptionKey::from_bytes(&k).unwrap()))
    }

    fn cache_key() -> CacheKey {
        ClientCredentials::builder("c")
            .client_secret("unit-test-secret")
            .token_endpoint("https://login.example.test/connect/token")
            .build()
            .unwrap()
            .cache_key()
    }

    fn digest() -> String {
        cache_key().digest()
    }

    #[test]
    fn entries_round_trip_with_and_without_encryption() {
        for key in [None, Some(KEY_A)] {
            let codec = codec(key);
            let value = codec.encode(&digest(), &token()).unwrap();
            let text = String::from_utf8(value.clone()).unwrap();
            assert!(text.starts_with(&codec.entry_prefix(&token())), "{text}");
            assert_eq!(
                text.contains(SECRET),
                key.is_none(),
                "the token is in clear only without a key: {text}"
            );
            let back = codec.decode(&digest(), &value).unwrap();
            assert!(back.same_token(&token()));
            assert_eq!(back.token_type(), "Bearer");
            assert_eq!(back.issued_at(), token().issued_at());
            assert_eq!(back.expires_at(), token().expires_at());
            assert_eq!(back.scopes(), ["AppFramework"]);
        }
    }

    #[test]
    fn each_encryption_uses_a_new_nonce() {
        let codec = codec(Some(KEY_A));
        let (a, b) = (codec.encode(&digest(), &token()).unwrap(), codec.encode(&digest(), &token()).unwrap());
        assert_ne!(a, b);
        assert!(String::from_utf8(b).unwrap().starts_with(&codec.entry_prefix(&token())));
    }

    #[test]
    fn unreadable_entries_are_misses_with_a_reason() {
        let sealed = codec(Some(KEY_A)).encode(&digest(), &token()).unwrap();
        let plain = codec(None).encode(&digest(), &token()).unwrap();
        let wrong_key = codec(Some(KEY_B)).decode(&digest(), &sealed).unwrap_err();
        assert!(wrong_key.contains("another key"), "{wrong_key}");
        let other_cache_key = codec(Some(KEY_A)).decode("another-digest", &sealed).unwrap_err();
        assert!(other_cache_key.contains("does not decrypt"), "bound to its cache key: {other_cache_key}");
        assert!(codec(None).decode(&digest(), &sealed).unwrap_err().contains("no encryption key"));
        assert!(codec(Some(KEY_A)).decode(&digest(), &plain).unwrap_err().contains("requires encryption"));
        let mut tampered: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        let mut bytes = STANDARD.decode(tampered["sealed"].as_str().unwrap()).unwrap();
        bytes[NONCE_LEN + 3] ^= 1;
        tampered["sealed"] = STANDARD.encode(bytes).into();
        let tampered = serde_json::to_vec(&tampered).unwrap();
        assert!(codec(Some(KEY_A)).decode(&digest(), &tampered).unwrap_err().contains("altered"));
        for junk in [&b"not json"[..], br#"{"v":2,"fp":"x"}"#, br#"{"v":1,"fp":"x"}"#, b"\xff\xfe"] {
            assert!(codec(None).decode(&digest(), junk).is_err());
        }
    }

    #[test]
    fn fingerprints_depend_on_the_token_and_the_key() {
        let other = AccessToken::new("another-token", "Bearer", UNIX_EPOCH, UNIX_EPOCH, vec![]);
        let plain = codec(None);
        assert_ne!(plain.fingerprint(&token()), plain.fingerprint(&other));
        assert_ne!(plain.fingerprint(&token()), codec(Some(KEY_A)).fingerprint(&token()));
        assert_eq!(codec(Some(KEY_A)).fingerprint(&token()), codec(Some(KEY_A)).fingerprint(&token()));
        assert_eq!(plain.fingerprint(&token()).len(), 32);
    }

    #[test]
    fn keys_are_checked_and_never_printed() {
        let b64 = STANDARD.encode(KEY_A);
        let key = TokenEncryptionKey::from_base64(&format!(" {b64}\n")).unwrap();
        TokenEncryptionKey::from_base64(b64.trim_end_matches('=')).unwrap();
        let debug = format!("{key:?} {key:#?}");
        assert!(!debug.contains(&b64) && !debug.contains("7, 7"), "{debug}");
        for bad in ["", "not base64!", &STANDARD.encode([1u8; 31])] {
            let err = TokenEncryptionKey::from_base64(bad).unwrap_err();
            assert!(matches!(err, Error::Config(_)) && err.to_string().contains("openssl rand"), "{err}");
        }
        assert!(TokenEncryptionKey::from_bytes(&[0; 33]).unwrap_err().to_string().contains("not 33"));
    }

    #[test]
    fn builder_checks_settings_and_debug_hides_the_password() {
        let url = "redis://:unit-test-redis-password@127.0.0.1:6390/3";
        let store = RedisTokenStore::builder(url)
            .encryption_key(TokenEncryptionKey::from_bytes(&KEY_A).unwrap())
            .build()
            .unwrap();
        let debug = format!("{store:?} {store:#?} {:?}", RedisTokenStore::builder(url));
        assert!(!debug.contains("unit-test-redis-password"), "{debug}");
        assert!(debug.contains("127.0.0.1:6390/3") && debug.contains("encrypted: true"), "{debug}");
        assert!(debug.contains("lock_wait: 11s"), "the default wait outlives the lease: {debug}");

        let err = |b: RedisTokenStoreBuilder| b.build().unwrap_err().to_string();
        let bad_url = err(RedisTokenStore::builder("http://:unit-test-redis-password@x"));
        assert!(
            bad_url.contains("Redis URL is invalid") && !bad_url.contains("unit-test-redis-password"),
            "{bad_url}"
        );
        let tls = RedisTokenStore::builder("rediss://127.0.0.1:6390/").build();
        if cfg!(feature = "redis-tls") {
            assert!(tls.is_ok());
        } else {
            assert!(tls.unwrap_err().to_string().contains("needs the `redis-tls` feature"));
        }
        assert!(err(RedisTokenStore::builder(url).key_prefix("")).contains("prefix is empty"));
        assert!(
            err(RedisTokenStore::builder(url).command_timeout(Duration::ZERO)).contains("command timeout")
        );
        assert!(err(RedisTokenStore::builder(url).lock_wait(Duration::ZERO)).contains("lock wait"));
    }

    #[test]
    fn keys_are_named_by_digest_under_the_prefix() {
        let key = cache_key();
        let store = RedisTokenStore::builder("redis://127.0.0.1/").key_prefix("fleet-a:").build().unwrap();
        assert_eq!(store.token_key(&key), format!("fleet-a:token:{}", key.digest()));
        assert_eq!(store.lock_key(&key), format!("fleet-a:lock:{}", key.digest()));
    }
}
