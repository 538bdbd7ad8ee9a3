//! Scheduled backups: bundles written to a directory (the newest `keep` kept, mode 0600), or
//! uploaded to a Google Drive stand-in that accepts only Google's documented multipart shape;
//! a bad token is reported clearly and the server keeps serving.

mod drive_stand_in;

use std::time::Duration;

use behavioral_auth::backup::bundle;
use behavioral_auth::backup::schedule::{self, BackupTarget};
use behavioral_auth::configuration::Settings;

use crate::helpers::{Backend, TestApp, spawn_app_with};
use drive_stand_in::DriveStandIn;

const WAIT: Duration = Duration::from_secs(20);
const TOKEN: &str = "ya29.a-test-access-token";
const FOLDER: &str = "folder-0123";

fn bundles_in(folder: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".bundle"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn drive_backup(url: &str, token: &str) -> impl FnOnce(&mut Settings) {
    let (url, token) = (url.to_owned(), token.to_owned());
    move |settings| {
        settings.backup.target = BackupTarget::GoogleDrive;
        settings.backup.interval_secs = 1;
        settings.backup.drive_upload_url = url;
        settings.backup.drive_access_token = token;
        settings.backup.drive_folder_id = FOLDER.into();
    }
}

async fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn scheduled_backups_fill_a_directory_and_keep_the_newest() {
    let folder = tempfile::tempdir().unwrap();
    let directory = folder.path().join("backups");
    let configured = directory.display().to_string();
    let app: TestApp = spawn_app_with(Backend::Sqlite, move |settings| {
        settings.backup.target = BackupTarget::Directory;
        settings.backup.interval_secs = 1;
        settings.backup.keep = 2;
        settings.backup.directory = configured;
    })
    .await
    .expect("SQLite");
    app.registered_user("backed-up").await;

    let first = wait_for(|| bundles_in(&directory).first().cloned()).await;
    // Rounds continue; the oldest disappear once more than two exist.
    wait_for(|| (!bundles_in(&directory).contains(&first)).then_some(())).await;
    let names = bundles_in(&directory);
    assert_eq!(names.len(), 2, "{names:?}");

    let newest = directory.join(names.last().unwrap());
    let decoded = bundle::decode(&std::fs::read(&newest).unwrap()).expect("a valid bundle");
    assert!(
        decoded
            .snapshot
            .users
            .iter()
            .any(|u| u.username == "backed-up")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&newest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    app.stop().await;
}

#[actix_web::test]
async fn scheduled_backups_upload_to_google_drive_in_its_documented_shape() {
    let drive = DriveStandIn::start(TOKEN, FOLDER);
    let app = spawn_app_with(Backend::Sqlite, drive_backup(&drive.url, TOKEN))
        .await
        .expect("SQLite");
    app.registered_user("uploaded").await;
    let upload = wait_for(|| {
        drive.uploads().into_iter().find(|upload| {
            upload.answered == 200
                && bundle::decode(&upload.media)
                    .is_ok_and(|b| b.snapshot.users.iter().any(|u| u.username == "uploaded"))
        })
    })
    .await;
    let name = upload.name.unwrap();
    assert!(
        name.starts_with("models-") && name.ends_with(".bundle"),
        "{name}"
    );
    assert!(
        drive.uploads().iter().all(|upload| upload.answered == 200),
        "every request had Google's shape"
    );
    app.stop().await;
}

#[actix_web::test]
async fn a_bad_drive_token_is_reported_clearly_and_the_server_keeps_serving() {
    let drive = DriveStandIn::start(TOKEN, FOLDER);
    let app = spawn_app_with(
        Backend::Sqlite,
        drive_backup(&drive.url, "an-expired-token"),
    )
    .await
    .expect("SQLite");
    wait_for(|| {
        drive
            .uploads()
            .iter()
            .any(|u| u.answered == 401)
            .then_some(())
    })
    .await;
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    // The same round run by hand: its error names the cause.
    let mut settings = Settings::defaults().unwrap();
    drive_backup(&drive.url, "an-expired-token")(&mut settings);
    let error = schedule::run_once(&app.db, &settings.backup)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("refused the access token (401"),
        "{error}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_drive_stand_in_refuses_requests_off_googles_shape() {
    let drive = DriveStandIn::start(TOKEN, FOLDER);
    let client = reqwest::Client::new();
    let boundary = "b0undary";
    let send = |query: &str, folder: &str| {
        client
            .post(format!("{}/upload/drive/v3/files?{query}", drive.url))
            .bearer_auth(TOKEN)
            .header(
                "content-type",
                format!("multipart/related; boundary={boundary}"),
            )
            .body(behavioral_auth::backup::drive::multipart_body(
                boundary, "x.bundle", folder, b"media",
            ))
            .send()
    };
    assert_eq!(
        send("uploadType=multipart", FOLDER).await.unwrap().status(),
        200
    );
    assert_eq!(
        send("uploadType=media", FOLDER).await.unwrap().status(),
        400
    );
    assert_eq!(
        send("uploadType=multipart", "another-folder")
            .await
            .unwrap()
            .status(),
        400
    );
    let unauthenticated = client
        .post(format!(
            "{}/upload/drive/v3/files?uploadType=multipart",
            drive.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}
