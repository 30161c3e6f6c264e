//! The printed table and `target/bench/report.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// How a figure compares with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    /// The target is met.
    Pass,
    /// The target is missed.
    Fail,
    /// The figure has no target.
    Info,
    /// The figure could not be measured.
    Skip,
}

/// Whether missing a target means the code is wrong (exit non-zero) or the run was slow (reported only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// Token counts, 401s: a miss is a bug.
    Correctness,
    /// Ratios of timings: noisy on a shared machine.
    Timing,
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub(crate) figure: String,
    pub(crate) value: String,
    pub(crate) target: String,
    pub(crate) verdict: Verdict,
    pub(crate) kind: Kind,
}

/// One benchmark's rows and its raw figures.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Section {
    pub(crate) name: &'static str,
    pub(crate) rows: Vec<Row>,
    pub(crate) figures: Value,
    pub(crate) notes: Vec<String>,
}

impl Section {
    pub(crate) fn new(name: &'static str) -> Self {
        Self { name, rows: Vec::new(), figures: Value::Object(Default::default()), notes: Vec::new() }
    }

    /// A figure with no target.
    pub(crate) fn info(&mut self, figure: &str, value: impl Into<String>) {
        self.rows.push(Row {
            figure: figure.into(),
            value: value.into(),
            target: String::new(),
            verdict: Verdict::Info,
            kind: Kind::Timing,
        });
    }

    /// A figure checked against a target.
    pub(crate) fn check(
        &mut self,
        figure: &str,
        value: impl Into<String>,
        target: &str,
        ok: bool,
        kind: Kind,
    ) {
        self.rows.push(Row {
            figure: figure.into(),
            value: value.into(),
            target: target.into(),
            verdict: if ok { Verdict::Pass } else { Verdict::Fail },
            kind,
        });
    }

    /// A figure that could not be measured, with the reason.
    pub(crate) fn skip(&mut self, figure: &str, reason: impl Into<String>, target: &str) {
        self.rows.push(Row {
            figure: figure.into(),
            value: reason.into(),
            target: target.into(),
            verdict: Verdict::Skip,
            kind: Kind::Timing,
        });
    }

    /// Records a raw figure for the JSON report.
    pub(crate) fn set(&mut self, key: &str, value: impl Serialize) {
        if let Value::Object(map) = &mut self.figures {
            map.insert(key.to_owned(), serde_json::to_value(value).unwrap_or(Value::Null));
        }
    }

    /// A line of explanation printed under the section.
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Whether a correctness target failed.
    pub(crate) fn correctness_failed(&self) -> bool {
        self.rows.iter().any(|r| r.kind == Kind::Correctness && r.verdict == Verdict::Fail)
    }
}

/// The table of every section.
pub(crate) fn table(sections: &[Section]) -> String {
    let rows = sections.iter().flat_map(|s| s.rows.iter());
    // Column widths fit most rows; a longer cell pushes the rest of its line right.
    let width = |cell: fn(&Row) -> &str, cap: usize| {
        rows.clone().map(|r| cell(r).chars().count()).filter(|n| *n <= cap).max().unwrap_or(0)
    };
    let w_fig = width(|r| &r.figure, 56);
    let w_val = width(|r| &r.value, 22);
    let w_tgt = width(|r| &r.target, 30);
    let mut out = String::new();
    for section in sections {
        let _ = writeln!(out, "\n{}", section.name);
        for r in &section.rows {
            let verdict = match r.verdict {
                Verdict::Pass => "PASS",
                Verdict::Fail if r.kind == Kind::Correctness => "FAIL",
                Verdict::Fail => "FAIL (timing)",
                Verdict::Info => "",
                Verdict::Skip => "SKIP",
            };
            let line =
                format!("  {:<w_fig$}  {:<w_val$}  {:<w_tgt$}  {verdict}", r.figure, r.value, r.target);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        for n in &section.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    out
}

/// Where the report goes: `bench/report.json` in `$CARGO_TARGET_DIR`, else in the target directory
/// this binary runs from (`target/release/unimicro-bench` → `target/`), else `<workspace>/target`.
pub(crate) fn report_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(std::env::current_exe().ok()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest.ancestors().nth(2).unwrap_or(manifest).join("target")
        });
    target.join("bench").join("report.json")
}

/// Writes the JSON report.
///
/// # Errors
/// The I/O error, with the path.
pub(crate) fn write(path: &Path, report: &Value) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("could not write {}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let text =
        serde_json::to_string_pretty(report).map_err(|e| format!("could not encode the report: {e}"))?;
    std::fs::write(path, text + "\n").map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_correctness_failures_count() {
        let mut s = Section::new("x");
        s.check("ratio", "0.90", ">= 0.97", false, Kind::Timing);
        assert!(!s.correctness_failed());
        s.check("401s", "0", "0", true, Kind::Correctness);
        assert!(!s.correctness_failed());
        s.check("token requests", "2", "1", false, Kind::Correctness);
        assert!(s.correctness_failed());
        let t = table(&[s]);
        assert!(
            t.contains("FAIL (timing)") && t.contains("PASS") && t.lines().any(|l| l.ends_with("FAIL")),
            "{t}"
        );
    }
}
