//! The token cache: single-flight requests, a soft and a hard refresh point, background refresh,
//! back-off and a cooldown after permanent errors.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

use futures::future::{BoxFuture, FutureExt as _, Shared};
use http::{HeaderValue, StatusCode};
use tracing::Instrument as _;

use crate::{AccessToken, CacheKey, ClientCredentials, Clock, Error, InMemoryTokenStore, Result, TokenStore};

/// When a cached token is refreshed, relative to its expiry.
///
/// Two points before a token expires matter:
///
/// - the **soft** point, [`soft_margin_for`](Self::soft_margin_for) before expiry: 20 % of the token's
///   lifetime, at least 60 s and at most 300 s, never more than half the lifetime, less a random jitter
///   of up to 10 % of that margin (so a fleet does not refresh in lockstep). Past it, callers still get
///   the cached token at once, and one background refresh runs.
/// - the **hard** point, [`hard_margin_for`](Self::hard_margin_for) before expiry: 30 s, or a tenth of the
///   lifetime for tokens shorter than 5 minutes. Past it, callers wait for a new token, so a token is
///   never handed out with less than that time left to cross the network.
///
/// The soft point is never later than the hard point.
///
/// ```
/// use std::time::Duration;
/// use unimicro_auth::RefreshPolicy;
///
/// let policy = RefreshPolicy::default();
/// let hour = Duration::from_secs(3600);
/// assert_eq!(policy.soft_margin_for(hour), Duration::from_secs(300));
/// assert_eq!(policy.hard_margin_for(hour), Duration::from_secs(30));
/// assert_eq!(policy.soft_margin_for(Duration::from_secs(60)), Duration::from_secs(30));
/// assert_eq!(policy.hard_margin_for(Duration::from_secs(60)), Duration::from_secs(6));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use]
pub struct RefreshPolicy {
    soft_fraction: f64,
    soft_min: Duration,
    soft_max: Duration,
    jitter_fraction: f64,
    hard_margin: Duration,
}

impl Default for RefreshPolicy {
    /// Soft margin 20 % of the lifetime within 60–300 s, jitter up to 10 % of it, hard margin 30 s.
    fn default() -> Self {
        Self {
            soft_fraction: 0.2,
            soft_min: Duration::from_secs(60),
            soft_max: Duration::from_secs(300),
            jitter_fraction: 0.1,
            hard_margin: Duration::from_secs(30),
        }
    }
}

impl RefreshPolicy {
    /// The soft margin: `fraction` of the lifetime (in `(0, 1)`), kept within `min..=max`
    /// (and never more than half the lifetime). Checked by [`TokenProviderBuilder::build`].
    pub fn soft_margin(mut self, fraction: f64, min: Duration, max: Duration) -> Self {
        self.soft_fraction = fraction;
        self.soft_min = min;
        self.soft_max = max;
        self
    }

    /// The largest random jitter subtracted from the soft margin, as a fraction of it (in `[0, 0.5]`;
    /// `0` for none).
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter_fraction = fraction;
        self
    }

    /// The hard margin (default 30 s). For short tokens it is cut to a tenth of the lifetime.
    pub fn hard_margin(mut self, margin: Duration) -> Self {
        self.hard_margin = margin;
        self
    }

    /// How long before expiry a token of `lifetime` reaches its soft point, before jitter.
    pub fn soft_margin_for(&self, lifetime: Duration) -> Duration {
        scale(lifetime, self.soft_fraction)
            .max(self.soft_min)
            .min(self.soft_max)
            .min(lifetime / 2)
            .max(self.hard_margin_for(lifetime))
    }

    /// How long before expiry a token of `lifetime` reaches its hard point.
    pub fn hard_margin_for(&self, lifetime: Duration) -> Duration {
        self.hard_margin.min(lifetime / 10)
    }

    /// The soft margin with a fresh random jitter subtracted, never below the hard margin.
    fn jittered_soft_margin(&self, lifetime: Duration) -> Duration {
        let soft = self.soft_margin_for(lifetime);
        let jitter = scale(soft, self.jitter_fraction * fastrand::f64());
        soft.saturating_sub(jitter).max(self.hard_margin_for(lifetime))
    }

    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if !(self.soft_fraction > 0.0 && self.soft_fraction < 1.0) {
            return bad(format!(
                "the soft refresh fraction {} is out of range: give a fraction of the lifetime between 0 and 1, e.g. 0.2",
                self.soft_fraction
            ));
        }
        if self.soft_min > self.soft_max {
            return bad(format!(
                "the soft refresh bounds are reversed: the minimum {:?} is more than the maximum {:?}",
                self.soft_min, self.soft_max
            ));
        }
        if !(0.0..=0.5).contains(&self.jitter_fraction) {
            return bad(format!(
                "the refresh jitter {} is out of range: give a fraction between 0 and 0.5 (0 for none)",
                self.jitter_fraction
            ));
        }
        Ok(())
    }
}

