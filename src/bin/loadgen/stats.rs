//! Latencies that each load task records on its own and the phase merges at the end into one
//! HdrHistogram (microseconds, 3 significant digits), and the generator's own CPU use, which
//! says whether a measurement is the server's limit or the generator's.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Highest latency recorded (longer ones are clamped to it): one minute.
const MAX_LATENCY_US: u64 = 60_000_000;
/// The generator counts as saturated above this share of the cores it may use.
pub const SATURATED_CPU_SHARE: f64 = 0.9;

/// One task's (or a whole phase's) latencies, in microseconds, as recorded.
///
/// A task keeps plain values, not a histogram: one histogram of these bounds is about 200 KiB,
/// and two per session (latency and send lag) had the generator zeroing gigabytes at 10,000
/// sessions, most of its core. A task records a few hundred values per step.
#[derive(Clone, Default)]
pub struct Latencies {
    micros: Vec<u64>,
}

/// What a phase reports about its latencies, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_LATENCY_US);
        self.micros.push(micros.clamp(1, MAX_LATENCY_US));
    }

    /// Adds another task's latencies to these.
    pub fn merge(&mut self, other: &Latencies) {
        self.micros.extend_from_slice(&other.micros);
    }

    pub fn summary(&self) -> Summary {
        // The bounds are constants that HdrHistogram accepts.
        let mut histogram = Histogram::<u64>::new_with_bounds(1, MAX_LATENCY_US, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        for &micros in &self.micros {
            histogram.saturating_record(micros);
        }
        let at = |quantile: f64| histogram.value_at_quantile(quantile);
        Summary {
            count: histogram.len(),
            p50_us: at(0.5),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: histogram.max(),
        }
    }
}

/// Merges every task's latencies into one.
pub fn merged<'a>(parts: impl IntoIterator<Item = &'a Latencies>) -> Latencies {
    let mut all = Latencies::default();
    for part in parts {
        all.merge(part);
    }
    all
}

/// CPU time this process has used so far (user + system), from `/proc/self/stat`.
pub fn process_cpu_time() -> Duration {
    cpu_time_of("self")
}

/// CPU time process `pid` has used so far (user + system).
pub fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    cpu_time_from_stat(&stat)
}

/// utime + stime (fields 14 and 15, in clock ticks of 1/100 s) of a `/proc/PID/stat` line.
pub fn cpu_time_from_stat(stat: &str) -> Duration {
    Duration::from_millis(cpu_ticks_from_stat(stat).unwrap_or(0) * 10)
}

/// [`cpu_time_from_stat`] in ticks; `None` where the line does not hold them.
pub fn cpu_ticks_from_stat(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces; the fields after it follow its `)`.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    // After the name, field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    Some(ticks(11)? + ticks(12)?)
}

/// Resident memory of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_histograms_hold_every_task_s_latencies() {
        let mut fast = Latencies::default();
        let mut slow = Latencies::default();
        for _ in 0..98 {
            fast.record(Duration::from_micros(100));
        }
        for _ in 0..2 {
            slow.record(Duration::from_millis(10));
        }
        let all = merged([&fast, &slow]);
        let summary = all.summary();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50_us, 100);
        // The two slow ones are the top 2 %: p99 falls on them.
        assert!((9_990..=10_010).contains(&summary.p99_us), "{summary:?}");
        assert!((9_990..=10_010).contains(&summary.max_us), "{summary:?}");
    }

    #[test]
    fn latencies_beyond_a_minute_are_clamped_not_lost() {
        let mut latencies = Latencies::default();
        latencies.record(Duration::from_secs(3600));
        assert_eq!(latencies.summary().count, 1);
        assert!(latencies.summary().max_us >= MAX_LATENCY_US);
    }

    #[test]
    fn cpu_time_is_read_past_a_command_name_with_spaces() {
        let stat = "42 (load gen) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(cpu_time_from_stat(stat), Duration::from_millis(3000));
        assert_eq!(cpu_time_from_stat("garbage"), Duration::ZERO);
    }
}
