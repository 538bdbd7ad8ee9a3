//! REST verify under load: `concurrency` keep-alive connections, each sending
//! `POST /api/v1/biometrics/verify` back to back (closed loop) for the step's duration, each
//! request a genuine fixed-text entry of one of the enrolled users. Answers are also counted
//! by the second of the step they came in: a stall of the server shows as a second with few.

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
    /// Answers (any status) by the second of the step they came in.
    per_second: Vec<u64>,
}

impl Outcome {
    fn answered(&mut self, second: usize) {
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += 1;
    }
}

async fn connection_loop(
    addr: SocketAddr,
    users: Arc<Vec<User>>,
    first_user: usize,
    started: Instant,
    deadline: Instant,
) -> anyhow::Result<Outcome> {
    let mut http = Connection::open(addr).await?;
    let mut outcome = Outcome {
        latencies: Latencies::default(),
        ok: 0,
        failed: BTreeMap::new(),
        per_second: Vec::new(),
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
        outcome.answered(started.elapsed().as_secs() as usize);
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

/// The whole second of a step of `seconds` that got the fewest answers (the first such), how
/// many it got, and the mean per whole second.
fn fewest_and_mean(per_second: &[u64], seconds: u64) -> Option<(usize, u64, f64)> {
    let whole = usize::try_from(seconds).ok()?;
    let counted: Vec<u64> = (0..whole)
        .map(|second| per_second.get(second).copied().unwrap_or(0))
        .collect();
    let (at, fewest) = counted
        .iter()
        .copied()
        .enumerate()
        .min_by_key(|&(second, count)| (count, second))?;
    Some((
        at,
        fewest,
        counted.iter().sum::<u64>() as f64 / whole as f64,
    ))
}

/// Runs one concurrency level for `duration`.
pub async fn verify_step(
    target: &Target<'_>,
    users: &Arc<Vec<User>>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Row> {
    let meter = Meter::start(target);
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            let users = users.clone();
            tokio::spawn(connection_loop(
                target.addr,
                users,
                i * 7,
                started,
                deadline,
            ))
        })
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
    let mut per_second: Vec<u64> = Vec::new();
    for outcome in &outcomes {
        if per_second.len() < outcome.per_second.len() {
            per_second.resize(outcome.per_second.len(), 0);
        }
        for (sum, count) in per_second.iter_mut().zip(&outcome.per_second) {
            *sum += count;
        }
    }
    let latencies = merged(outcomes.iter().map(|o| &o.latencies)).summary();
    Ok(Row {
        step: "REST verify".into(),
        load: format!("concurrency {concurrency}"),
        figure: Some((ok as f64 / used.elapsed.as_secs_f64(), "req/s")),
        latency: Some(latencies),
        generator_cpu: Some(used.generator_cpu),
        server_cpu: Some(used.server_cpu),
        load_average: crate::report::load_average(),
        note: joined([
            Some(format!(
                "slowest answer {:.2} ms",
                latencies.max_us as f64 / 1000.0
            )),
            fewest_and_mean(&per_second, duration.as_secs()).map(|(at, fewest, mean)| {
                format!("fewest answers in a second {fewest} (at {at} s; mean {mean:.0})")
            }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_without_answers_is_the_fewest_and_the_last_partial_one_is_not_counted() {
        // Seconds 0 and 2 answered, second 1 stalled; second 3 is past a 3-second step.
        assert_eq!(fewest_and_mean(&[10, 0, 20, 1], 3), Some((1, 0, 10.0)));
        // A second no connection reached at all counts as none; the first of equals is named.
        assert_eq!(fewest_and_mean(&[5], 2), Some((1, 0, 2.5)));
        assert_eq!(fewest_and_mean(&[3, 3], 2), Some((0, 3, 3.0)));
        assert_eq!(fewest_and_mean(&[5, 7], 0), None);
    }
}
