//! The steps of one run, in order: the echo anchor (memory per idle socket, saturated peak),
//! then the server on a fresh database (enrolment, REST verify, scheduled WebSocket ingest
//! with memory per added idle session, saturated peak), then training.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::report::{Row, joined, load_average};
use crate::schedule::{Schedule, stagger_frames};
use crate::server::{Process, have_taskset, sibling_binary};
use crate::stats::merged;
use crate::typing::TypingStream;
use crate::ws::{Opener, Outcome, Pace, Stream, ramp, saturated, scheduled, stagger};
use crate::{Meter, Options, Target, rest, setup, training};

/// Send lag (p99) past which the generator counts as behind its schedule.
const BEHIND_SCHEDULE: Duration = Duration::from_millis(10);
/// Pause after opening sockets before memory is read (the allocator settles).
const SETTLE: Duration = Duration::from_secs(2);
/// The server's `score_every_events` (its default; the run does not change it).
const SCORE_EVERY_EVENTS: u64 = 50;
/// Concurrency of the sustained REST step (the REST target's).
const SUSTAINED_CONCURRENCY: usize = 8;
/// Pause after the staggering frames before a scheduled step starts (the server takes them in).
const STAGGER_SETTLE: Duration = Duration::from_secs(1);

/// The server's configuration for the run (documented in BENCHMARKS.md).
fn server_env(database: &Path) -> Vec<(String, String)> {
    [
        (
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        ),
        ("APP__RATE_LIMIT__AUTH_PER_MINUTE", "0".into()),
        ("APP__AUTH__ACCESS_TOKEN_TTL_SECS", "86400".into()),
        ("APP__LOGGING__FILTER", "warn".into()),
        // Sessions wait idle while later ones are opened.
        ("APP__SESSIONS__IDLE_TIMEOUT_SECS", "600".into()),
        // The saturated peak sends far more than a person types.
        ("APP__SESSIONS__MAX_EVENTS_PER_SEC", "1000000".into()),
        // The run measures cost, not accuracy: a deny or an unanswered challenge would end a
        // session whose window happens to score low, so neither happens (scoring is unchanged).
        ("APP__BIOMETRICS__DENY_BELOW", "0".into()),
        (
            "APP__SESSIONS__CHALLENGE_AFTER_LOW_SCORES",
            "1000000".into(),
        ),
        // Every session types 20 events a second, so the count trigger scores it every 2.5 s
        // and the time trigger (for slow typists) never would while it streams. It fired only
        // in the pauses between steps, where every kept session waits at once: it then reset
        // their counts together, and from the next step on they all asked for their scores in
        // the same 250 ms (a herd of 5,000 at the 10,000 step; p50 35 ms, p99 366 ms).
        ("APP__SESSIONS__SCORE_EVERY_MS", "3600000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub async fn run(options: &Options, generator_cores: usize) -> anyhow::Result<Vec<Row>> {
    let dir = Path::new("target/loadgen").join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let cpus =
        (have_taskset() && !options.server_cpus.is_empty()).then_some(options.server_cpus.as_str());
    let subjects = setup::cmu_by_subject(options.users.clamp(1, 51))?;
    if options.training_only {
        return training::measure(&subjects, options.retrain_users);
    }
    let typings = Arc::new(setup::typing_streams(&subjects));
    let mut rows = Vec::new();

    let echo = start_echo(cpus, &dir.join("echo.log")).await?;
    let target = Target::new(&echo, cpus, generator_cores);
    let opener = Opener::Echo(typings.len());
    let (streams, row) =
        idle_memory(&target, &opener, Vec::new(), options.echo_idle, "echo").await?;
    rows.push(row);
    let (_, echo_peak) = peak(&target, &typings, streams, options, "echo").await;
    let echo_events_per_sec = echo_peak.figure.map_or(0.0, |f| f.0);
    // A saturated generator measured less than the echo can carry: the share is a ceiling.
    let echo_is_lower_bound = echo_peak.generator_saturated();
    rows.push(echo_peak);
    echo.stop().await;

    let database = std::fs::canonicalize(&dir)?.join("bench.db");
    let server_binary = sibling_binary("behavioral-auth")?;
    let server = Process::start(
        &server_binary,
        cpus,
        &server_env(&database),
        &dir.join("server.log"),
    )
    .await?;
    let target = Target::new(&server, cpus, generator_cores);
    let enrol_started = Instant::now();
    let users = Arc::new(setup::enrol_users(server.addr, &subjects).await?);
    eprintln!(
        "loadgen: {} users enrolled and trained in {:.1?}",
        users.len(),
        enrol_started.elapsed()
    );
    // Warm-up, not reported: the first verifications load every model and fill the caches,
    // and confident genuine ones are adapted into their profile (up to `max_adapted_samples`,
    // 50) and retrain it every 5. Only a few in a thousand qualify, so the budget is not spent
    // here: adaptations, and their retraining, go on at a falling rate through the measured
    // REST steps (575 of the 2,500 places were taken by the end of a 20-second step after
    // this warm-up; retraining was 3-4 % of the server's core in that step: BENCHMARKS.md,
    // twenty-third measurement). That is the server's real work on a verify, and is measured.
    if options.warmup_secs > 0 {
        let row =
            rest::verify_step(&target, &users, 8, Duration::from_secs(options.warmup_secs)).await?;
        setup::wait_until_idle(server.addr, &users).await?;
        eprintln!("loadgen: warm-up (not reported): {row:?}");
    }
    for &concurrency in &options.concurrency {
        let row = rest::verify_step(
            &target,
            &users,
            concurrency,
            Duration::from_secs(options.rest_secs),
        )
        .await?;
        eprintln!("loadgen: {row:?}");
        rows.push(row);
    }
    // The levels above usually end before the server's first purge of old replay fingerprints (a
    // minute after it starts): this step spans one, which once stalled every verify for
    // seconds (the twentieth measurement in BENCHMARKS.md).
    if options.sustained_secs > 0 {
        let duration = Duration::from_secs(options.sustained_secs);
        let mut row = rest::verify_step(&target, &users, SUSTAINED_CONCURRENCY, duration).await?;
        row.step = "REST verify, sustained".into();
        row.load = format!(
            "concurrency {SUSTAINED_CONCURRENCY} for {} s",
            options.sustained_secs
        );
        eprintln!("loadgen: {row:?}");
        rows.push(row);
    }
    let opener = Opener::Live(users.clone());
    let mut streams = Vec::new();
    for &count in &options.sessions {
        let (opened, memory) = idle_memory(&target, &opener, streams, count, "server").await?;
        rows.push(memory);
        let (kept, row) = scheduled_step(&target, &typings, opened, options).await;
        eprintln!("loadgen: {row:?}");
        rows.push(row);
        streams = kept;
    }
    let (_, mut server_peak) = peak(&target, &typings, streams, options, "server").await;
    server.stop().await;
    // The host's speed can swing within the minutes between the two peaks: the echo is
    // measured again right after, and the server's share taken of both.
    let echo_again = echo_peak_again(cpus, generator_cores, &typings, options, &dir).await?;
    let echo_again_per_sec = echo_again.figure.map_or(0.0, |f| f.0);
    let echo_is_lower_bound = echo_is_lower_bound || echo_again.generator_saturated();
    if let Some((value, _)) = server_peak.figure
        && echo_events_per_sec > 0.0
        && echo_again_per_sec > 0.0
    {
        let share = |echo: f64| value / echo * 100.0;
        server_peak.note = joined([
            Some(format!(
                "{}{:.0} % of the echo's events/s (of the mean of its peaks; {:.0} % of the one \
                 before, {:.0} % of the one after; target ≥ 50 %)",
                if echo_is_lower_bound { "at most " } else { "" },
                share((echo_events_per_sec + echo_again_per_sec) / 2.0),
                share(echo_events_per_sec),
                share(echo_again_per_sec),
            )),
            Some(server_peak.note).filter(|note| !note.is_empty()),
        ]);
    }
    rows.push(server_peak);
    rows.push(echo_again);

    rows.extend(training::measure(&subjects, options.retrain_users)?);
    Ok(rows)
}

/// Starts the bare echo (`echo_server` beside this binary), pinned to `cpus` where given.
async fn start_echo(cpus: Option<&str>, log: &Path) -> anyhow::Result<Process> {
    Process::start(&sibling_binary("echo_server")?, cpus, &[], log).await
}

/// The echo's peak once more, on a fresh echo server with `peak_sockets` sockets.
async fn echo_peak_again(
    cpus: Option<&str>,
    generator_cores: usize,
    typings: &Arc<Vec<TypingStream>>,
    options: &Options,
    dir: &Path,
) -> anyhow::Result<Row> {
    let echo = start_echo(cpus, &dir.join("echo-again.log")).await?;
    let target = Target::new(&echo, cpus, generator_cores);
    let opener = Opener::Echo(typings.len());
    let streams = ramp(target.addr, &opener, 0, options.peak_sockets).await?;
    let (_, row) = peak(&target, typings, streams, options, "echo (again)").await;
    echo.stop().await;
    Ok(row)
}

/// Opens sockets up to `count` and reports the resident memory each added idle socket costs.
async fn idle_memory(
    target: &Target<'_>,
    opener: &Opener,
    mut streams: Vec<Stream>,
    count: usize,
    what: &str,
) -> anyhow::Result<(Vec<Stream>, Row)> {
    let before = target.process.resident_kib().unwrap_or(0);
    let added = count.saturating_sub(streams.len());
    let started = Instant::now();
    streams.extend(ramp(target.addr, opener, streams.len(), added).await?);
    let opening = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let after = target.process.resident_kib().unwrap_or(0);
    let per_socket = after.saturating_sub(before) as f64 / added.max(1) as f64;
    let row = Row {
        step: format!("{what}: memory per idle socket"),
        load: format!("{} → {} sockets", count - added, count),
        figure: Some((per_socket, "KiB")),
        load_average: load_average(),
        note: format!(
            "RSS {before} → {after} KiB; opened {:.0}/s{}",
            added as f64 / opening.as_secs_f64().max(1e-9),
            if what == "server" {
                "; target ≤ 20 KB"
            } else {
                ""
            }
        ),
        ..Row::default()
    };
    eprintln!("loadgen: {row:?}");
    Ok((streams, row))
}

/// Totals over every socket's outcome: (sent, confirmed, error frames by code, failed sockets).
fn totals(outcomes: &[Outcome]) -> (u64, u64, BTreeMap<String, u64>, usize) {
    let mut errors = BTreeMap::new();
    for (code, count) in outcomes.iter().flat_map(|o| &o.error_frames) {
        *errors.entry(code.clone()).or_default() += count;
    }
    (
        outcomes.iter().map(|o| o.events_sent).sum(),
        outcomes.iter().map(|o| o.events_confirmed).sum(),
        errors,
        outcomes.iter().filter(|o| o.failed).count(),
    )
}

/// Error frames and broken sockets, for a row's note ("FAILED" fails the run).
fn problems(errors: &BTreeMap<String, u64>, failed: usize, after_other_text: bool) -> String {
    let mut parts = Vec::new();
    if !errors.is_empty() {
        let codes: Vec<String> = errors
            .iter()
            .map(|(code, count)| format!("{count} × {code}"))
            .collect();
        parts.push(format!("error frames: {}", codes.join(", ")));
    }
    if failed > 0 {
        parts.push(format!("{failed} sockets FAILED"));
    }
    let text = parts.join(", ");
    if after_other_text && !text.is_empty() {
        format!("; {text}")
    } else {
        text
    }
}

/// Staggers the sessions that have not sent yet across the server's scoring cycle.
///
/// The schedule already spreads the sessions' sends over one frame period, but the server
/// scores every [`SCORE_EVERY_EVENTS`] events: sessions that all start from nothing reach that
/// count within the same period, so every session asked for a score in the same 250 ms,
/// every 2.5 s at 20 events/s: a burst the server's worker queued up. People do not start
/// typing together; session `i` first sends `i % frames per score` frames, so scores are due
/// evenly over the cycle. Sessions kept from an earlier step keep their place in it.
async fn staggered(
    typings: &Arc<Vec<TypingStream>>,
    streams: Vec<Stream>,
    per_frame: u64,
) -> Vec<Stream> {
    let mut any = false;
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| {
            let frames = if stream.events_sent == 0 {
                stagger_frames(i, per_frame, SCORE_EVERY_EVENTS)
            } else {
                0
            };
            any |= frames > 0;
            tokio::spawn(stagger(stream, typings.clone(), frames, per_frame))
        })
        .collect();
    let mut kept = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(stream) => kept.push(stream),
            Err(error) => eprintln!("loadgen: staggering a session failed: {error}"),
        }
    }
    if any {
        tokio::time::sleep(STAGGER_SETTLE).await;
    }
    kept
}

