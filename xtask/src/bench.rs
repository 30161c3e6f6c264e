//! `cargo xtask bench`: the benchmarks of issue 8, in a release build.

use crate::cmd;

/// Runs `cargo run --release -p unimicro-bench`, passing on `args` (e.g. `--quick`).
///
/// The bench prints its table, writes `target/bench/report.json`, and fails only when a correctness
/// target (token counts, 401s, failed requests) is missed.
pub(crate) fn run_bench(args: &[String]) -> Result<(), String> {
    let mut command = cmd::cargo();
    command.args(["run", "--release", "-p", "unimicro-bench", "--"]).args(args);
    cmd::run(&mut command)
}
