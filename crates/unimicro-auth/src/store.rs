//! Where tokens are kept between requests: the [`TokenStore`] trait and its in-memory default.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::{AccessToken, CacheKey, Result};

/// A place to keep tokens by [`CacheKey`], shared by every [`TokenProvider`](crate::TokenProvider)
/// given the same store.
///
/// The provider keeps its own copy of the current token in memory and answers readers from it without
/// calling the store, so a store is consulted only when a token is needed: before a token request (to
/// pick up a token another provider or process already got), after it (to share the new token), and
/// when a token is rejected (to drop it). A store error is never fatal: the provider logs it and goes
/// on with its in-memory copy, so a broken store never loses a valid token nor stops token requests.
///
/// # Sharing tokens across processes
///
/// A store shared by several processes (Redis, a database) lets a fleet of workers use one token. To
/// make the fleet also *request* one token, implement [`lock`](TokenStore::lock) and
/// [`unlock`](TokenStore::unlock). Before requesting a token, the provider calls `lock`; when it holds
/// the lock it reads the store once more (another worker may have put a fresh token while it waited),
/// requests a token only if there still is none, puts it, and calls `unlock`. Within one process the
/// provider already makes at most one request per key at a time, so `lock` is never called twice at once
/// for the same key by the same provider. A cross-process lock should:
///
/// - wait for a lock another worker holds, but only for a bounded time (a few seconds), then return
///   `Ok(false)` so the provider requests a token on its own rather than waiting forever;
/// - expire on its own (a lease, e.g. `SET key owner NX PX 10000` in Redis), so a worker that dies
///   holding it does not block the fleet;
/// - release only a lock it still owns (compare the owner value it set) in `unlock`.
///
/// # Example
///
/// ```
/// use unimicro_auth::{AccessToken, CacheKey, Result, TokenStore};
///
/// /// A store that shares nothing: every provider keeps only its in-memory copy.
/// #[derive(Debug)]
/// struct NoStore;
///
/// #[async_trait::async_trait]
/// impl TokenStore for NoStore {
///     async fn get(&self, _key: &CacheKey) -> Result<Option<AccessToken>> {
///         Ok(None)
///     }
///     async fn put(&self, _key: &CacheKey, _token: &AccessToken) -> Result<()> {
///         Ok(())
///     }
///     async fn remove(&self, _key: &CacheKey, _token: &AccessToken) -> Result<()> {
///         Ok(())
///     }
/// }
/// ```
///
/// A store must not log or print the tokens it holds; [`AccessToken`]'s own `Debug` is redacted.
/// Use [`CacheKey::digest`] as a printable, fixed-length name for a key in a shared store.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The token stored under `key`, if any. It may be expired: the provider checks.
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store) when the store cannot be read; the provider then
    /// requests a token as if the store were empty.
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>>;

    /// Stores `token` under `key`, replacing what was there.
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store) when the store cannot be written; the provider logs it
    /// and keeps using the token from memory.
    async fn put(&self, key: &CacheKey, token: &AccessToken) -> Result<()>;

    /// Removes the token stored under `key` **only if it is still `token`** (compare and remove), so
    /// that a worker dropping a rejected token never drops a newer one another worker put.
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store) when the store cannot be written; the provider logs it
    /// and will not take that token from the store again.
    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> Result<()>;

    /// Takes a lock on `key` before a token request, for stores shared across processes.
    ///
    /// Returns `Ok(true)` when a lock was taken (the provider then calls [`unlock`](TokenStore::unlock)
    /// once the request is done, whatever its outcome), `Ok(false)` when none was (the default: no
    /// cross-process coordination). See the trait's docs for what a lock should do.
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store); the provider logs it and goes on without the lock.
    async fn lock(&self, key: &CacheKey) -> Result<bool> {
        let _ = key;
        Ok(false)
    }

    /// Releases the lock taken by [`lock`](TokenStore::lock). The default does nothing.
    ///
    /// # Errors
    /// [`Error::Store`](crate::Error::Store); the provider logs it (the lock should expire on its own).
    async fn unlock(&self, key: &CacheKey) -> Result<()> {
        let _ = key;
        Ok(())
    }
}

#[async_trait]
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>> {
        (**self).get(key).await
    }
    async fn put(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        (**self).put(key, token).await
    }
    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        (**self).remove(key, token).await
    }
    async fn lock(&self, key: &CacheKey) -> Result<bool> {
        (**self).lock(key).await
    }
    async fn unlock(&self, key: &CacheKey) -> Result<()> {
        (**self).unlock(key).await
    }
}

/// The default [`TokenStore`]: a map in this process's memory.
///
/// Cheap to clone; clones share the map, so giving clones of one store to several
/// [`TokenProvider`](crate::TokenProvider)s with equal [`CacheKey`]s lets them share tokens.
/// Its `Debug` shows how many tokens it holds, never a token.
#[derive(Clone, Default)]
pub struct InMemoryTokenStore {
    tokens: Arc<Mutex<HashMap<CacheKey, AccessToken>>>,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tokens the store holds (expired ones included).
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether the store holds no token.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    fn map(&self) -> MutexGuard<'_, HashMap<CacheKey, AccessToken>> {
        // A panic while holding this lock cannot leave the map half-updated: every update is one call.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for InMemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryTokenStore").field("tokens", &self.len()).finish()
    }
}

#[async_trait]
impl TokenStore for InMemoryTokenStore {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>> {
        Ok(self.map().get(key).cloned())
    }

    async fn put(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        self.map().insert(key.clone(), token.clone());
        Ok(())
    }

    async fn remove(&self, key: &CacheKey, token: &AccessToken) -> Result<()> {
        let mut map = self.map();
        if map.get(key).is_some_and(|held| held.same_token(token)) {
            map.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::ClientCredentials;

    fn key(client_id: &str) -> CacheKey {
        ClientCredentials::builder(client_id)
            .client_secret("unit-test-secret")
            .token_endpoint("https://login.example.test/connect/token")
            .build()
            .unwrap()
            .cache_key()
    }

    fn token(secret: &str) -> AccessToken {
        let now = SystemTime::now();
        AccessToken::new(secret, "Bearer", now, now + Duration::from_secs(60), vec![])
    }

    #[tokio::test]
    async fn remove_only_drops_the_token_given() {
        let store = InMemoryTokenStore::new();
        let (a, b) = (key("a"), key("b"));
        store.put(&a, &token("tok-old")).await.unwrap();
        store.put(&a, &token("tok-new")).await.unwrap();
        store.put(&b, &token("tok-b")).await.unwrap();
        assert_eq!(store.len(), 2);

        store.remove(&a, &token("tok-old")).await.unwrap();
        assert_eq!(store.get(&a).await.unwrap().unwrap().secret(), "tok-new", "a newer token must survive");

        store.remove(&a, &token("tok-new")).await.unwrap();
        assert!(store.get(&a).await.unwrap().is_none());
        assert_eq!(store.get(&b).await.unwrap().unwrap().secret(), "tok-b", "other keys are untouched");
    }

    #[tokio::test]
    async fn clones_share_tokens_and_debug_shows_none() {
        let store = InMemoryTokenStore::new();
        let shared: Arc<dyn TokenStore> = Arc::new(store.clone());
        shared.put(&key("a"), &token("tok-secret-value")).await.unwrap();
        assert!(!store.is_empty());
        assert!(!shared.lock(&key("a")).await.unwrap(), "the in-memory store takes no lock");
        let debug = format!("{store:?} {shared:?}");
        assert!(!debug.contains("tok-secret-value"), "{debug}");
        assert!(debug.contains("tokens: 1"), "{debug}");
    }
}
