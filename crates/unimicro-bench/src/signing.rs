//! Benchmark 5: client assertions signed per second vs `openssl speed rsa2048` sign/s.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use unimicro_auth::{AssertionClaims, Certificate, CertificateSigner};

use crate::report::{Kind, Section};

const TARGET: f64 = 0.67;

/// Makes a throwaway self-signed certificate with a new 2048-bit RSA key (bench only), and the key as PKCS#8 DER.
fn certificate() -> Result<(Certificate, Vec<u8>), String> {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(|e| format!("could not generate an RSA key: {e}"))?;
    let params = rcgen::CertificateParams::new(vec!["unimicro-bench.invalid".to_owned()])
        .map_err(|e| format!("bad certificate parameters: {e}"))?;
    let cert = params.self_signed(&key).map_err(|e| format!("could not self-sign: {e}"))?;
    let certificate = Certificate::from_pem(&cert.pem(), &key.serialize_pem())
        .map_err(|e| format!("Certificate::from_pem rejected the generated certificate: {e}"))?;
    Ok((certificate, key.serialize_der()))
}

/// Calls `f` for `duration`; how many times and how long it took.
fn count_for(
    duration: Duration,
    mut f: impl FnMut() -> Result<(), String>,
) -> Result<(u64, Duration), String> {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < duration {
        f()?;
        n += 1;
    }
    Ok((n, start.elapsed()))
}

/// Signing counts over `duration` each, alternating in rounds of 250 ms so that load from other
/// processes falls on both alike: complete assertions (fresh claims with a UUID `jti`, JSON,
/// base64url, signature) and, as the floor under the SDK's own cost, bare RS256 signatures by aws-lc-rs
/// (the library [`Certificate`] signs with) with the same key over a message of an assertion's size.
/// Returns (assertions, time) and (bare signatures, time).
fn signing_counts(
    signer: &CertificateSigner,
    pkcs8: &[u8],
    duration: Duration,
) -> Result<[(u64, Duration); 2], String> {
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    let key = RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| format!("aws-lc-rs rejected the key: {e}"))?;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let message = [b'e'; 400];
    let mut signature = vec![0; key.public_modulus_len()];
    let mut assertion = || {
        let claims = AssertionClaims::new(
            "unimicro-bench",
            "http://127.0.0.1/connect/token",
            SystemTime::now(),
            Duration::from_secs(60),
        );
        signer.sign_claims(&claims).map(drop).map_err(|e| format!("signing failed: {e}"))
    };
    let mut bare =
        || key.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature).map_err(|_| "signing failed".into());
    let round = Duration::from_millis(250);
    let rounds = (duration.as_millis() / round.as_millis()).max(1);
    let (mut ours, mut raw) = ((0, Duration::ZERO), (0, Duration::ZERO));
    for _ in 0..rounds {
        let (n, t) = count_for(round, &mut assertion)?;
        ours = (ours.0 + n, ours.1 + t);
        let (n, t) = count_for(round, &mut bare)?;
        raw = (raw.0 + n, raw.1 + t);
    }
    Ok([ours, raw])
}

/// Runs `openssl speed -seconds <s> rsa2048` and reads its sign/s; `Err` says why it could not.
fn openssl_sign_per_second(seconds: u64) -> Result<f64, String> {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", &seconds.to_string(), "rsa2048"])
        .output()
        .map_err(|e| format!("openssl not run ({e})"))?;
    if !output.status.success() {
        return Err(format!("openssl speed failed ({})", output.status));
    }
    parse_openssl_speed(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| "could not find `rsa 2048 bits` sign/s in openssl's output".to_owned())
}

/// Reads sign/s for RSA 2048 from `openssl speed` output: a header line naming `sign/s` and a
/// line `rsa 2048 bits <sign s> <verify s> ... <sign/s> <verify/s> ...` aligned with it.
fn parse_openssl_speed(out: &str) -> Option<f64> {
    let mut column = None;
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "sign/s") {
            column = Some(i);
            continue;
        }
        if let (Some(i), ["rsa", "2048", "bits", values @ ..]) = (column, words.as_slice()) {
            return values.get(i)?.parse().ok();
        }
    }
    None
}

pub(crate) fn run(seconds: u64) -> Section {
    let mut s = Section::new("5. Assertion signing (RS256, 2048-bit RSA, one thread)");
    let target = format!(">= {TARGET:.2}x openssl");
    let (signer, pkcs8) = match certificate() {
        Ok((cert, pkcs8)) => (CertificateSigner::new(cert), pkcs8),
        Err(e) => {
            s.skip("assertions/s", e, &target);
            return s;
        }
    };
    // Half before openssl runs and half after, so that drift in the machine's load cancels out.
    let half = Duration::from_secs(seconds) / 2;
    let before = signing_counts(&signer, &pkcs8, half);
    let openssl = openssl_sign_per_second(seconds);
    let (ours, raw) = match before.and_then(|b| Ok((b, signing_counts(&signer, &pkcs8, half)?))) {
        Ok((b, a)) => {
            let rate = |i: usize| (b[i].0 + a[i].0) as f64 / (b[i].1 + a[i].1).as_secs_f64();
            (rate(0), rate(1))
        }
        Err(e) => {
            s.skip("assertions/s", e, &target);
            return s;
        }
    };
    s.info("assertions/s (sign_claims)", format!("{ours:.0}"));
    s.info("aws-lc-rs RsaKeyPair::sign alone, same key", format!("{raw:.0}"));
    s.info("  assertions / bare signatures", format!("{:.2}", ours / raw));
    s.set("assertions_per_second", ours);
    s.set("raw_aws_lc_rs_signatures_per_second", raw);
    match openssl {
        Ok(theirs) => {
            let ratio = ours / theirs;
            s.info("openssl speed rsa2048 sign/s", format!("{theirs:.0}"));
            s.check("ratio", format!("{ratio:.2}x"), &target, ratio >= TARGET, Kind::Timing);
            s.set("openssl_sign_per_second", theirs);
            s.set("ratio", ratio);
        }
        Err(e) => s.skip("openssl speed rsa2048 sign/s", format!("skipped: {e}"), &target),
    }
    s.note("an assertion is the whole job: fresh claims with a UUID jti, JSON, base64url, RSA signature;");
    s.note("assertions and bare signatures alternate in 250 ms rounds, half before openssl runs, half after");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_openssl_3_0_output() {
        let out = "Doing 2048 bits private rsa's for 3s: 4470 2048 bits private RSA's in 3.00s\n\
                   version: 3.0.19\n\
                   \x20                 sign    verify    sign/s verify/s\n\
                   rsa 2048 bits 0.000671s 0.000019s   1490.0  52270.1\n";
        assert_eq!(parse_openssl_speed(out), Some(1490.0));
    }

    #[test]
    fn parses_openssl_3_2_output_with_more_columns() {
        let out = "                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s\n\
                   rsa  2048 bits 0.000600s 0.000017s 0.000018s 0.000610s   1666.7  58823.5  55555.6   1639.3\n";
        assert_eq!(parse_openssl_speed(out), Some(1666.7));
    }

    #[test]
    fn output_without_the_line_is_none() {
        assert_eq!(parse_openssl_speed("sign/s verify/s\nrsa 4096 bits 0.01s 0.001s 100.0 1000.0\n"), None);
        assert_eq!(parse_openssl_speed("rsa 2048 bits 0.000671s 0.000019s 1490.0 52270.1\n"), None);
    }
}
