//! Retries of requests that failed transiently: bounded, backed off, honouring `Retry-After`.

use std::future::Future;
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use unimicro_auth::{Clock, parse_retry_after};

/// How the client retries a request that failed transiently.
///
/// Retried: answers 429, 502, 503 and 504, and failures to connect or to get an answer (timeouts,
/// connections reset). Only for idempotent methods (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`)
/// unless [`retry_post`](Self::retry_post) is set — a `POST` that timed out may have been carried out,
/// and sending it again could create a second invoice. Token failures are not retried here (the
/// authentication layer has its own policy), nor are any other answers.
///
/// The wait before a retry is the answer's `Retry-After` (seconds or an HTTP date) when it has one,
/// otherwise an exponential back-off with jitter. An answer whose `Retry-After` is longer than
/// [`max_retry_after`](Self::max_retry_after) is returned at once rather than waited for.
///
/// ```
/// use std::time::Duration;
/// use unimicro_api::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(4).initial_backoff(Duration::from_millis(100));
/// let never = RetryPolicy::none();
/// # let _ = (policy, never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retry_post: bool,
}

impl Default for RetryPolicy {
    /// Two retries (three attempts), back-off from 250 ms doubling up to 5 s, `Retry-After` honoured
    /// up to 30 s, `POST` and `PATCH` never retried.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            retry_post: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry: every request is sent once.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// How many times a request is retried after its first attempt (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The wait before the first retry when the answer gives no `Retry-After` (default 250 ms); each
    /// further retry doubles it, minus up to 50 % random jitter. `Duration::ZERO` retries at once.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest back-off between two attempts (default 5 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` waited for (default 30 s). An answer asking for a longer wait is
    /// returned to the caller (as [`Error::Api`](crate::Error::Api) with its status) at once.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Whether `POST` and `PATCH` requests (creates, most actions) are retried too (default `false`).
    ///
    /// Turn on only when a repeated request is harmless — for example when every new record carries a
    /// `_createguid`, which the platform uses to refuse duplicates.
    pub fn retry_post(mut self, yes: bool) -> Self {
        self.retry_post = yes;
        self
    }

    /// How many retries `method` gets; `post_override` replaces [`retry_post`](Self::retry_post) for
    /// one request.
    pub(crate) fn retries_for(&self, method: &Method, post_override: Option<bool>) -> u32 {
        let idempotent = [Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS];
        if idempotent.contains(method) || post_override.unwrap_or(self.retry_post) {
            self.max_retries
        } else {
            0
        }
    }

    /// The back-off before retry number `retry` (0-based) when the answer gave no `Retry-After`.
    fn backoff(&self, retry: u32) -> Duration {
        unimicro_auth::jittered_backoff(self.initial_backoff, retry, self.max_backoff)
    }
}

type Attempt = Result<reqwest::Response, reqwest_middleware::Error>;