/// `d × factor`, without the panics of `Duration::mul_f64` (negative, NaN, overflow → zero or max).
fn scale(d: Duration, factor: f64) -> Duration {
    let secs = d.as_secs_f64() * factor;
    if secs.is_nan() || secs <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }
}

/// Caches and refreshes the access tokens of one [`ClientCredentials`].
///
/// Cheap to clone (clones share the cache), `Send` and `Sync`. [`token`](Self::token) answers from the
/// cache without waiting while the cached token is before its hard point (see [`RefreshPolicy`]);
/// past the soft point it also starts one background refresh. When there is no usable token, any number
/// of concurrent callers cause one token request, and all get its token or its error. The request runs
/// in a task of its own, so a caller that stops waiting does not cancel it for the others. This needs a
/// Tokio runtime, as reqwest does.
///
/// When a token request fails:
///
/// - a failed background refresh is tried again with back-off while the cached token is still before
///   its hard point; callers keep getting that token meanwhile;
/// - past the hard point, callers get the error ([`Error::is_transient`] tells its kind) and the next
///   call tries again;
/// - after a permanent error (such as `invalid_client`), callers get that same error at once, without a
///   new request, for a cooldown (5 s by default); the next call after it tries again.
///
/// Each token acquisition runs in a `tracing` span `token_acquisition` with the client id, the scopes, the
/// reason (`cold`: no token yet; `soft`: background refresh; `hard`: the token is too close to expiry;
/// `401`: the token was rejected) and the new token's expiry. No token or secret is ever logged.
///
/// ```no_run
/// use unimicro_auth::{ClientCredentials, TokenProvider};
///
/// # async fn run() -> Result<(), unimicro_auth::Error> {
/// let credentials = ClientCredentials::builder("my-client-id")
///     .client_secret("my-secret")
///     .authority("https://login.example.com")
///     .build()?;
/// let provider = TokenProvider::new(credentials);
/// let token = provider.token().await?; // one request
/// let again = provider.token().await?; // from the cache
/// assert!(token.same_token(&again));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

/// Builds a [`TokenProvider`] with a store or policy other than the defaults.
/// Start with [`TokenProvider::builder`].
#[must_use]
#[derive(Debug)]
pub struct TokenProviderBuilder {
    credentials: ClientCredentials,
    store: Option<Arc<dyn TokenStore>>,
    policy: RefreshPolicy,
    cooldown: Duration,
    backoff_initial: Duration,
    backoff_max: Duration,
}

impl TokenProviderBuilder {
    /// Where tokens are shared (default: a new [`InMemoryTokenStore`] of this provider's own).
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// When tokens are refreshed (default: [`RefreshPolicy::default`]).
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How long a permanent error (such as `invalid_client`) is answered from memory before the next
    /// token request is made (default 5 s; zero turns the cooldown off).
    pub fn error_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The back-off between attempts of a failing background refresh: `initial`, doubling up to `max`,
    /// each less up to 25 % random jitter (default 1 s up to 60 s).
    pub fn refresh_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max;
        self
    }

    /// Checks the settings and builds the provider.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting that is out of range.
    pub fn build(self) -> Result<TokenProvider> {
        self.policy.validate()?;
        if self.backoff_initial.is_zero() || self.backoff_initial > self.backoff_max {
            return Err(Error::Config(format!(
                "the refresh back-off must start above zero and not above its maximum (got {:?} up to {:?})",
                self.backoff_initial, self.backoff_max
            )));
        }
        let key = self.credentials.cache_key();
        let scopes = self.credentials.scopes().join(" ");
        Ok(TokenProvider {
            inner: Arc::new(Inner {
                key,
                scopes,
                store: self.store.unwrap_or_else(|| Arc::new(InMemoryTokenStore::new())),
                policy: self.policy,
                cooldown: self.cooldown,
                backoff: (self.backoff_initial, self.backoff_max),
                credentials: self.credentials,
                state: Mutex::new(State::default()),
            }),
        })
    }
}

