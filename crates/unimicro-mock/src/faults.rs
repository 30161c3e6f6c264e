//! Fault knobs (failing the next N requests, latency) and the request counters tests assert on.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use http::StatusCode;

use crate::reply::Reply;

/// How many of the most recent API requests [`crate::MockUnimicro::api_request_log`] keeps.
pub(crate) const LOG_CAPACITY: usize = 10_000;

/// The next `remaining` requests fail with `status` (and `Retry-After` when set).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) remaining: u32,
    pub(crate) status: StatusCode,
    pub(crate) retry_after: Option<Duration>,
}

/// The injected faults of one side (identity or API).
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) failure: Option<Failure>,
    pub(crate) latency: Duration,
}

impl Faults {
    /// Arms `n` failures (replacing any left over); `n == 0` disarms.
    pub(crate) fn fail(&mut self, n: u32, status: StatusCode, retry_after: Option<Duration>) {
        self.failure = (n > 0).then_some(Failure { remaining: n, status, retry_after });
    }

    /// The failure answer for this request, if one is armed (and one failure fewer is left).
    pub(crate) fn take_failure(&mut self) -> Option<Reply> {
        let failure = self.failure.as_mut()?;
        failure.remaining = failure.remaining.saturating_sub(1);
        let body = "The service is temporarily unavailable (fault injected by unimicro-mock).";
        let mut reply = Reply::text(failure.status.as_u16(), body);
        if let Some(after) = failure.retry_after {
            reply = reply.header("Retry-After", after.as_secs().max(1).to_string());
        }
        if failure.remaining == 0 {
            self.failure = None;
        }
        Some(reply)
    }
}

/// One request to the API, as recorded for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// The URL path, e.g. `/api/biz/companysettings/1` (no query).
    pub path: String,
    /// The status the mock answered.
    pub status: u16,
    /// The client whose token was valid, if one was.
    pub client_id: Option<String>,
    /// The `CompanyKey` header as sent, if any.
    pub company_key: Option<String>,
}

/// Counts of token and API requests.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Token requests by the client id they claimed (`""` when none could be read).
    pub(crate) token_requests: HashMap<String, u64>,
    /// Tokens issued, by client.
    pub(crate) tokens_issued: HashMap<String, u64>,
    /// API requests by (path, status).
    pub(crate) api: HashMap<(String, u16), u64>,
    /// The most recent API requests, oldest first.
    pub(crate) log: VecDeque<ApiRequest>,
}

impl Counters {
    pub(crate) fn record_api(&mut self, request: ApiRequest) {
        *self.api.entry((request.path.clone(), request.status)).or_default() += 1;
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(request);
    }

    pub(crate) fn api_requests(&self, path: &str, status: Option<u16>) -> u64 {
        self.api
            .iter()
            .filter(|((p, s), _)| p == path && status.is_none_or(|want| want == *s))
            .map(|(_, n)| n)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_run_out() {
        let mut faults = Faults::default();
        faults.fail(2, StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(3)));
        let first = faults.take_failure().unwrap();
        assert_eq!(first.status, 503);
        assert!(faults.take_failure().is_some());
        assert!(faults.take_failure().is_none());
        faults.fail(0, StatusCode::BAD_GATEWAY, None);
        assert!(faults.take_failure().is_none());
    }

    #[test]
    fn counters_aggregate_by_path_and_status() {
        let mut counters = Counters::default();
        for status in [200, 200, 401] {
            counters.record_api(ApiRequest {
                method: "GET".into(),
                path: "/api/init/companies".into(),
                status,
                client_id: None,
                company_key: None,
            });
        }
        assert_eq!(counters.api_requests("/api/init/companies", None), 3);
        assert_eq!(counters.api_requests("/api/init/companies", Some(401)), 1);
        assert_eq!(counters.api_requests("/api/other", None), 0);
        assert_eq!(counters.log.len(), 3);
    }
}