/// Whether `result` failed transiently, and if so the wait the server asked for (if any).
fn transient(result: &Attempt, now: SystemTime) -> Option<Option<Duration>> {
    match result {
        Ok(response) => {
            let status = response.status();
            let retryable = [
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ];
            retryable.contains(&status).then(|| parse_retry_after(response.headers(), now))
        }
        Err(reqwest_middleware::Error::Reqwest(e)) => {
            (e.is_connect() || e.is_timeout() || e.is_request()).then_some(None)
        }
        // Middleware errors (a token that could not be had …) carry their own retry policies.
        Err(_) => None,
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's retries for `method` are used up,
/// sleeping on `clock` between attempts. `attempt` must send a fresh copy of the request each time.
pub(crate) async fn send_with_retries<F, Fut>(
    policy: &RetryPolicy,
    clock: &dyn Clock,
    method: &Method,
    post_override: Option<bool>,
    mut attempt: F,
) -> Attempt
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt>,
{
    let retries = policy.retries_for(method, post_override);
    let mut done = 0;
    loop {
        let result = attempt().await;
        if done >= retries {
            return result;
        }
        let Some(asked) = transient(&result, clock.now()) else { return result };
        let delay = match asked {
            Some(wait) if wait > policy.max_retry_after => {
                tracing::debug!(%method, ?wait, "not retrying: Retry-After exceeds the policy's maximum");
                return result;
            }
            Some(wait) => wait,
            None => policy.backoff(done),
        };
        match &result {
            Ok(response) => {
                tracing::warn!(%method, url = %response.url().path(), status = %response.status(),
                retry = done + 1, of = retries, ?delay, "transient answer, retrying")
            }
            Err(error) => tracing::warn!(%method, %error, retry = done + 1, of = retries, ?delay,
                "request failed, retrying"),
        }
        drop(result);
        clock.sleep(delay).await;
        done += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use unimicro_auth::ManualClock;

    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Attempt {
        let mut builder = http::Response::builder().status(status);
        if let Some(value) = retry_after {
            builder = builder.header("Retry-After", value);
        }
        Ok(reqwest::Response::from(builder.body(String::new()).unwrap()))
    }

    /// Runs the retry loop over `answers` (one per attempt), advancing the clock in the background so
    /// every sleep ends; returns the final status, the number of attempts and the sleeps asked for.
    async fn run(
        policy: RetryPolicy,
        method: Method,
        post_override: Option<bool>,
        answers: Vec<(u16, Option<&'static str>)>,
    ) -> (u16, usize, Vec<Duration>) {
        let clock = ManualClock::starting_now();
        let calls = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let clock = clock.clone();
            tokio::spawn(async move {
                loop {
                    tokio::task::yield_now().await;
                    clock.advance(Duration::from_secs(1));
                }
            })
        };
        let result = send_with_retries(&policy, &clock, &method, post_override, || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let (status, ra) = answers[n.min(answers.len() - 1)];
            async move { answer(status, ra) }
        })
        .await;
        ticker.abort();
        (result.unwrap().status().as_u16(), calls.load(Ordering::SeqCst), clock.sleeps())
    }

    fn quick() -> RetryPolicy {
        RetryPolicy::default().initial_backoff(Duration::ZERO)
    }

    #[tokio::test]
    async fn get_is_retried_on_each_transient_status() {
        for status in [429, 502, 503, 504] {
            let (last, calls, _) = run(quick(), Method::GET, None, vec![(status, None), (200, None)]).await;
            assert_eq!((last, calls), (200, 2), "status {status}");
        }
    }

    #[tokio::test]
    async fn other_statuses_are_not_retried() {
        for status in [200, 201, 400, 401, 404, 409, 500, 501] {
            let (last, calls, _) = run(quick(), Method::GET, None, vec![(status, None), (200, None)]).await;
            assert_eq!((last, calls), (status, 1), "status {status}");
        }
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let (last, calls, sleeps) = run(quick(), Method::PUT, None, vec![(503, None)]).await;
        assert_eq!((last, calls, sleeps.len()), (503, 3, 2));
        let (last, calls, _) = run(quick().max_retries(5), Method::DELETE, None, vec![(503, None)]).await;
        assert_eq!((last, calls), (503, 6));
        let (last, calls, _) = run(RetryPolicy::none(), Method::GET, None, vec![(503, None)]).await;
        assert_eq!((last, calls), (503, 1));
    }

    #[tokio::test]
    async fn post_is_retried_only_when_opted_in() {
        let answers = vec![(503, None), (201, None)];
        assert_eq!(run(quick(), Method::POST, None, answers.clone()).await.1, 1);
        assert_eq!(run(quick(), Method::PATCH, None, answers.clone()).await.1, 1);
        assert_eq!(run(quick().retry_post(true), Method::POST, None, answers.clone()).await.1, 2);
        assert_eq!(run(quick(), Method::POST, Some(true), answers.clone()).await.1, 2);
        assert_eq!(run(quick().retry_post(true), Method::POST, Some(false), answers).await.1, 1);
    }

    #[tokio::test]
    async fn retry_after_is_honoured_and_bounded() {
        let (_, calls, sleeps) = run(quick(), Method::GET, None, vec![(429, Some("7")), (200, None)]).await;
        assert_eq!((calls, sleeps), (2, vec![Duration::from_secs(7)]));
        // Longer than the policy allows: the answer is returned instead of waited for.
        let (last, calls, sleeps) =
            run(quick(), Method::GET, None, vec![(503, Some("31")), (200, None)]).await;
        assert_eq!((last, calls, sleeps.len()), (503, 1, 0));
        let policy = quick().max_retry_after(Duration::from_secs(120));
        let (last, calls, _) = run(policy, Method::GET, None, vec![(503, Some("31")), (200, None)]).await;
        assert_eq!((last, calls), (200, 2));
        // Unparseable: ordinary back-off.
        let (_, calls, sleeps) =
            run(quick(), Method::GET, None, vec![(503, Some("soon")), (200, None)]).await;
        assert_eq!((calls, sleeps), (2, vec![Duration::ZERO]));
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        for _ in 0..50 {
            let first = p.backoff(0);
            assert!(first > Duration::from_millis(49) && first <= Duration::from_millis(100), "{first:?}");
            let third = p.backoff(2);
            assert!(third > Duration::from_millis(199) && third <= Duration::from_millis(400), "{third:?}");
            assert!(p.backoff(30) <= Duration::from_secs(1));
        }
    }

    #[tokio::test]
    async fn connection_failures_of_idempotent_requests_are_retried() {
        // A port that was free a moment ago: connecting to it is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let http = reqwest_middleware::ClientWithMiddleware::from(reqwest::Client::new());
        let url = format!("http://127.0.0.1:{port}/api/biz/customers");
        let clock = ManualClock::starting_now();
        for (method, expected) in [(Method::GET, 3), (Method::POST, 1)] {
            let calls = AtomicUsize::new(0);
            let result = send_with_retries(&quick(), &clock, &method, None, || {
                calls.fetch_add(1, Ordering::SeqCst);
                http.request(method.clone(), &url).send()
            })
            .await;
            assert!(result.is_err());
            assert_eq!(calls.load(Ordering::SeqCst), expected, "{method}");
        }
    }

    #[tokio::test]
    async fn middleware_errors_are_not_retried() {
        let clock = ManualClock::starting_now();
        let calls = AtomicUsize::new(0);
        let result = send_with_retries(&quick(), &clock, &Method::GET, None, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(reqwest_middleware::Error::middleware(std::io::Error::other("no token"))) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
