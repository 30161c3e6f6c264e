//! `cargo xtask interop`: unimicro-auth against a real OpenID provider nobody here wrote.
//!
//! Installs panva's `oidc-provider` (pinned by `interop/package-lock.json`) with `npm ci` into
//! `target/interop/`, starts `interop/server.mjs` on 127.0.0.1 on a free port, runs the ignored
//! interop tests of unimicro-auth against it (`UNIMICRO_INTEROP_URL`), and stops the server by its
//! pid whatever happens: a guard kills it on every return path and on panic, and the server also
//! exits by itself when xtask's end of its stdin closes (so it never outlives a killed xtask).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cmd::{cargo, exists, root, run};

/// Where the test certificates live; their public keys are what the server's clients register.
const FIXTURES: &str = "crates/unimicro-auth/tests/it/fixtures";
/// The certificates whose keys the clients register. The first one's key is registered on the client
/// `interop-jwks-kid` under the `kid` `interop-kid-1`. The `.p12` fixtures hold the same key.
const CERTIFICATES: &[&str] = &["test-only-client.cert.pem"];
/// Lifetime of the short tokens the background-refresh test uses, in seconds.
const SHORT_TTL_SECS: u32 = 8;
/// How long the server may take to print its URL.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the interop tests against a freshly started `oidc-provider`; `test_args` go to the test
/// binary after `--ignored` (a name filter, `--nocapture` …).
pub(crate) fn run_interop(test_args: &[String]) -> Result<(), String> {
    for tool in ["node", "npm"] {
        if !exists(tool) {
            return Err(format!(
                "`{tool}` is not installed: the interop tests need Node.js and npm (apt-get install nodejs npm)"
            ));
        }
    }
    let started = Instant::now();
    let dir = install()?;
    let certs = certificates()?;
    let server = Server::start(&dir, &certs)?;
    println!("xtask interop: oidc-provider is listening at {}", server.url);
    let result = run(cargo()
        .args(["test", "-p", "unimicro-auth", "--test", "it", "interop::", "--", "--ignored"])
        .args(test_args)
        .env("UNIMICRO_INTEROP_URL", &server.url));
    drop(server);
    result?;
    println!("\nxtask interop: passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Copies `interop/` to `target/interop/` and installs its locked dependencies there (again only
/// when the lock file changed).
fn install() -> Result<PathBuf, String> {
    let source = root().join("interop");
    let dir = root().join("target").join("interop");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock = read(&source.join("package-lock.json"))?;
    let installed = dir.join("node_modules").join("oidc-provider").join("package.json").is_file()
        && std::fs::read(dir.join("package-lock.json")).ok().as_deref() == Some(lock.as_slice());
    for file in ["package.json", "package-lock.json", "server.mjs"] {
        std::fs::copy(source.join(file), dir.join(file))
            .map_err(|e| format!("cannot copy interop/{file} to {}: {e}", dir.display()))?;
    }
    if installed {
        println!("\nxtask interop: oidc-provider already installed in {}", dir.display());
    } else {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir))?;
    }
    Ok(dir)
}

/// The test certificates whose keys the server's clients register, checked to exist.
fn certificates() -> Result<Vec<PathBuf>, String> {
    let dir = root().join(FIXTURES);
    CERTIFICATES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!("{} is missing: run `cargo xtask gen-cert`", path.display()))
            }
        })
        .collect()
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The running server. Dropping it kills the process (by its pid) and reaps it.
struct Server {
    child: Child,
    /// The server's lifeline: it exits when this closes.
    _stdin: Option<ChildStdin>,
    url: String,
}

impl Server {
    fn start(dir: &Path, certs: &[PathBuf]) -> Result<Self, String> {
        let certs = std::env::join_paths(certs).map_err(|e| format!("bad certificate path: {e}"))?;
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(dir)
            .env("INTEROP_CERTS", certs)
            .env("INTEROP_SHORT_TTL", SHORT_TTL_SECS.to_string())
            .env("INTEROP_LIFELINE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        println!("\n$ node {}/server.mjs", dir.display());
        let mut child = command.spawn().map_err(|e| format!("could not start node: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        // From here on the guard owns the process: every early return kills it.
        let mut server = Server { child, _stdin: stdin, url: String::new() };
        let stdout = stdout.ok_or("the server's stdout was not captured")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Forward every line; the first `INTEROP_URL=` line also goes to the waiting thread.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match line.strip_prefix("INTEROP_URL=") {
                    Some(url) => {
                        let _ = tx.send(url.to_owned());
                    }
                    None => println!("[oidc-provider] {line}"),
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => server.url = url,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!("the server printed no URL within {START_TIMEOUT:?}"));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = server.child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(format!(
                    "the server exited before it was ready ({status}); see its output above"
                ));
            }
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id();
        match self.child.try_wait() {
            Ok(Some(status)) => {
                println!("xtask interop: the server (pid {pid}) had already exited ({status})")
            }
            _ => {
                println!("xtask interop: stopping the server (pid {pid})");
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}
