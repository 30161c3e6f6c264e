//! `cargo xtask gen-cert`: writes the test-only keys, certificates and PKCS#12 files of
//! unimicro-auth's tests with the `openssl` CLI, the tool users make their files with.
//!
//! The files are committed, so the tests need nothing but cargo. Run this only to renew them
//! (they are valid for 100 years); every key is new each run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{root, run};

/// The password of every password-protected fixture, except the two below.
const PASSWORD: &str = "test-only-password";
/// The password of `test-only-non-ascii.p12`: Norwegian letters, a euro sign and a check mark.
const NON_ASCII_PASSWORD: &str = "blåbærsyltetøy-€-✓";
const DAYS: &str = "36500";

/// Writes every fixture into `crates/unimicro-auth/tests/it/fixtures/`.
pub(crate) fn run_gen_cert() -> Result<(), String> {
    // `openssl` has no `--version` flag: ask with `openssl version`.
    let installed = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    if !installed {
        return Err(
            "`openssl` is not installed: gen-cert uses the openssl CLI (apt-get install openssl)".into()
        );
    }
    let out = root().join("crates/unimicro-auth/tests/it/fixtures");
    std::fs::create_dir_all(&out).map_err(|e| format!("could not create `{}`: {e}", out.display()))?;
    let f = |name: &str| out.join(name);
    let pass = format!("pass:{PASSWORD}");

    // A CA, and a client key with a self-signed certificate and one signed by the CA.
    openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"], &f("ca.key.tmp"))?;
    openssl(
        &["req", "-x509", "-new", "-key", p(&f("ca.key.tmp")), "-subj", "/O=unimicro-rs/CN=test-only CA"],
        &f("test-only-ca.cert.pem"),
    )?;
    openssl(
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"],
        &f("test-only-client.key.pem"),
    )?;
    let key = f("test-only-client.key.pem");
    openssl(
        &["req", "-x509", "-new", "-key", p(&key), "-subj", "/O=unimicro-rs/CN=test-only client"],
        &f("test-only-client.cert.pem"),
    )?;
    openssl(
        &["req", "-new", "-key", p(&key), "-subj", "/O=unimicro-rs/CN=test-only chained client", "-out"],
        &f("client.csr.tmp"),
    )?;
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            p(&f("client.csr.tmp")),
            "-CA",
            p(&f("test-only-ca.cert.pem")),
            "-CAkey",
            p(&f("ca.key.tmp")),
            "-CAcreateserial",
            "-CAserial",
            p(&f("ca.srl.tmp")),
        ],
        &f("test-only-chained.cert.pem"),
    )?;

    // The client key as PKCS#1 and as encrypted PKCS#8.
    openssl(&["rsa", "-in", p(&key), "-traditional"], &f("test-only-client.pkcs1.key.pem"))?;
    openssl(
        &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", p(&key), "-passout", &pass],
        &f("test-only-client.encrypted.key.pem"),
    )?;

    // PKCS#12 files.
    let cert = f("test-only-client.cert.pem");
    let export = ["pkcs12", "-export", "-name", "test-only client", "-inkey", p(&key), "-in", p(&cert)];
    openssl(&[&export[..], &["-passout", &pass]].concat(), &f("test-only-modern.p12"))?;
    openssl(&[&export[..], &["-legacy", "-passout", &pass]].concat(), &f("test-only-legacy.p12"))?;
    openssl(
        &[
            &export[..],
            &["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-passout", &pass],
        ]
        .concat(),
        &f("test-only-windows-3des.p12"),
    )?;
    openssl(&[&export[..], &["-passout", "pass:"]].concat(), &f("test-only-empty-password.p12"))?;
    let non_ascii = format!("pass:{NON_ASCII_PASSWORD}");
    openssl(&[&export[..], &["-passout", &non_ascii]].concat(), &f("test-only-non-ascii.p12"))?;
    openssl(
        &[
            "pkcs12",
            "-export",
            "-name",
            "test-only chained client",
            "-inkey",
            p(&key),
            "-in",
            p(&f("test-only-chained.cert.pem")),
            "-certfile",
            p(&f("test-only-ca.cert.pem")),
            "-passout",
            &pass,
        ],
        &f("test-only-chain.p12"),
    )?;
    openssl(
        &["pkcs12", "-export", "-nokeys", "-in", p(&cert), "-passout", &pass],
        &f("test-only-no-key.p12"),
    )?;

    // Keys the library must refuse, each with its certificate.
    openssl(
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out"],
        &f("test-only-rsa1024.key.pem"),
    )?;
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            p(&f("test-only-rsa1024.key.pem")),
            "-subj",
            "/CN=test-only rsa1024",
        ],
        &f("test-only-rsa1024.cert.pem"),
    )?;
    openssl(
        &["genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out"],
        &f("dsa.params.tmp"),
    )?;
    openssl(&["genpkey", "-paramfile", p(&f("dsa.params.tmp")), "-out"], &f("test-only-dsa.key.pem"))?;
    openssl(
        &["req", "-x509", "-new", "-key", p(&f("test-only-dsa.key.pem")), "-subj", "/CN=test-only dsa"],
        &f("test-only-dsa.cert.pem"),
    )?;

    // openssl's own fingerprints of the client certificate: an independent check of the thumbprints.
    let mut fingerprints = String::new();
    for digest in ["-sha1", "-sha256"] {
        let line = capture(&["x509", "-in", p(&cert), "-noout", "-fingerprint", digest])?;
        fingerprints.push_str(line.trim());
        fingerprints.push('\n');
    }
    write(&f("test-only-client.fingerprints.txt"), &fingerprints)?;
    write(&f("README.txt"), &readme())?;

    for entry in std::fs::read_dir(&out).map_err(|e| format!("could not list `{}`: {e}", out.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "tmp") {
            std::fs::remove_file(&path).map_err(|e| format!("could not remove `{}`: {e}", path.display()))?;
        }
    }
    println!("\nxtask gen-cert: wrote the test-only fixtures to {}", out.display());
    Ok(())
}