async fn scheduled_step(
    target: &Target<'_>,
    typings: &Arc<Vec<TypingStream>>,
    streams: Vec<Stream>,
    options: &Options,
) -> (Vec<Stream>, Row) {
    let sessions = streams.len();
    let per_frame = u64::from(options.events_per_frame);
    let streams = staggered(typings, streams, per_frame).await;
    let schedule = Schedule {
        start: Instant::now() + Duration::from_millis(500),
        period: Schedule::period_for(options.events_per_sec, options.events_per_frame),
        sessions,
    };
    let duration = Duration::from_secs(options.ws_secs);
    let pace = Pace {
        schedule,
        duration,
        per_frame,
        confirm_every: SCORE_EVERY_EVENTS,
        late_after: (options.late_ms > 0).then(|| Duration::from_millis(options.late_ms)),
    };
    let meter = Meter::start_at(target, pace.schedule.start);
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| tokio::spawn(scheduled(stream, typings.clone(), i, pace)))
        .collect();
    let mut kept = Vec::with_capacity(sessions);
    let mut outcomes = Vec::with_capacity(sessions);
    for task in tasks {
        if let Ok((stream, outcome)) = task.await {
            kept.push(stream);
            outcomes.push(outcome);
        }
    }
    // The real elapsed time: a generator or server behind schedule stretches the step.
    let used = meter.stop(target).await;
    if options.late_ms > 0 {
        eprintln!(
            "loadgen: {sessions} sessions, answers ≥ {} ms late by 100 ms slice of the schedule \
             (from, count, latest): {}",
            options.late_ms,
            late_slices(&outcomes)
        );
        if let Some(others) = &used.others {
            eprintln!(
                "loadgen: {sessions} sessions, other processes' time on the server's cores by \
                 100 ms slice of the schedule, from 50 ms: {}",
                others.listed_bursts()
            );
        }
    }
    let (sent, confirmed, errors, failed) = totals(&outcomes);
    let seconds = used.elapsed.as_secs_f64().max(duration.as_secs_f64());
    let lag = merged(outcomes.iter().map(|o| &o.send_lag)).summary();
    let mut note = format!(
        "sent {:.0} ev/s, scored {:.0} ev/s; send lag p99 {:.1} ms",
        sent as f64 / seconds,
        confirmed as f64 / seconds,
        lag.p99_us as f64 / 1000.0
    );
    if Duration::from_micros(lag.p99_us) > BEHIND_SCHEDULE {
        note.push_str(" (**generator behind schedule**)");
    }
    note.push_str(&problems(&errors, failed, true));
    if let Some(others) = used.others_note(target.cores.len()) {
        note.push_str(&format!("; {others}"));
    }
    let row = Row {
        step: "WebSocket ingest".into(),
        load: format!(
            "{sessions} sessions × {} ev/s, {} ev/frame",
            options.events_per_sec, options.events_per_frame
        ),
        figure: Some((sent as f64 / seconds, "ev/s")),
        latency: Some(merged(outcomes.iter().map(|o| &o.latencies)).summary()),
        generator_cpu: Some(used.generator_cpu),
        server_cpu: Some(used.server_cpu),
        load_average: load_average(),
        note,
    };
    (kept, row)
}

