//! REST verify under load: `concurrency` keep-alive connections, each sending
//! `POST /api/v1/biometrics/verify` back to back (closed loop) for the step's duration, each
//! request a genuine fixed-text entry of one of the enrolled users.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::http::Connection;
use crate::report::{Row, joined};
use crate::setup::User;
use crate::stats::{Latencies, merged};
use crate::typing::retyped;
use crate::{Meter, Target};

const VERIFY_PATH: &str = "/api/v1/biometrics/verify";

struct Outcome {
    latencies: Latencies,
    ok: u64,
    /// Answers other than 2xx, by status and error code (`422 replayed_sample`).
    failed: BTreeMap<String, u64>,
}

async fn connection_loop(
    addr: SocketAddr,
    users: Arc<Vec<User>>,
    first_user: usize,
    deadline: Instant,
) -> anyhow::Result<Outcome> {
    let mut http = Connection::open(addr).await?;
    let mut outcome = Outcome {
        latencies: Latencies::default(),
        ok: 0,
        failed: BTreeMap::new(),
    };
    let mut n = first_user;
    // Seeded from the OS: a connection of a later step must not retype exactly as one of an
    // earlier step did (the server would rightly refuse those as replays).
    let mut rng = StdRng::from_os_rng();
    while Instant::now() < deadline {
        let user = &users[n % users.len()];
        let sample = &user.verify_samples[(n / users.len()) % user.verify_samples.len()];
        // A new typing of the entry each time: the server refuses a replayed sample.
        let body = Bytes::from(serde_json::to_vec(&retyped(sample, &mut rng))?);
        n += 1;
        let sent = Instant::now();
        let (status, answer) = http
            .request(Method::POST, VERIFY_PATH, Some(&user.bearer), body)
            .await?;
        outcome.latencies.record(sent.elapsed());
        if status.is_success() {
            outcome.ok += 1;
        } else {
            let code = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|body| body["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            *outcome
                .failed
                .entry(format!("{} {code}", status.as_u16()))
                .or_default() += 1;
        }
    }
    Ok(outcome)
}

/// Runs one concurrency level for `duration`.
pub async fn verify_step(
    target: &Target<'_>,
    users: &Arc<Vec<User>>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    let meter = Meter::start(target);
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| tokio::spawn(connection_loop(target.addr, users.clone(), i * 7, deadline)))
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await??);
    }
    let used = meter.stop(target).await;
    let ok: u64 = outcomes.iter().map(|o| o.ok).sum();
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    for (answer, count) in outcomes.iter().flat_map(|o| &o.failed) {
        *failed.entry(answer.clone()).or_default() += count;
    }
    let latencies = merged(outcomes.iter().map(|o| &o.latencies));
    Ok(Row {
        step: "REST verify".into(),
        load: format!("concurrency {concurrency}"),
        figure: Some((ok as f64 / used.elapsed.as_secs_f64(), "req/s")),
        latency: Some(latencies.summary()),
        generator_cpu: Some(used.generator_cpu),
        server_cpu: Some(used.server_cpu),
        load_average: crate::report::load_average(),
        note: joined([
            (!failed.is_empty()).then(|| {
                let answers: Vec<String> = failed
                    .iter()
                    .map(|(answer, count)| format!("{count} × {answer}"))
                    .collect();
                format!("non-2xx answers: {}", answers.join(", "))
            }),
            used.others_note(target.cores.len()),
        ]),
    })
}
