//! Load generation: a fixed number of requests in flight for a fixed time, every latency recorded.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One completed request: when it started (from the start of the run) and how long it took, in µs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) start_us: u32,
    pub(crate) latency_us: u32,
}

/// What one run produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) started: Instant,
    pub(crate) elapsed: Duration,
    pub(crate) samples: Vec<Sample>,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    /// CPU time this process used during the run (every thread, server included), where known.
    pub(crate) cpu: Option<Duration>,
}

impl Run {
    /// Completed requests per second.
    pub(crate) fn throughput(&self) -> f64 {
        self.samples.len() as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `op` in `concurrency` tasks, each starting its next call as soon as its last one is done,
/// until `duration` has passed. A failed call counts as an error and is not a sample.
pub(crate) async fn run_for<F, Fut>(concurrency: usize, duration: Duration, op: F) -> Run
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let op = Arc::new(op);
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(4096);
            let mut errors = 0;
            let mut first_error = None;
            loop {
                let t0 = Instant::now();
                if t0 >= deadline {
                    break;
                }
                match op().await {
                    Ok(()) => samples
                        .push(Sample { start_us: micros(t0 - started), latency_us: micros(t0.elapsed()) }),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (samples, errors, first_error)
        }));
    }
    let mut run = Run {
        started,
        elapsed: Duration::ZERO,
        samples: Vec::new(),
        errors: 0,
        first_error: None,
        cpu: None,
    };
    for task in tasks {
        match task.await {
            Ok((samples, errors, first_error)) => {
                run.samples.extend(samples);
                run.errors += errors;
                if run.first_error.is_none() {
                    run.first_error = first_error;
                }
            }
            Err(e) => {
                run.errors += 1;
                run.first_error.get_or_insert_with(|| format!("a load task failed: {e}"));
            }
        }
    }
    run.elapsed = started.elapsed();
    run.cpu = process_cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    run
}

/// CPU time used so far by this process's live threads: the sum of the first field of
/// `/proc/self/task/*/schedstat` (nanoseconds on a CPU). `None` where that is not available.
///
/// Unlike throughput, CPU time per request barely moves when other processes take CPU away.
pub(crate) fn process_cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(task) = task else { continue };
        // A thread may end between listing and reading: skip it.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else { continue };
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The `p`-th percentile (0–100, nearest rank) of sorted values, in milliseconds.
pub(crate) fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    f64::from(sorted_us[rank.clamp(1, sorted_us.len()) - 1]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v, 100.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 99.0), 7.0);
        assert!(percentile_ms(&[], 50.0).is_nan());
    }

    #[tokio::test]
    async fn run_counts_calls_and_errors() {
        let calls = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let c = calls.clone();
        let run = run_for(4, Duration::from_millis(30), move || {
            let n = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                tokio::task::yield_now().await;
                if n.is_multiple_of(2) { Ok(()) } else { Err(format!("call {n} failed")) }
            }
        })
        .await;
        let total = calls.load(std::sync::atomic::Ordering::Relaxed);
        assert!(total > 0);
        assert_eq!(run.samples.len() as u64 + run.errors, total);
        assert!(run.first_error.is_some_and(|e| e.contains("failed")));
        assert!(run.elapsed >= Duration::from_millis(30));
        if cfg!(target_os = "linux") {
            assert!(run.cpu.is_some_and(|c| !c.is_zero()), "{:?}", run.cpu);
        }
    }
}
