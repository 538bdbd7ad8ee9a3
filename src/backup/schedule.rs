//! Scheduled backups (`[backup]`, off by default): every `interval_secs` a bundle of the whole
//! database is written to `directory` (keeping the newest `keep`) or uploaded to Google Drive.
//! Runs as a task on the main arbiter started by `startup`; every failure is logged and the
//! next round tries again — a backup never stops the server.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::store;

use super::{bundle, drive, file::write_private};

const FILE_PREFIX: &str = "models-";
const FILE_SUFFIX: &str = ".bundle";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupTarget {
    /// No scheduled backup.
    Off,
    Directory,
    GoogleDrive,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupSettings {
    pub target: BackupTarget,
    pub interval_secs: u64,
    pub directory: String,
    /// Bundles kept in `directory` (the oldest beyond are deleted).
    pub keep: usize,
    /// Google's upload host; tests point it at a stand-in.
    pub drive_upload_url: String,
    /// OAuth 2.0 access token with a Drive scope (`APP__BACKUP__DRIVE_ACCESS_TOKEN`).
    #[serde(default)]
    pub drive_access_token: String,
    /// The Drive folder the bundles go to (empty = the drive's root).
    pub drive_folder_id: String,
}

impl BackupSettings {
    pub fn validate(&self) -> Result<(), String> {
        match self.target {
            BackupTarget::Off => Ok(()),
            _ if self.interval_secs == 0 => Err("backup.interval_secs must be above 0".into()),
            BackupTarget::Directory if self.keep == 0 => Err("backup.keep must be above 0".into()),
            BackupTarget::GoogleDrive if self.drive_access_token.is_empty() => {
                Err("backup.target google_drive needs APP__BACKUP__DRIVE_ACCESS_TOKEN".into())
            }
            _ => Ok(()),
        }
    }
}

/// Starts the backup loop when a target is configured; abort the handle to stop it.
pub fn start(
    db: DatabaseConnection,
    settings: BackupSettings,
) -> Option<actix_web::rt::task::JoinHandle<()>> {
    if settings.target == BackupTarget::Off {
        return None;
    }
    Some(actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(Duration::from_secs(settings.interval_secs));
        every.tick().await; // the first tick is immediate; the first backup waits one interval
        loop {
            every.tick().await;
            match run_once(&db, &settings).await {
                Ok(place) => tracing::info!(%place, "scheduled backup written"),
                Err(error) => tracing::error!(error = %error, "scheduled backup failed"),
            }
        }
    }))
}

/// Makes one bundle and stores it at the configured target; returns where it went.
pub async fn run_once(
    db: &DatabaseConnection,
    settings: &BackupSettings,
) -> anyhow::Result<String> {
    let snapshot = store::backup::snapshot(db).await?;
    let now = Utc::now();
    let bytes = bundle::encode(&snapshot, now)?;
    let name = format!(
        "{FILE_PREFIX}{}{FILE_SUFFIX}",
        now.format("%Y%m%dT%H%M%S%.3fZ")
    );
    match settings.target {
        BackupTarget::Off => anyhow::bail!("no backup target configured"),
        BackupTarget::Directory => {
            let folder = Path::new(&settings.directory);
            std::fs::create_dir_all(folder)?;
            let path = folder.join(&name);
            write_private(&path, &bytes)?;
            prune(folder, settings.keep)?;
            Ok(path.display().to_string())
        }
        BackupTarget::GoogleDrive => {
            let id = drive::upload(
                &settings.drive_upload_url,
                &settings.drive_access_token,
                &settings.drive_folder_id,
                &name,
                &bytes,
            )
            .await?;
            Ok(format!("Google Drive file {id}"))
        }
    }
}

/// Deletes all but the newest `keep` bundles (names sort by time).
fn prune(folder: &Path, keep: usize) -> std::io::Result<()> {
    let mut bundles: Vec<_> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(FILE_PREFIX) && name.ends_with(FILE_SUFFIX))
        .collect();
    bundles.sort();
    let excess = bundles.len().saturating_sub(keep);
    for name in &bundles[..excess] {
        std::fs::remove_file(folder.join(name))?;
    }
    Ok(())
}
