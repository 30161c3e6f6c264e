//! `cargo xtask ci`: everything CI checks, in one command.

use crate::cmd::{cargo, exists, run};

/// Runs formatting, clippy, the tests, the quickstart, the docs and the interop tests, stopping at the
/// first failure.
pub(crate) fn run_all() -> Result<(), String> {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]))?;
    // The README's test command, as a new user runs it.
    run(cargo().args(["test", "--workspace"]))?;
    // The README's other command: the quickstart against the embedded mock.
    run(cargo().args(["run", "--example", "quickstart"]))?;
    // The tests behind features that are off by default: the Redis token store (unit, integration and
    // doc tests; they start their own `redis-server`, which .ci/run installs).
    run(cargo().args(["test", "-p", "unimicro-auth", "--all-features", "--", "redis"]))?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    if exists("node") && exists("npm") {
        crate::interop::run_interop(&[])?;
    } else {
        println!(
            "\nxtask ci: SKIPPED the interop tests: `node` and `npm` are not installed (.ci/run installs them)"
        );
    }
    println!("\nxtask ci: all checks passed");
    Ok(())
}
