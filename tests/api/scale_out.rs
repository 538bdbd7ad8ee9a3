//! Two servers on one database behave as one service (locks and session ends across servers
//! are in `sessions::lockout`; alerts delivered once are in `notifier`).

use std::time::{Duration, Instant};

use crate::biometrics::{
    cmu_rows, enrol, post_sample, sample_of, wait_until_ready, without_adaptation,
};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_on, spawn_app_with, status_and_json};
use crate::on_both_databases;

on_both_databases!(a_model_retrained_through_one_server_is_used_by_the_other_within_seconds,);

async fn verify_version(app: &TestApp, token: &str, row: usize) -> i64 {
    let sample = sample_of(&cmu_rows("s030")[row], "passphrase");
    let (status, body) = post_sample(app, "/api/v1/biometrics/verify", token, &sample).await;
    assert_eq!(status, 200, "{body}");
    body["model_version"].as_i64().unwrap()
}

async fn a_model_retrained_through_one_server_is_used_by_the_other_within_seconds(
    backend: Backend,
) {
    let Some(trainer) = spawn_app_with(backend, without_adaptation).await else {
        return;
    };
    let scorer = spawn_app_on(&trainer.database_url, without_adaptation).await;
    let user_id = trainer.registered_user("traveller").await;
    let token = trainer.token_for("traveller", PASSWORD).await;
    enrol(&trainer, &token, "s030", "passphrase", 10).await;

    // The scoring server loads version 1 into its cache.
    let first = verify_version(&scorer, &token, 200).await;

    let admin = trainer.admin_token("admin").await;
    let response = trainer
        .post_with_token(&format!("/api/v1/admin/users/{user_id}/retrain"), &admin)
        .await;
    assert_eq!(response.status(), 202);
    let mut retrained = wait_until_ready(&trainer, &token, "passphrase").await;
    for _ in 0..100 {
        if retrained["model_version"].as_i64() > Some(first) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, body) = status_and_json(
            trainer
                .get_with_token("/api/v1/biometrics/profile", &token)
                .await,
        )
        .await;
        retrained = body["profiles"][0].clone();
    }
    let newer = retrained["model_version"].as_i64().unwrap();
    assert!(newer > first, "{retrained}");
    let trained_at = Instant::now();

    // Well before the cache's 60 s time-to-live, the other server scores with the new model.
    let mut row = 201;
    let seen = loop {
        let version = verify_version(&scorer, &token, row).await;
        if version == newer || trained_at.elapsed() > Duration::from_secs(10) {
            break version;
        }
        row += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let took = trained_at.elapsed();
    assert_eq!(seen, newer, "still version {seen} after {took:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}
