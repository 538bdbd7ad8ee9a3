//! Other processes' time on the server's cores during a step, every 100 ms.
//!
//! A machine that runs services of its own (a message broker's Erlang VM waking up, say) takes
//! the server's core away in bursts: 65 ms of one 100 ms slice was enough for every live
//! session's scores to come late together for a third of a second (10,000 sessions, answers up
//! to 275 ms late). The server is pinned to its cores, so what those cores spent beyond the
//! server's own time went to others: `/proc/stat`'s busy time of the cores (user, nice,
//! system and the host's steal; not interrupts, which the server's own sockets cause) less the
//! server's CPU time. Both count in ticks of 10 ms, so one slice reads to a tick or two.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::stats::cpu_ticks_from_stat;

/// How often the cores are read.
const SLICE: Duration = Duration::from_millis(100);

/// A slice whose others took at least this much is listed. At 30 ms quiet steps listed slices
/// too: the ticks round, and the reading runs high (others read 1.8–2.2 % of the core over the
/// 10,000-session step, where perf counted 0.9 % of the core's samples in other processes'
/// threads, and 5–6 % at 5,000 sessions; kernel threads busy with the server's sockets count
/// as others). The bursts beside late answers read 50–80 ms.
const LISTED_FROM: Duration = Duration::from_millis(50);

/// A share of the server's cores that others took over a step worth a note.
const NOTED_SHARE: f64 = 0.005;

/// One tick of `/proc/stat` and `/proc/PID/stat` (`USER_HZ` is 100 on Linux).
const TICK: Duration = Duration::from_millis(10);

/// Reads the cores every [`SLICE`] until stopped.
pub struct Interference {
    stop: oneshot::Sender<()>,
    sampler: JoinHandle<Vec<(Duration, Duration)>>,
}

/// What others took of the server's cores over a step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Taken {
    /// In all.
    pub total: Duration,
    /// The slices from [`LISTED_FROM`] up: when (since the origin) and how much.
    pub bursts: Vec<(Duration, Duration)>,
}

impl Interference {
    /// Starts reading `cores` (the server's, whose process is `pid`), slices counted from
    /// `origin`; `None` where the server is not pinned or `/proc/stat` cannot be read.
    pub fn start(cores: &[usize], pid: u32, origin: Instant) -> Option<Interference> {
        if cores.is_empty() {
            return None;
        }
        let cores = cores.to_vec();
        let mut last = read(&cores, pid)?;
        let (stop, mut stopped) = oneshot::channel();
        let sampler = tokio::spawn(async move {
            let mut slices = Vec::new();
            let mut ticks = tokio::time::interval(SLICE);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => {}
                }
                let Some(now) = read(&cores, pid) else { break };
                let others = others_ticks(last, now);
                last = now;
                let at = Instant::now().saturating_duration_since(origin);
                let others = TICK.saturating_mul(u32::try_from(others).unwrap_or(u32::MAX));
                slices.push((at.saturating_sub(SLICE), others));
            }
            slices
        });
        Some(Interference { stop, sampler })
    }

    /// Stops reading and sums up.
    pub async fn stop(self) -> Taken {
        let _ = self.stop.send(());
        let slices = self.sampler.await.unwrap_or_default();
        taken(&slices)
    }
}

impl Taken {
    /// `other processes took 240 ms of the server's core (1.6 %; bursts 13.3 s: 60 ms)`, or
    /// nothing where they took less than [`NOTED_SHARE`] in no burst.
    pub fn summary(&self, over: Duration, cores: usize) -> Option<String> {
        let share = self.total.as_secs_f64() / (over.as_secs_f64() * cores.max(1) as f64);
        if share < NOTED_SHARE && self.bursts.is_empty() {
            return None;
        }
        let bursts = if self.bursts.is_empty() {
            String::new()
        } else {
            format!("; bursts {}", self.listed_bursts())
        };
        Some(format!(
            "other processes took {} ms of the server's core{} ({:.1} %{bursts})",
            self.total.as_millis(),
            if cores == 1 { "" } else { "s" },
            100.0 * share
        ))
    }

