//! Users for the run: one account per CMU subject, enrolled through the REST API with
//! fixed-text entries (`keystroke/desktop/cmu`, what REST verify checks) and free-text runs of
//! entries (`keystroke/desktop/*`, what a live session opened without a text id scores
//! against), then waited on until both models are trained.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::header::HeaderValue;
use serde_json::json;

use behavioral_auth::events::Sample;

use behavioral_auth::evaluation::cmu::{CmuRow, load, subjects};
use behavioral_auth::evaluation::data_dir;

use crate::http::{Connection, bearer};
use crate::typing::{TypingStream, fixed_text_sample, free_text_sample, retyped};

/// Fixed-text entries enrolled per user.
const FIXED_ENROLMENTS: usize = 10;
/// Free-text samples enrolled per user, each of [`ENTRIES_PER_FREE_TEXT`] entries.
const FREE_TEXT_ENROLMENTS: usize = 6;
const ENTRIES_PER_FREE_TEXT: usize = 4;
/// Entries verified over REST per user (cycled).
const VERIFY_SAMPLES: usize = 20;
/// Entries in a user's endless typing stream.
const STREAM_ENTRIES: usize = 20;
/// Longest wait for the users' models to be trained.
const TRAINING_TIMEOUT: Duration = Duration::from_secs(300);

/// One enrolled user, ready to verify and to stream.
pub struct User {
    pub bearer: HeaderValue,
    /// Fixed-text samples of entries not used for enrolment (retyped for each request).
    pub verify_samples: Vec<Sample>,
}

/// Each subject's endless typing (their last entries, never enrolled).
pub fn typing_streams(subjects: &[Vec<CmuRow>]) -> Vec<TypingStream> {
    subjects
        .iter()
        .map(|rows| {
            let last: Vec<&CmuRow> = rows[rows.len().saturating_sub(STREAM_ENTRIES)..]
                .iter()
                .collect();
            TypingStream::new(&last)
        })
        .collect()
}

/// The CMU rows, by subject, in file order.
pub fn cmu_by_subject(max_subjects: usize) -> anyhow::Result<Vec<Vec<CmuRow>>> {
    let path = data_dir()
        .join("keystroke")
        .join("DSL-StrongPasswordData.csv");
    let rows = load(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut ids = subjects(&rows);
    ids.truncate(max_subjects);
    Ok(ids
        .iter()
        .map(|id| rows.iter().filter(|r| &r.subject == id).cloned().collect())
        .collect())
}

async fn expect_ok(
    what: &str,
    answer: (hyper::StatusCode, serde_json::Value),
) -> anyhow::Result<serde_json::Value> {
    let (status, body) = answer;
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {body}");
    }
    Ok(body)
}

