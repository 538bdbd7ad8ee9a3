//! Training time, measured in-process on the code the server's background training runs
//! (`UserModel::train` with the fixed-text preset): one user on 200 genuine entries and 1,000
//! negatives from other subjects, and a retrain of many users one after another. The database
//! reads and the model's write are not included (they are a few queries per user).

use std::time::{Duration, Instant};

use ndarray::Array2;

use behavioral_auth::evaluation::cmu::{CmuRow, feature_matrix};
use behavioral_auth::scoring::config::ModelConfig;
use behavioral_auth::scoring::model::UserModel;

use crate::report::Row;

/// Genuine entries per user, as the issue asks.
const GENUINE: usize = 200;
/// Negative entries per user.
const NEGATIVES: usize = 1000;
/// Times one user is trained; the median is reported.
const ONE_USER_RUNS: usize = 5;

/// A user's training data: 200 of their entries and 1,000 of the other subjects'.
fn training_set(
    subjects: &[Vec<CmuRow>],
    user: usize,
) -> anyhow::Result<(Array2<f64>, Array2<f64>)> {
    let own = &subjects[user % subjects.len()];
    let genuine: Vec<&CmuRow> = own.iter().take(GENUINE).collect();
    let others: Vec<&CmuRow> = subjects
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != user % subjects.len())
        .flat_map(|(_, rows)| rows.iter().skip(user % 7))
        .step_by(7)
        .take(NEGATIVES)
        .collect();
    Ok((feature_matrix(&genuine)?, feature_matrix(&others)?))
}

fn train(genuine: &Array2<f64>, negatives: &Array2<f64>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    UserModel::train(genuine, negatives, &ModelConfig::fixed_text())?;
    Ok(started.elapsed())
}

/// The median of [`ONE_USER_RUNS`] trainings of one user, and the total for `users` users.
pub fn measure(subjects: &[Vec<CmuRow>], users: usize) -> anyhow::Result<Vec<Row>> {
    let (genuine, negatives) = training_set(subjects, 0)?;
    let mut runs = (0..ONE_USER_RUNS)
        .map(|_| train(&genuine, &negatives))
        .collect::<anyhow::Result<Vec<_>>>()?;
    runs.sort();
    let one = runs[runs.len() / 2];
    let sets = (0..users)
        .map(|user| training_set(subjects, user))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let started = Instant::now();
    for (genuine, negatives) in &sets {
        train(genuine, negatives)?;
    }
    let all = started.elapsed();
    let load_average = crate::report::load_average();
    Ok(vec![
        Row {
            step: "training".into(),
            load: format!(
                "one user, {} genuine + {} negatives",
                genuine.nrows(),
                negatives.nrows()
            ),
            figure: Some((one.as_secs_f64() * 1000.0, "ms")),
            load_average,
            note: format!("median of {ONE_USER_RUNS}, one thread; target ≤ 50 ms"),
            ..Row::default()
        },
        Row {
            step: "retraining".into(),
            load: format!("{users} users one after another"),
            figure: Some((all.as_secs_f64(), "s")),
            load_average,
            note: format!(
                "one thread: {:.1} ms per user",
                all.as_secs_f64() * 1000.0 / users.max(1) as f64
            ),
            ..Row::default()
        },
    ])
}
