//! `behavioral-auth models export|import` through the real binary: a bundle restores identical
//! scores and model versions into an empty database (also SQLite → PostgreSQL), and a damaged
//! bundle or a non-empty target is refused with nothing written.

use std::path::Path;
use std::process::Output;

use entity::{biometric_models, biometric_samples, users};
use sea_orm::{Database, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::biometrics::{cmu_rows, enrol, post_sample, sample_of};
use crate::helpers::{Backend, PASSWORD, TestApp, fresh_database, spawn_app_on, spawn_app_with};
use crate::on_both_databases;

const BINARY: &str = env!("CARGO_BIN_EXE_behavioral-auth");
const TEXT_ID: &str = "passphrase";

on_both_databases!(
    an_exported_bundle_restores_identical_scores_into_an_empty_database,
    a_damaged_bundle_or_a_non_empty_database_is_refused_and_nothing_is_written,
);

/// Runs `behavioral-auth models ARGS` against `database_url`.
async fn models_command(database_url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(BINARY)
        .arg("models")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run the binary")
}

fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn no_adaptation(settings: &mut behavioral_auth::configuration::Settings) {
    settings.biometrics.adapt = false;
}

/// (score, model_version) of each row verified as the token's user.
async fn verdicts(
    app: &TestApp,
    token: &str,
    rows: &[behavioral_auth::evaluation::cmu::CmuRow],
) -> Vec<(f64, i64)> {
    let mut verdicts = Vec::new();
    for row in rows {
        let (status, body) = post_sample(
            app,
            "/api/v1/biometrics/verify",
            token,
            &sample_of(row, TEXT_ID),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        verdicts.push((
            body["score"].as_f64().expect("score"),
            body["model_version"].as_i64().expect("model_version"),
        ));
    }
    verdicts
}

async fn row_counts(db: &DatabaseConnection) -> (u64, u64, u64) {
    (
        users::Entity::find().count(db).await.unwrap(),
        biometric_samples::Entity::find().count(db).await.unwrap(),
        biometric_models::Entity::find().count(db).await.unwrap(),
    )
}

/// Two enrolled users on `source`; returns the verdicts of genuine and impostor typing.
async fn enrolled_source(app: &TestApp) -> (String, Vec<(f64, i64)>) {
    app.registered_user("typist").await;
    app.registered_user("other").await;
    let other = app.token_for("other", PASSWORD).await;
    enrol(app, &other, "s003", TEXT_ID, 10).await;
    let token = app.token_for("typist", PASSWORD).await;
    enrol(app, &token, "s002", TEXT_ID, 10).await;
    let verdicts = verdicts(app, &token, &probe_rows()).await;
    (token, verdicts)
}

fn probe_rows() -> Vec<behavioral_auth::evaluation::cmu::CmuRow> {
    let mut rows: Vec<_> = cmu_rows("s002").into_iter().skip(50).take(4).collect();
    rows.extend(cmu_rows("s004").into_iter().take(2));
    rows
}

async fn export_restore_and_compare(source: Backend, target: Backend) {
    let Some(app) = spawn_app_with(source, no_adaptation).await else {
        return;
    };
    let (_, before) = enrolled_source(&app).await;
    let counts_before = row_counts(&app.db).await;
    app.stop().await;

    let folder = tempfile::tempdir().unwrap();
    let bundle = folder.path().join("models.bundle");
    let exported = models_command(
        &app.database_url,
        &["export", "--out", bundle.to_str().unwrap()],
    )
    .await;
    assert_succeeded(&exported);
    assert_eq!(
        String::from_utf8_lossy(&exported.stdout).trim(),
        format!(
            "exported {} users, {} samples, {} models",
            counts_before.0, counts_before.1, counts_before.2
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bundle).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the bundle is readable by its owner only"
        );
    }

    let Some((restored_url, _restored_folder)) = fresh_database(target).await else {
        return;
    };
    let imported = models_command(&restored_url, &["import", bundle.to_str().unwrap()]).await;
    assert_succeeded(&imported);

    let restored = spawn_app_on(&restored_url, no_adaptation).await;
    assert_eq!(row_counts(&restored.db).await, counts_before);
    // The password hash came along: the same password logs in.
    let token = restored.token_for("typist", PASSWORD).await;
    let after = verdicts(&restored, &token, &probe_rows()).await;
    assert_eq!(after, before, "identical scores and model versions");
    // New rows after a restore get fresh ids (PostgreSQL's sequences were moved on).
    let (status, body) = post_sample(
        &restored,
        "/api/v1/biometrics/enrollments",
        &token,
        &sample_of(&cmu_rows("s002")[60], TEXT_ID),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    restored.stop().await;
}

async fn an_exported_bundle_restores_identical_scores_into_an_empty_database(backend: Backend) {
    export_restore_and_compare(backend, backend).await;
}

#[actix_web::test]
async fn a_sqlite_bundle_restores_identical_scores_into_postgresql() {
    export_restore_and_compare(Backend::Sqlite, Backend::Postgres).await;
}

async fn import_expecting_refusal(database_url: &str, bundle: &Path, expected: &str) {
    let output = models_command(database_url, &["import", bundle.to_str().unwrap()]).await;
    assert!(
        !output.status.success(),
        "{} was imported",
        bundle.display()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(expected), "expected {expected:?}: {stderr}");
}

async fn a_damaged_bundle_or_a_non_empty_database_is_refused_and_nothing_is_written(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, no_adaptation).await else {
        return;
    };
    let token = {
        app.registered_user("typist").await;
        app.token_for("typist", PASSWORD).await
    };
    for row in cmu_rows("s002").iter().take(3) {
        let (status, body) = post_sample(
            &app,
            "/api/v1/biometrics/enrollments",
            &token,
            &sample_of(row, TEXT_ID),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let folder = tempfile::tempdir().unwrap();
    let bundle = folder.path().join("models.bundle");
    assert_succeeded(
        &models_command(
            &app.database_url,
            &["export", "--out", bundle.to_str().unwrap()],
        )
        .await,
    );
    let bytes = std::fs::read(&bundle).unwrap();

    // An empty, migrated target that stays empty through every refusal.
    let Some((target_url, _target_folder)) = fresh_database(backend).await else {
        return;
    };
    let target = spawn_app_on(&target_url, |_| {}).await;

    let flipped = folder.path().join("flipped.bundle");
    let mut damaged = bytes.clone();
    damaged[bytes.len() * 2 / 3] ^= 0x04;
    std::fs::write(&flipped, &damaged).unwrap();
    import_expecting_refusal(&target_url, &flipped, "corrupted or truncated").await;

    let truncated = folder.path().join("truncated.bundle");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    import_expecting_refusal(&target_url, &truncated, "corrupted or truncated").await;

    let newer = folder.path().join("newer.bundle");
    let text = String::from_utf8(bytes.clone()).unwrap();
    std::fs::write(
        &newer,
        text.replacen("\"format_version\":1", "\"format_version\":99", 1),
    )
    .unwrap();
    import_expecting_refusal(&target_url, &newer, "format version 99 is not supported").await;
    assert_eq!(row_counts(&target.db).await, (0, 0, 0), "nothing written");

    // The source database is not empty: importing its own bundle is refused, nothing changes.
    let before = row_counts(&app.db).await;
    import_expecting_refusal(&app.database_url, &bundle, "not empty").await;
    assert_eq!(row_counts(&app.db).await, before);

    // The intact bundle still imports into the empty target.
    assert_succeeded(&models_command(&target_url, &["import", bundle.to_str().unwrap()]).await);
    let target_db = Database::connect(&target_url).await.unwrap();
    assert_eq!(row_counts(&target_db).await, before);
    target.stop().await;
    app.stop().await;
}
