//! `loadgen`: the benchmark of issue #6 in one command. It starts the bare WebSocket echo
//! anchor and then the server (fresh SQLite database) pinned to their own core, enrols CMU
//! subjects, and measures REST verify, WebSocket ingest on a fixed schedule, the saturated
//! peak of the server and of the echo, resident memory per idle socket, and training time.
//! It prints one Markdown table (and writes it to `--out`).
//!
//! ```sh
//! cargo build --release --bins
//! ulimit -n 65536   # the server inherits it; loadgen raises its own limit
//! target/release/loadgen --out target/loadgen/latest.md
//! target/release/loadgen --quick    # a few seconds, a few sessions: a smoke run
//! ```

mod http;
mod interference;
mod report;
mod rest;
mod schedule;
mod server;
mod setup;
mod stats;
mod steps;
mod training;
mod typing;
mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use crate::interference::{Interference, Taken};
use crate::report::Row;
use crate::server::Process;

/// The server's allocator (`src/main.rs`), so that the in-process training step measures
/// training as the server runs it: with glibc's malloc, smartcore's solver (which copies the
/// rows it compares into fresh vectors) spent a tenth of a user's training in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "loadgen",
    about = "Benchmark the server against a bare WebSocket echo"
)]
pub struct Options {
    /// A smoke run: seconds, a handful of users and sessions (no figures worth keeping).
    #[arg(long)]
    pub quick: bool,
    /// Only the training step (in-process: no server, no echo).
    #[arg(long)]
    pub training_only: bool,
    /// Enrolled users (one per CMU subject, at most 51).
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// Seconds per REST step.
    #[arg(long, default_value_t = 10)]
    pub rest_secs: u64,
    /// Seconds of verify load before the REST steps, not reported (adaptation fills up).
    #[arg(long, default_value_t = 15)]
    pub warmup_secs: u64,
    /// Seconds of one more REST verify step at concurrency 8 after the levels: longer than the
    /// minute between the server's purges of old replay fingerprints, so one runs under load
    /// (0: no such step).
    #[arg(long, default_value_t = 70)]
    pub sustained_secs: u64,
    /// REST verify concurrency levels.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64")]
    pub concurrency: Vec<usize>,
    /// Live sessions of each scheduled ingest step (opened cumulatively).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,10000")]
    pub sessions: Vec<usize>,
    /// Seconds per scheduled ingest step.
    #[arg(long, default_value_t = 15)]
    pub ws_secs: u64,
    /// Events per second each session sends.
    #[arg(long, default_value_t = 20)]
    pub events_per_sec: u32,
    /// Events per frame: the browser SDK flushes every 250 ms or at 50 events, so 5 at 20/s.
    #[arg(long, default_value_t = 5)]
    pub events_per_frame: u32,
    /// Sockets kept saturated in the peak steps (server and echo alike).
    #[arg(long, default_value_t = 256)]
    pub peak_sockets: usize,
    /// Unconfirmed events each saturated socket may have in flight (two scores' worth).
    #[arg(long, default_value_t = 100)]
    pub in_flight: u64,
    /// Idle echo sockets opened to measure the anchor's memory per connection.
    #[arg(long, default_value_t = 5000)]
    pub echo_idle: usize,
    /// Users retrained one after another in the training step.
    #[arg(long, default_value_t = 1000)]
    pub retrain_users: usize,
    /// CPUs the server and the echo run on (`taskset -c`); empty for no pinning.
    #[arg(long, default_value = "0")]
    pub server_cpus: String,
    /// CPUs the generator runs on; empty for no pinning.
    #[arg(long, default_value = "1")]
    pub generator_cpus: String,
    /// Print to standard error, for each scheduled ingest step, every 100 ms slice of the
    /// schedule whose answers came this many milliseconds late or later (0: off): where a
    /// step's tail comes from (a stall shows as consecutive slices of late answers).
    #[arg(long, default_value_t = 0)]
    pub late_ms: u64,
    /// Where to write the table (Markdown) besides standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl Options {
    /// `--quick` shrinks every step to a smoke run.
    fn effective(mut self) -> Options {
        if self.quick {
            self.users = self.users.min(3);
            self.rest_secs = 1;
            self.warmup_secs = 1;
            self.concurrency = vec![1, 4];
            self.sustained_secs = self.sustained_secs.min(2);
            self.sessions = vec![4, 8];
            self.ws_secs = 3;
            self.peak_sockets = 4;
            self.echo_idle = 20;
            self.retrain_users = 3;
        }
        self
    }
}