/// Runs `openssl <args> -out <out>` (or `<args> <out>` when `args` already ends with `-out`),
/// adding `-days` to certificate-making commands.
fn openssl(args: &[&str], out: &Path) -> Result<(), String> {
    let mut cmd = Command::new("openssl");
    cmd.args(args);
    let makes_cert = matches!(args, ["req", "-x509", ..] | ["x509", "-req", ..]);
    if makes_cert {
        cmd.args(["-days", DAYS]);
    }
    if args.last() != Some(&"-out") {
        cmd.arg("-out");
    }
    cmd.arg(out);
    run(&mut cmd)
}

fn capture(args: &[&str]) -> Result<String, String> {
    let output =
        Command::new("openssl").args(args).output().map_err(|e| format!("could not run openssl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`openssl {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn write(path: &PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("could not write `{}`: {e}", path.display()))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

fn readme() -> String {
    format!(
        "\
TEST-ONLY keys, certificates and PKCS#12 files for unimicro-auth's tests. NEVER use them for anything else:
the private keys and passwords are public. Made by `cargo xtask gen-cert` (xtask/src/gen_cert.rs) with the
openssl CLI; run it again to renew them.

Passwords
  {PASSWORD}   every password-protected file below, unless said otherwise
  (empty)              test-only-empty-password.p12
  {NON_ASCII_PASSWORD}   test-only-non-ascii.p12 (UTF-8)

Files
  test-only-client.key.pem            RSA 2048 private key, PKCS#8 (PRIVATE KEY)
  test-only-client.pkcs1.key.pem      the same key, PKCS#1 (RSA PRIVATE KEY)
  test-only-client.encrypted.key.pem  the same key, encrypted PKCS#8 (PBES2, PBKDF2, AES-256-CBC)
  test-only-client.cert.pem           self-signed certificate of that key (CN=test-only client)
  test-only-client.fingerprints.txt   openssl's SHA-1 and SHA-256 fingerprints of that certificate
  test-only-ca.cert.pem               a CA certificate (CN=test-only CA); its key is not kept
  test-only-chained.cert.pem          certificate of the client key issued by that CA
  test-only-modern.p12                key + self-signed certificate, `openssl pkcs12 -export` defaults
                                      (AES-256-CBC, PBKDF2, SHA-256 MAC)
  test-only-legacy.p12                the same, `-legacy` (RC2-40 certificates, 3DES key, SHA-1 MAC)
  test-only-windows-3des.p12          the same, 3DES for both and a SHA-1 MAC (as Windows exports)
  test-only-empty-password.p12        the same, modern, empty password
  test-only-non-ascii.p12             the same, modern, non-ASCII password
  test-only-chain.p12                 key + CA-issued certificate + the CA certificate
  test-only-no-key.p12                the self-signed certificate only, no key
  test-only-rsa1024.{{key,cert}}.pem    an RSA 1024 key and certificate (too small: must be refused)
  test-only-dsa.{{key,cert}}.pem        a DSA key and certificate (unsupported: must be refused)
"
    )
}