/// The 100 ms slices of the schedule with late answers: "3.4 s: 212 up to 58 ms, …".
fn late_slices(outcomes: &[Outcome]) -> String {
    const SLICE_MS: u128 = 100;
    let mut slices: BTreeMap<u128, (u64, Duration)> = BTreeMap::new();
    for &(sent, latency) in outcomes.iter().flat_map(|o| &o.late) {
        let slice = slices.entry(sent.as_millis() / SLICE_MS).or_default();
        slice.0 += 1;
        slice.1 = slice.1.max(latency);
    }
    let listed: Vec<String> = slices
        .iter()
        .map(|(slice, (count, latest))| {
            format!(
                "{:.1} s: {count} up to {} ms",
                (slice * SLICE_MS) as f64 / 1000.0,
                latest.as_millis()
            )
        })
        .collect();
    if listed.is_empty() {
        "none".into()
    } else {
        listed.join(", ")
    }
}

/// Keeps `peak_sockets` sockets saturated for the ingest duration.
async fn peak(
    target: &Target<'_>,
    typings: &Arc<Vec<TypingStream>>,
    mut streams: Vec<Stream>,
    options: &Options,
    what: &str,
) -> (Vec<Stream>, Row) {
    let rest = streams.split_off(options.peak_sockets.min(streams.len()));
    let sockets = streams.len();
    let per_frame = u64::from(options.events_per_frame);
    let duration = Duration::from_secs(options.ws_secs);
    let meter = Meter::start(target);
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|stream| {
            tokio::spawn(saturated(
                stream,
                typings.clone(),
                deadline,
                per_frame,
                options.in_flight,
            ))
        })
        .collect();
    let mut kept = rest;
    let mut outcomes = Vec::new();
    for task in tasks {
        if let Ok((stream, outcome)) = task.await {
            kept.push(stream);
            outcomes.push(outcome);
        }
    }
    let used = meter.stop(target).await;
    let (_, confirmed, errors, failed) = totals(&outcomes);
    let note = joined([
        Some(problems(&errors, failed, false)).filter(|text| !text.is_empty()),
        used.others_note(target.cores.len()),
    ]);
    let row = Row {
        step: format!("{what}: peak"),
        load: format!(
            "{sockets} saturated sockets, ≤ {} events in flight each",
            options.in_flight
        ),
        figure: Some((confirmed as f64 / used.elapsed.as_secs_f64(), "ev/s")),
        latency: Some(merged(outcomes.iter().map(|o| &o.latencies)).summary()),
        generator_cpu: Some(used.generator_cpu),
        server_cpu: Some(used.server_cpu),
        load_average: load_average(),
        note,
    };
    eprintln!("loadgen: {row:?}");
    (kept, row)
}