/// The process under measurement, the cores it is pinned to (none: not pinned) and how many
/// cores the generator may use.
pub struct Target<'a> {
    pub addr: SocketAddr,
    pub process: &'a Process,
    pub cores: Vec<usize>,
    pub generator_cores: usize,
}

impl<'a> Target<'a> {
    /// `process`, pinned to the cores of `cpus` (a `taskset -c` list) where given.
    pub fn new(process: &'a Process, cpus: Option<&str>, generator_cores: usize) -> Target<'a> {
        Target {
            addr: process.addr,
            process,
            cores: cpus.map(server::cores_of).unwrap_or_default(),
            generator_cores,
        }
    }
}

/// CPU used by the generator, the target and other processes on the target's cores over one
/// step.
pub struct Meter {
    started: Instant,
    generator: Duration,
    target: Duration,
    others: Option<Interference>,
}

/// What a [`Meter`] measured.
pub struct Used {
    /// The generator's share of its cores.
    pub generator_cpu: f64,
    /// The target's share of one core.
    pub server_cpu: f64,
    /// Wall time.
    pub elapsed: Duration,
    /// What other processes took of the target's cores (`None`: the target is not pinned).
    pub others: Option<Taken>,
}

impl Used {
    /// [`Taken::summary`] of the others over the step: `None` where the target is not pinned
    /// or they took too little to note.
    pub fn others_note(&self, cores: usize) -> Option<String> {
        self.others.as_ref()?.summary(self.elapsed, cores)
    }
}

impl Meter {
    pub fn start(target: &Target<'_>) -> Meter {
        Meter::start_at(target, Instant::now())
    }

    /// [`Meter::start`], the others' slices counted from `origin` (a schedule's start).
    pub fn start_at(target: &Target<'_>, origin: Instant) -> Meter {
        Meter {
            started: Instant::now(),
            generator: stats::process_cpu_time(),
            target: target.process.cpu_time(),
            others: Interference::start(&target.cores, target.process.pid, origin),
        }
    }

    pub async fn stop(self, target: &Target<'_>) -> Used {
        let elapsed = self.started.elapsed();
        let wall = elapsed.as_secs_f64().max(1e-9);
        let generator = (stats::process_cpu_time() - self.generator).as_secs_f64();
        let server = (target.process.cpu_time().saturating_sub(self.target)).as_secs_f64();
        let others = match self.others {
            Some(others) => Some(others.stop().await),
            None => None,
        };
        Used {
            generator_cpu: generator / wall / target.generator_cores as f64,
            server_cpu: server / wall,
            elapsed,
            others,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse().effective();
    let (soft, hard) = rlimit::increase_nofile_limit(u64::MAX)
        .map(|limit| (limit, limit))
        .unwrap_or((0, 0));
    eprintln!("loadgen: open-file limit {soft} (hard {hard})");
    let pin = server::have_taskset() && !options.generator_cpus.is_empty();
    let generator_cores = if pin {
        server::pin_self(&options.generator_cpus)?;
        server::cores_of(&options.generator_cpus).len().max(1)
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(generator_cores)
        .enable_all()
        .build()?;
    let rows = runtime.block_on(steps::run(&options, generator_cores))?;
    let table = report::table(&rows);
    println!("{table}");
    if let Some(out) = &options.out {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(out, &table).with_context(|| format!("writing {}", out.display()))?;
    }
    if rows.iter().any(|row: &Row| row.note.contains("FAILED")) {
        anyhow::bail!("some steps failed (see the notes)");
    }
    Ok(())
}
