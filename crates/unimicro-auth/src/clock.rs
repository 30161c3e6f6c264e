//! Time, injectable so that tests move it instead of sleeping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// A boxed future of `()`, returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The source of time for token expiry, refresh scheduling and retry back-off.
///
/// [`SystemClock`] is the default; [`ManualClock`] lets tests advance time by hand.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: [`SystemTime::now`] and [`tokio::time::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: it stands still until [`ManualClock::advance`] moves it.
///
/// A [`sleep`](Clock::sleep) on it completes when the clock has been advanced past its deadline, so a
/// test drives retries and background refreshes deterministically. Every requested sleep is recorded
/// and can be read with [`ManualClock::sleeps`].
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<SystemTime>>,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock").field("now", &*self.now.borrow()).finish()
    }
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self { now: Arc::new(watch::Sender::new(start)), sleeps: Arc::default() }
    }

    /// A clock standing at the current system time.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// Moves the clock forward, waking every sleep whose deadline has passed.
    pub fn advance(&self, by: Duration) {
        self.now.send_modify(|now| *now += by);
    }

    /// Every duration passed to [`Clock::sleep`] so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.borrow()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.sleeps.lock().unwrap_or_else(|e| e.into_inner()).push(duration);
        let deadline = self.now() + duration;
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock; if every clone is gone, nobody can advance it.
            let _ = rx.wait_for(|now| *now >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_completes_only_after_advance() {
        let clock = ManualClock::starting_now();
        let mut sleep = clock.sleep(Duration::from_secs(10));
        assert!(futures_poll_once(&mut sleep).await.is_none());
        clock.advance(Duration::from_secs(9));
        assert!(futures_poll_once(&mut sleep).await.is_none());
        clock.advance(Duration::from_secs(1));
        sleep.await;
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(10)]);
    }

    async fn futures_poll_once(sleep: &mut Sleep) -> Option<()> {
        tokio::time::timeout(Duration::from_millis(20), sleep.as_mut()).await.ok()
    }
}