struct Inner {
    credentials: ClientCredentials,
    key: CacheKey,
    /// The configured scopes, space-separated, for spans.
    scopes: String,
    store: Arc<dyn TokenStore>,
    policy: RefreshPolicy,
    cooldown: Duration,
    backoff: (Duration, Duration),
    state: Mutex<State>,
}

/// A token with what readers need from it, computed once when it is cached. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Entry(Arc<EntryData>);

pub(crate) struct EntryData {
    pub(crate) token: AccessToken,
    /// `Authorization` header value, marked sensitive.
    pub(crate) header: HeaderValue,
    soft_at: SystemTime,
    hard_at: SystemTime,
}

impl std::ops::Deref for Entry {
    type Target = EntryData;
    fn deref(&self) -> &EntryData {
        &self.0
    }
}

type Flight = Shared<BoxFuture<'static, Result<Entry>>>;

#[derive(Default)]
struct State {
    /// The current token.
    entry: Option<Entry>,
    /// The token request under way, with its id.
    flight: Option<(u64, Flight)>,
    /// The id of the background refresh task running, if one is.
    background: Option<u64>,
    /// The last id given to a flight or a background task.
    last_id: u64,
    /// A permanent error, answered until the given time.
    cooldown: Option<(Error, SystemTime)>,
    /// The last token invalidated: never taken from the store again.
    rejected: Option<AccessToken>,
    /// Why the next token request is made, when [`TokenProvider::invalidate`] dropped the token.
    next_reason: Option<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Cold,
    Soft,
    Hard,
    Rejected,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Cold => "cold",
            Reason::Soft => "soft",
            Reason::Hard => "hard",
            Reason::Rejected => "401",
        }
    }
}

impl TokenProvider {
    /// A provider with the default policy and an in-memory store of its own.
    pub fn new(credentials: ClientCredentials) -> Self {
        Self::builder(credentials).build().expect("the default settings are valid")
    }

