//! Side-by-side throughput of request variants: warmed up, then run in alternating rounds so that
//! drift on a shared machine (another process compiling, CPU frequency) falls on every variant alike.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::load::{percentile_ms, run_for};

/// One request, boxed the same way for every variant.
pub(crate) type Op = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A named way of making the request.
pub(crate) struct Variant {
    pub(crate) name: &'static str,
    pub(crate) op: Op,
}

impl std::fmt::Debug for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variant").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Boxes an async closure as an [`Op`].
pub(crate) fn op<F, Fut>(f: F) -> Op
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// How a comparison runs.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Plan {
    pub(crate) concurrency: usize,
    #[serde(serialize_with = "secs")]
    pub(crate) warmup: Duration,
    #[serde(serialize_with = "secs")]
    pub(crate) round: Duration,
    pub(crate) rounds: usize,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// What one variant did over all its rounds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    pub(crate) name: &'static str,
    pub(crate) requests: usize,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    pub(crate) seconds: f64,
    pub(crate) throughput: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// Throughput of each round, in the order run.
    pub(crate) round_throughputs: Vec<f64>,
    /// CPU time of the whole process per request, in µs (server included), where known.
    pub(crate) cpu_us_per_request: Option<f64>,
    #[serde(skip)]
    cpu: Option<Duration>,
}

/// Runs every variant for `plan.warmup`, then `plan.rounds` rounds of each, the order rotating each round.
pub(crate) async fn compare(plan: Plan, variants: &[Variant]) -> Vec<Outcome> {
    for v in variants {
        let op = v.op.clone();
        run_for(plan.concurrency, plan.warmup, move || op()).await;
    }
    let mut outcomes: Vec<(Outcome, Vec<u32>)> = variants
        .iter()
        .map(|v| {
            let outcome = Outcome {
                name: v.name,
                requests: 0,
                errors: 0,
                first_error: None,
                seconds: 0.0,
                throughput: 0.0,
                p50_ms: 0.0,
                p99_ms: 0.0,
                round_throughputs: Vec::new(),
                cpu_us_per_request: None,
                cpu: Some(Duration::ZERO),
            };
            (outcome, Vec::new())
        })
        .collect();
    for round in 0..plan.rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            let op = variants[i].op.clone();
            let run = run_for(plan.concurrency, plan.round, move || op()).await;
            let (o, latencies) = &mut outcomes[i];
            o.requests += run.samples.len();
            o.errors += run.errors;
            if o.first_error.is_none() {
                o.first_error.clone_from(&run.first_error);
            }
            o.seconds += run.elapsed.as_secs_f64();
            o.round_throughputs.push(run.throughput());
            o.cpu = o.cpu.zip(run.cpu).map(|(a, b)| a + b);
            latencies.extend(run.samples.iter().map(|s| s.latency_us));
        }
    }
    outcomes
        .into_iter()
        .map(|(mut o, mut latencies)| {
            latencies.sort_unstable();
            o.throughput = o.requests as f64 / o.seconds;
            o.p50_ms = percentile_ms(&latencies, 50.0);
            o.p99_ms = percentile_ms(&latencies, 99.0);
            o.cpu_us_per_request = o.cpu.map(|cpu| cpu.as_secs_f64() * 1e6 / o.requests as f64);
            o
        })
        .collect()
}

/// `b`'s CPU time per request over `a`'s: how much more work `a` is per request (1.0 = none).
pub(crate) fn cpu_ratio(a: &Outcome, b: &Outcome) -> Option<f64> {
    Some(b.cpu_us_per_request? / a.cpu_us_per_request?)
}

/// The median of the per-round ratios `a[i] / b[i]` (rounds paired in order).
pub(crate) fn median_round_ratio(a: &Outcome, b: &Outcome) -> f64 {
    let mut ratios: Vec<f64> =
        a.round_throughputs.iter().zip(&b.round_throughputs).map(|(x, y)| x / y).collect();
    ratios.sort_by(f64::total_cmp);
    match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rounds: &[f64]) -> Outcome {
        Outcome {
            name: "x",
            requests: 0,
            errors: 0,
            first_error: None,
            seconds: 0.0,
            throughput: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            round_throughputs: rounds.to_vec(),
            cpu_us_per_request: None,
            cpu: None,
        }
    }

    #[test]
    fn median_of_paired_ratios() {
        let a = outcome(&[90.0, 100.0, 50.0, 99.0]);
        let b = outcome(&[100.0, 100.0, 100.0, 100.0]);
        assert!((median_round_ratio(&a, &b) - 0.945).abs() < 1e-9);
        let a = outcome(&[90.0, 100.0, 50.0]);
        let b = outcome(&[100.0, 100.0, 100.0]);
        assert!((median_round_ratio(&a, &b) - 0.9).abs() < 1e-9);
        assert!(median_round_ratio(&outcome(&[]), &b).is_nan());
    }
}