/// Registers, logs in and enrols one user per subject; returns once every model is trained.
pub async fn enrol_users(addr: SocketAddr, subjects: &[Vec<CmuRow>]) -> anyhow::Result<Vec<User>> {
    let mut http = Connection::open(addr).await?;
    let mut users = Vec::new();
    let mut last_samples = Vec::new();
    for (i, rows) in subjects.iter().enumerate() {
        let username = format!("bench-user-{i}");
        let credentials = json!({"username": username, "password": "bench password of a user"});
        expect_ok(
            "register",
            http.post_json("/api/v1/auth/register", None, &credentials)
                .await?,
        )
        .await?;
        let login = expect_ok(
            "login",
            http.post_json("/api/v1/auth/login", None, &credentials)
                .await?,
        )
        .await?;
        let token = login["access_token"].as_str().context("no access token")?;
        let bearer = bearer(token)?;
        let needed = FIXED_ENROLMENTS + FREE_TEXT_ENROLMENTS * ENTRIES_PER_FREE_TEXT;
        if rows.len() < needed + VERIFY_SAMPLES + STREAM_ENTRIES {
            bail!("subject {i} has only {} entries", rows.len());
        }
        // Each profile's last sample is enrolled once everybody else's are in (below), so that
        // its training has the other users as negatives: a model trained on a user's own
        // samples alone fails (the SVM needs two classes).
        let free_rows: Vec<&CmuRow> = rows[FIXED_ENROLMENTS..needed].iter().collect();
        let mut samples: Vec<Sample> = rows[..FIXED_ENROLMENTS]
            .iter()
            .map(fixed_text_sample)
            .chain(
                free_rows
                    .chunks(ENTRIES_PER_FREE_TEXT)
                    .map(free_text_sample),
            )
            .collect();
        let free_last = samples.pop().context("no free-text sample")?;
        let fixed_last = samples.remove(FIXED_ENROLMENTS - 1);
        for sample in &samples {
            enrol(&mut http, &bearer, sample).await?;
        }
        last_samples.push((bearer.clone(), [fixed_last, free_last]));
        // Entries from the subject's later sessions: the same person on another day.
        let later = &rows[rows.len() - VERIFY_SAMPLES - STREAM_ENTRIES..];
        let verify_samples = later[..VERIFY_SAMPLES]
            .iter()
            .map(fixed_text_sample)
            .collect();
        users.push(User {
            bearer,
            verify_samples,
        });
    }
    for (bearer, samples) in &last_samples {
        for sample in samples {
            enrol(&mut http, bearer, sample).await?;
        }
    }
    wait_until_trained(&mut http, &last_samples).await?;
    Ok(users)
}

/// Waits until no profile of any user is being (re)trained: after the warm-up, whose genuine
/// samples were adapted into the profiles and retrained them.
pub async fn wait_until_idle(addr: SocketAddr, users: &[User]) -> anyhow::Result<()> {
    let mut http = Connection::open(addr).await?;
    let started = Instant::now();
    for user in users {
        loop {
            let profiles = expect_ok(
                "profile",
                http.get_json("/api/v1/biometrics/profile", Some(&user.bearer))
                    .await?,
            )
            .await?;
            let all = profiles["profiles"].as_array().cloned().unwrap_or_default();
            if all.iter().all(|p| p["training"] != true) {
                break;
            }
            if started.elapsed() > TRAINING_TIMEOUT {
                bail!("still retraining after {TRAINING_TIMEOUT:?}: {profiles}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

async fn enrol(http: &mut Connection, bearer: &HeaderValue, sample: &Sample) -> anyhow::Result<()> {
    let answer = http
        .post_json(
            "/api/v1/biometrics/enrollments",
            Some(bearer),
            &serde_json::to_value(sample)?,
        )
        .await?;
    expect_ok("enrolment", answer).await?;
    Ok(())
}

/// Waits until both profiles of every user have a model. A profile neither ready nor training
/// gets its last sample again, retyped (the same sample twice is a replay): a background
/// training that failed is started again only by a new enrolment.
async fn wait_until_trained(
    http: &mut Connection,
    last_samples: &[(HeaderValue, [Sample; 2])],
) -> anyhow::Result<()> {
    let started = Instant::now();
    for (bearer, samples) in last_samples {
        loop {
            let profiles = expect_ok(
                "profile",
                http.get_json("/api/v1/biometrics/profile", Some(bearer))
                    .await?,
            )
            .await?;
            let all = profiles["profiles"].as_array().cloned().unwrap_or_default();
            if all.iter().filter(|p| p["ready"] == true).count() >= 2 {
                break;
            }
            if started.elapsed() > TRAINING_TIMEOUT {
                bail!("models not trained within {TRAINING_TIMEOUT:?}: {profiles}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let stalled = all
                .iter()
                .any(|p| p["ready"] != true && p["training"] != true);
            if stalled {
                for sample in samples {
                    enrol(http, bearer, &retyped(sample, &mut rand::rng())).await?;
                }
            }
        }
    }
    Ok(())
}