    /// Starts building a provider, to choose its store or policy.
    pub fn builder(credentials: ClientCredentials) -> TokenProviderBuilder {
        TokenProviderBuilder {
            credentials,
            store: None,
            policy: RefreshPolicy::default(),
            cooldown: Duration::from_secs(5),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }

    /// The credentials tokens are requested with.
    pub fn credentials(&self) -> &ClientCredentials {
        &self.inner.credentials
    }

    /// The key this provider's tokens are cached under.
    pub fn cache_key(&self) -> &CacheKey {
        &self.inner.key
    }

    /// A token that is valid for at least the hard margin: the cached one, or a new one.
    ///
    /// Returns at once while the cached token is before its hard point; past its soft point, also
    /// starts a background refresh. Otherwise waits for the one token request under way (starting it
    /// if there is none).
    ///
    /// # Errors
    /// The error of the token request ([`Error::OAuth`], [`Error::Timeout`], [`Error::Transport`] …),
    /// the same for every caller that waited for it; during the cooldown after a permanent error, that
    /// error again.
    pub async fn token(&self) -> Result<AccessToken> {
        self.entry().await.map(|entry| entry.token.clone())
    }

    /// Drops the cached token if it is still `token` (compare and invalidate), so the next
    /// [`token`](Self::token) call gets a new one. Call it when a server rejected `token` (HTTP 401).
    ///
    /// If the cache already holds another token (a newer one, after an earlier invalidation), it is
    /// kept: a burst of rejections of the same token causes one refresh. The store is asked to remove
    /// the token too (a store error is logged), and the provider never takes that token from it again.
    pub async fn invalidate(&self, token: &AccessToken) {
        let in_store = {
            let mut state = self.inner.lock();
            let held = state.entry.as_ref().map(|e| e.token.same_token(token));
            if held == Some(true) {
                state.entry = None;
                state.next_reason = Some(Reason::Rejected);
                tracing::debug!(client_id = %self.inner.key.client_id(), "cached token invalidated");
            }
            state.rejected = Some(token.clone());
            // When memory already holds another token, the store has been updated since.
            held != Some(false)
        };
        if in_store && let Err(error) = self.inner.store.remove(&self.inner.key, token).await {
            tracing::warn!(client_id = %self.inner.key.client_id(), %error,
                "could not remove a rejected token from the token store");
        }
    }

    pub(crate) async fn entry(&self) -> Result<Entry> {
        let flight = {
            let mut state = self.inner.lock();
            let now = self.inner.now();
            if let Some(entry) = &state.entry
                && now < entry.hard_at
            {
                let entry = entry.clone();
                if now >= entry.soft_at && state.background.is_none() {
                    Inner::start_background(&self.inner, &mut state);
                }
                return Ok(entry);
            }
            match &state.flight {
                Some((_, flight)) => flight.clone(),
                None => {
                    if let Some((error, until)) = &state.cooldown
                        && now < *until
                    {
                        return Err(error.clone());
                    }
                    let reason = match state.next_reason.take() {
                        Some(reason) => reason,
                        None if state.entry.is_some() => Reason::Hard,
                        None => Reason::Cold,
                    };
                    Inner::start_flight(&self.inner, &mut state, reason)
                }
            }
        };
        flight.await
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is only changed in short, non-panicking sections; a poisoned lock still holds
        // consistent data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> SystemTime {
        self.clock().now()
    }

    fn clock(&self) -> &Arc<dyn Clock> {
        self.credentials.clock()
    }

    /// Starts the one token request, in a task of its own so that no caller's cancellation stops it.
    fn start_flight(self: &Arc<Self>, state: &mut State, reason: Reason) -> Flight {
        state.last_id += 1;
        let id = state.last_id;
        let inner = Arc::clone(self);
        let flight = async move { inner.fetch(id, reason).await }.boxed().shared();
        state.flight = Some((id, flight.clone()));
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(flight.clone())),
            // Without a Tokio runtime, the callers' polling drives the request.
            Err(_) => tracing::debug!("no Tokio runtime: the token request runs in the caller"),
        }
        flight
    }

    fn start_background(self: &Arc<Self>, state: &mut State) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            state.last_id += 1;
            let id = state.last_id;
            state.background = Some(id);
            drop(runtime.spawn(Inner::background_refresh(Arc::downgrade(self), id)));
        }
    }

    /// Refreshes the token while it is between its soft and hard points, with back-off between
    /// failures. Holds the provider weakly, so dropping every provider ends it.
    async fn background_refresh(weak: Weak<Inner>, id: u64) {
        // Should the task end in an unusual way (its runtime shutting down), a new one may start.
        let _guard = ClearOnDrop { weak: weak.clone(), id, slot: Slot::Background };
        let mut failures = 0u32;
        loop {
            let Some(inner) = weak.upgrade() else { return };
            let flight = {
                let mut state = inner.lock();
                let now = inner.now();
                let needed = state.entry.as_ref().is_some_and(|e| now >= e.soft_at && now < e.hard_at);
                if !needed {
                    // Refreshed, invalidated, or past the hard point where callers start requests.
                    state.background = None;
                    return;
                }
                match &state.flight {
                    Some((_, flight)) => flight.clone(),
                    None => Inner::start_flight(&inner, &mut state, Reason::Soft),
                }
            };
            let result = flight.await;
            let sleep = {
                let mut state = inner.lock();
                let now = inner.now();
                match (&result, &state.entry) {
                    (Err(_), Some(entry)) if now < entry.hard_at => {
                        failures += 1;
                        let delay = inner.backoff_delay(failures);
                        let left = entry.hard_at.duration_since(now).unwrap_or_default();
                        Some(delay.min(left))
                    }
                    _ => {
                        state.background = None;
                        None
                    }
                }
            };
            let Some(delay) = sleep else { return };
            tracing::info!(client_id = %inner.key.client_id(), retry_in = ?delay,
                "background token refresh failed; the cached token is still served");
            let sleep = inner.clock().sleep(delay);
            drop(inner);
            sleep.await;
        }
    }

    fn backoff_delay(&self, failures: u32) -> Duration {
        let (initial, max) = self.backoff;
        let base = initial.saturating_mul(1 << failures.saturating_sub(1).min(20)).min(max);
        base.saturating_sub(scale(base, 0.25 * fastrand::f64()))
    }

    /// One token acquisition: from the store if it holds a fresh token, else from the token endpoint.
    async fn fetch(self: Arc<Self>, id: u64, reason: Reason) -> Result<Entry> {
        let span = tracing::info_span!("token_acquisition",
            client_id = %self.key.client_id(), scopes = %self.scopes, reason = reason.as_str(),
            source = tracing::field::Empty, expires_at = tracing::field::Empty);
        // Clears the flight if `acquire` panics, so that later callers start a new one.
        let guard = ClearOnDrop { weak: Arc::downgrade(&self), id, slot: Slot::Flight };
        let result = self.acquire().instrument(span.clone()).await;
        let mut state = self.lock();
        // In the same critical section as the new token is cached: no caller may see neither.
        if state.flight.as_ref().is_some_and(|(current, _)| *current == id) {
            state.flight = None;
        }
        let _enter = span.enter();
        match &result {
            Ok(entry) => {
                span.record("expires_at", tracing::field::debug(entry.token.expires_at()));
                tracing::info!("token cached");
                state.entry = Some(entry.clone());
                state.cooldown = None;
                state.next_reason = None;
            }
            Err(error) if !error.is_transient() && !self.cooldown.is_zero() => {
                tracing::warn!(%error, cooldown = ?self.cooldown,
                    "token acquisition failed permanently; answering this error until the cooldown ends");
                state.cooldown = Some((error.clone(), self.now() + self.cooldown));
            }
            Err(error) => {
                tracing::warn!(%error, transient = error.is_transient(), "token acquisition failed")
            }
        }
        drop(state);
        drop(guard);
        result
    }

    async fn acquire(&self) -> Result<Entry> {
        if let Some(entry) = self.fresh_in_store().await {
            return Ok(entry);
        }
        let locked = self.store.lock(&self.key).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "could not lock the token store; requesting a token without the lock");
            false
        });
        if locked && let Some(entry) = self.fresh_in_store().await {
            self.unlock().await;
            return Ok(entry);
        }
        let result = self.credentials.request_token().await.and_then(|token| self.entry_for(token));
        if let Ok(entry) = &result {
            tracing::Span::current().record("source", "token endpoint");
            if let Err(error) = self.store.put(&self.key, &entry.token).await {
                tracing::warn!(%error, "could not put the new token in the token store; it is cached in memory");
            }
        }
        if locked {
            self.unlock().await;
        }
        result
    }

    async fn unlock(&self) {
        if let Err(error) = self.store.unlock(&self.key).await {
            tracing::warn!(%error, "could not unlock the token store");
        }
    }

    /// A token from the store that is before its soft point and is neither the token already cached
    /// nor one that was rejected.
    async fn fresh_in_store(&self) -> Option<Entry> {
        let token = match self.store.get(&self.key).await {
            Ok(token) => token?,
            Err(error) => {
                tracing::warn!(%error, "could not read the token store; requesting a token");
                return None;
            }
        };
        let now = self.now();
        let soft_point = token.expires_at().checked_sub(self.policy.soft_margin_for(token.lifetime()))?;
        if now >= soft_point {
            return None;
        }
        {
            let state = self.lock();
            let known = [state.entry.as_ref().map(|e| &e.token), state.rejected.as_ref()];
            if known.into_iter().flatten().any(|t| t.same_token(&token)) {
                return None;
            }
        }
        let entry = self.entry_for(token).ok()?;
        tracing::Span::current().record("source", "store");
        Some(entry)
    }

    fn entry_for(&self, token: AccessToken) -> Result<Entry> {
        let mut header =
            HeaderValue::try_from(token.authorization_value()).map_err(|_| Error::UnexpectedResponse {
                context: "token endpoint",
                status: StatusCode::OK,
                excerpt: "the access token holds characters an HTTP header cannot carry".to_owned(),
                request_id: None,
            })?;
        header.set_sensitive(true);
        let lifetime = token.lifetime();
        let expires_at = token.expires_at();
        let before = |margin: Duration| expires_at.checked_sub(margin).unwrap_or(token.issued_at());
        Ok(Entry(Arc::new(EntryData {
            soft_at: before(self.policy.jittered_soft_margin(lifetime)),
            hard_at: before(self.policy.hard_margin_for(lifetime)),
            header,
            token,
        })))
    }
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Flight,
    Background,
}

