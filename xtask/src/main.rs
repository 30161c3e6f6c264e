//! Project automation. Run `cargo xtask help`.

mod bench;
mod ci;
mod cmd;
mod gen_cert;
mod interop;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

commands:
  bench      benchmarks of the auth layer and the client against a loopback server (release build;
             `cargo xtask bench --quick` for a short smoke run); writes target/bench/report.json
  ci         formatting, clippy, tests, docs (and interop when node and npm are present)
  interop    unimicro-auth against oidc-provider (npm) on 127.0.0.1; needs node and npm
             (more arguments go to the test binary: `cargo xtask interop --nocapture`)
  gen-cert   rewrite unimicro-auth's test-only key/certificate/.p12 fixtures with the openssl CLI
  help       this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::run_bench(&args[1..]),
        Some("ci") => ci::run_all(),
        Some("interop") => interop::run_interop(&args[1..]),
        Some("gen-cert") => gen_cert::run_gen_cert(),
        Some("help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
