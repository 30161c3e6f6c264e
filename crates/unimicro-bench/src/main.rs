//! Benchmarks of unimicro-auth and unimicro-api: run with `cargo xtask bench` (a release build).
//!
//! Everything runs against an in-process loopback server (hyper, HTTP/1.1, fixed JSON bodies) that
//! costs as little as possible, so that what is measured is the client. Absolute times mean little
//! on a shared machine, so each timing figure is a ratio of two variants measured in the same run,
//! in alternating rounds. Prints a table with every target and PASS/FAIL, and writes
//! `target/bench/report.json`.
//!
//! Exits non-zero only when a correctness target fails (token counts, 401s, failed requests), never
//! because of a timing ratio.
//!
//! Options: `--quick` runs every benchmark briefly (a smoke test of the harness; figures are noisier).

mod cold;
mod compare;
mod full_call;
mod load;
mod memory;
mod overhead;
mod refresh;
mod report;
mod server;
mod signing;
mod support;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::report::Section;

/// Durations of one full run.
#[derive(Debug, Clone, Copy)]
struct Settings {
    compare: compare::Plan,
    refresh_duration: Duration,
    signing_seconds: u64,
}

impl Settings {
    fn full() -> Self {
        Self {
            compare: compare::Plan {
                concurrency: 64,
                warmup: Duration::from_secs(1),
                round: Duration::from_millis(500),
                rounds: 16,
            },
            refresh_duration: Duration::from_secs(10),
            signing_seconds: 3,
        }
    }

    fn quick() -> Self {
        Self {
            compare: compare::Plan {
                concurrency: 64,
                warmup: Duration::from_millis(200),
                round: Duration::from_millis(250),
                rounds: 2,
            },
            refresh_duration: Duration::from_secs(5),
            signing_seconds: 1,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Settings::full(),
        ["--quick"] => Settings::quick(),
        ["--help" | "-h"] => {
            println!("unimicro-bench [--quick]\n\nRun through `cargo xtask bench` (release build).");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("unimicro-bench: unknown arguments {other:?}; the only option is --quick");
            return ExitCode::FAILURE;
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; timings mean little. Use `cargo xtask bench`.");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("unimicro-bench: could not start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "unimicro-bench: {cores} cores, {} in flight, loopback HTTP/1.1 server in the same process",
        settings.compare.concurrency
    );
    let started = Instant::now();
    let mut sections: Vec<Section> = Vec::new();
    let mut step = |name: &str, section: Section| {
        println!("  done: {name} ({:.1} s)", started.elapsed().as_secs_f64());
        sections.push(section);
    };
    step("middleware overhead", runtime.block_on(overhead::run(settings.compare)));
    step("full call", runtime.block_on(full_call::run(settings.compare)));
    step("cold start", runtime.block_on(cold::run(1000)));
    step("refresh under load", runtime.block_on(refresh::run(settings.refresh_duration)));
    drop(runtime);
    step("assertion signing", signing::run(settings.signing_seconds));
    step("memory", memory::run());
    let elapsed = started.elapsed();

    print!("{}", report::table(&sections));
    let failed = sections.iter().any(Section::correctness_failed);
    let json = serde_json::json!({
        "cores": cores,
        "quick": matches!(args.first().map(String::as_str), Some("--quick")),
        "seconds": elapsed.as_secs_f64(),
        "correctness_failed": failed,
        "sections": sections,
    });
    let path = report::report_path();
    match report::write(&path, &json) {
        Ok(()) => println!("\nreport: {} ({:.1} s in all)", path.display(), elapsed.as_secs_f64()),
        Err(e) => {
            eprintln!("unimicro-bench: {e}");
            return ExitCode::FAILURE;
        }
    }
    if failed {
        eprintln!("unimicro-bench: a correctness target failed (see FAIL above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