/// Empties a slot of the state when dropped, if it still holds `id`: so that a flight or background
/// task that ends by a panic or a cancellation does not leave the provider waiting for it forever.
struct ClearOnDrop {
    weak: Weak<Inner>,
    id: u64,
    slot: Slot,
}

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        let Some(inner) = self.weak.upgrade() else { return };
        let mut state = inner.lock();
        match self.slot {
            Slot::Flight => {
                if state.flight.as_ref().is_some_and(|(id, _)| *id == self.id) {
                    state.flight = None;
                }
            }
            Slot::Background => {
                if state.background == Some(self.id) {
                    state.background = None;
                }
            }
        }
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let expires_at = inner.lock().entry.as_ref().map(|e| e.token.expires_at());
        f.debug_struct("TokenProvider")
            .field("client_id", &inner.key.client_id())
            .field("scopes", &inner.scopes)
            .field("store", &inner.store)
            .field("policy", &inner.policy)
            .field("cached_token_expires_at", &expires_at)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn credentials() -> ClientCredentials {
        ClientCredentials::builder("c")
            .client_secret("unit-test-secret")
            .token_endpoint("https://login.example.test/connect/token")
            .build()
            .unwrap()
    }

    #[test]
    fn soft_and_hard_margins() {
        let p = RefreshPolicy::default();
        let secs = Duration::from_secs;
        // 20 % of the lifetime, clamped to 60..=300 s.
        assert_eq!(p.soft_margin_for(secs(3600)), secs(300));
        assert_eq!(p.soft_margin_for(secs(1000)), secs(200));
        assert_eq!(p.soft_margin_for(secs(200)), MIN);
        // Never more than half the lifetime, never less than the hard margin.
        assert_eq!(p.soft_margin_for(secs(100)), secs(50));
        assert_eq!(p.soft_margin_for(secs(10)), secs(5));
        // The hard margin: 30 s, a tenth of short lifetimes.
        assert_eq!(p.hard_margin_for(secs(3600)), secs(30));
        assert_eq!(p.hard_margin_for(secs(100)), secs(10));
        assert_eq!(p.hard_margin_for(Duration::ZERO), Duration::ZERO);
        // A hard margin above the soft one pulls the soft one with it.
        let p = p.hard_margin(secs(600));
        assert_eq!(p.soft_margin_for(secs(7200)), secs(600));
    }

    #[test]
    fn jitter_only_shortens_the_soft_margin_and_stays_bounded() {
        let p = RefreshPolicy::default();
        let hour = Duration::from_secs(3600);
        let values: Vec<_> = (0..200).map(|_| p.jittered_soft_margin(hour)).collect();
        assert!(values.iter().all(|d| *d <= Duration::from_secs(300) && *d >= Duration::from_secs(270)));
        assert!(values.iter().any(|d| *d != values[0]), "jitter must vary");
        let none = p.jitter(0.0);
        assert!((0..20).all(|_| none.jittered_soft_margin(hour) == Duration::from_secs(300)));
    }

    #[test]
    fn invalid_policies_are_config_errors_not_panics() {
        let credentials = credentials();
        let cases = [
            RefreshPolicy::default().soft_margin(1.5, MIN, MIN),
            RefreshPolicy::default().soft_margin(f64::NAN, MIN, MIN),
            RefreshPolicy::default().soft_margin(0.2, MIN * 2, MIN),
            RefreshPolicy::default().jitter(-1.0),
        ];
        for policy in cases {
            // The margins themselves never panic, even on a bad policy.
            let _ = policy.soft_margin_for(Duration::from_secs(3600));
            let err = TokenProvider::builder(credentials.clone()).refresh_policy(policy).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err}");
        }
        let err = TokenProvider::builder(credentials)
            .refresh_backoff(Duration::from_secs(10), Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("back-off"), "{err}");
    }

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let provider = TokenProvider::new(credentials());
        let d = |n| provider.inner.backoff_delay(n);
        assert!(d(1) <= Duration::from_secs(1) && d(1) >= Duration::from_millis(750), "{:?}", d(1));
        assert!(d(3) <= Duration::from_secs(4) && d(3) >= Duration::from_secs(3), "{:?}", d(3));
        assert!(d(30) <= MIN && d(30) >= Duration::from_secs(45), "{:?}", d(30));
    }
}
