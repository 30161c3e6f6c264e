//! Benchmark 6: the peak resident set size of this process.

use crate::report::Section;

/// `VmHWM` (peak RSS) from `/proc/self/status`, in KiB.
fn peak_rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status not readable ({e}): not Linux?"))?;
    parse_vm_hwm(&status).ok_or_else(|| "no VmHWM line in /proc/self/status".to_owned())
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let mut words = line.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(value)
}

pub(crate) fn run() -> Section {
    let mut s = Section::new("6. Memory");
    match peak_rss_kib() {
        Ok(kib) => {
            s.info("peak RSS of the bench process (VmHWM)", format!("{:.1} MiB", kib as f64 / 1024.0));
            s.set("peak_rss_kib", kib);
        }
        Err(e) => s.skip("peak RSS of the bench process (VmHWM)", e, ""),
    }
    s.note("the whole process: server, clients, 1,000 cold-start connections and every latency sample");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_hwm() {
        let status =
            "Name:\tunimicro-bench\nVmPeak:\t  200000 kB\nVmHWM:\t   48512 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(48512));
        assert_eq!(parse_vm_hwm("VmRSS:\t 1 kB\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\t lots\n"), None);
    }

    #[test]
    fn this_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().unwrap() > 0);
        }
    }
}