    /// `13.3 s: 60 ms, 13.4 s: 50 ms`, or `none`.
    pub fn listed_bursts(&self) -> String {
        if self.bursts.is_empty() {
            return "none".into();
        }
        self.bursts
            .iter()
            .map(|(at, took)| format!("{:.1} s: {} ms", at.as_secs_f64(), took.as_millis()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn taken(slices: &[(Duration, Duration)]) -> Taken {
    Taken {
        total: slices.iter().map(|(_, took)| *took).sum(),
        bursts: slices
            .iter()
            .filter(|(_, took)| *took >= LISTED_FROM)
            .copied()
            .collect(),
    }
}

/// The cores' busy ticks and the server's, at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reading {
    cores_busy: u64,
    server: u64,
}

fn read(cores: &[usize], pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let server = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Reading {
        cores_busy: busy_ticks(&stat, cores)?,
        server: cpu_ticks_from_stat(&server)?,
    })
}

/// What the cores spent beyond the server's own time between two readings.
fn others_ticks(before: Reading, after: Reading) -> u64 {
    let busy = after.cores_busy.saturating_sub(before.cores_busy);
    let server = after.server.saturating_sub(before.server);
    busy.saturating_sub(server)
}

/// User, nice, system and steal ticks of the `cpuN` lines of `/proc/stat` for `cores`;
/// `None` if a core's line is missing.
fn busy_ticks(stat: &str, cores: &[usize]) -> Option<u64> {
    cores
        .iter()
        .map(|core| {
            let name = format!("cpu{core}");
            let line = stat
                .lines()
                .find(|line| line.split_whitespace().next() == Some(name.as_str()))?;
            let fields: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .map(|field| field.parse().unwrap_or(0))
                .collect();
            // user nice system idle iowait irq softirq steal ...
            let field = |index: usize| fields.get(index).copied().unwrap_or(0);
            Some(field(0) + field(1) + field(2) + field(7))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  900 10 300 5000 20 7 9 4 0 0\n\
                        cpu0 500 5 200 2000 10 3 5 3 0 0\n\
                        cpu1 400 5 100 3000 10 4 4 1 0 0\n\
                        intr 12345\n";

    #[test]
    fn the_cores_busy_time_is_user_nice_system_and_steal_of_their_lines_only() {
        assert_eq!(busy_ticks(STAT, &[0]), Some(500 + 5 + 200 + 3));
        assert_eq!(busy_ticks(STAT, &[0, 1]), Some(708 + 400 + 5 + 100 + 1));
        assert_eq!(busy_ticks(STAT, &[2]), None);
    }

    #[test]
    fn others_are_what_the_cores_spent_beyond_the_server() {
        let before = Reading {
            cores_busy: 100,
            server: 40,
        };
        let after = Reading {
            cores_busy: 112,
            server: 46,
        };
        assert_eq!(others_ticks(before, after), 6);
        // The server's ticks may run ahead of the cores' by a tick: never below zero.
        let ahead = Reading {
            cores_busy: 101,
            server: 43,
        };
        assert_eq!(others_ticks(before, ahead), 0);
    }

    #[test]
    fn slices_from_the_listing_threshold_up_are_listed_and_all_are_summed() {
        let slices = [
            (Duration::from_millis(0), Duration::from_millis(10)),
            (Duration::from_millis(13_300), Duration::from_millis(60)),
            (Duration::from_millis(13_400), Duration::from_millis(50)),
            (Duration::from_millis(13_500), Duration::from_millis(40)),
        ];
        let taken = taken(&slices);
        assert_eq!(taken.total, Duration::from_millis(160));
        assert_eq!(taken.listed_bursts(), "13.3 s: 60 ms, 13.4 s: 50 ms");
        assert_eq!(
            taken.summary(Duration::from_secs(16), 1).as_deref(),
            Some(
                "other processes took 160 ms of the server's core (1.0 %; bursts 13.3 s: 60 ms, \
                 13.4 s: 50 ms)"
            )
        );
        // Under half a percent in no burst: nothing to note.
        let quiet = Taken {
            total: Duration::from_millis(70),
            bursts: Vec::new(),
        };
        assert_eq!(quiet.summary(Duration::from_secs(15), 1), None);
        let busy = Taken {
            total: Duration::from_millis(300),
            bursts: Vec::new(),
        };
        assert_eq!(
            busy.summary(Duration::from_secs(15), 2).as_deref(),
            Some("other processes took 300 ms of the server's cores (1.0 %)")
        );
        assert_eq!(Taken::default().listed_bursts(), "none");
    }
}
