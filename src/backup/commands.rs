//! `behavioral-auth models export --out FILE` and `models import FILE`.

use std::path::Path;

use chrono::Utc;

use crate::configuration::Settings;
use crate::store;

use super::bundle;
use super::file::write_private;

/// What a bundle held, for the command's report.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub users: usize,
    pub samples: usize,
    pub models: usize,
}

impl Counts {
    fn of(snapshot: &store::backup::Snapshot) -> Self {
        Counts {
            users: snapshot.users.len(),
            samples: snapshot.samples.len(),
            models: snapshot.models.len(),
        }
    }
}

/// Takes a consistent snapshot of the configured database and writes it to `out` (mode 0600).
pub async fn export(settings: &Settings, out: &Path) -> anyhow::Result<Counts> {
    let db = store::connect(&settings.database).await?;
    let snapshot = store::backup::snapshot(&db)
        .await
        .map_err(|error| anyhow::anyhow!("cannot read the database: {error}"))?;
    let bytes = bundle::encode(&snapshot, Utc::now())?;
    write_private(out, &bytes)
        .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", out.display()))?;
    let counts = Counts::of(&snapshot);
    tracing::info!(path = %out.display(), ?counts, bytes = bytes.len(), "model bundle written");
    Ok(counts)
}

/// Checks the bundle at `path` completely, then restores it into the configured (empty)
/// database in one transaction; nothing is written when any check fails.
pub async fn import(settings: &Settings, path: &Path) -> anyhow::Result<Counts> {
    let bytes = std::fs::read(path)
        .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?;
    let bundle = bundle::decode(&bytes)
        .map_err(|error| anyhow::anyhow!("refusing {}: {error}", path.display()))?;
    let db = store::connect(&settings.database).await?;
    store::migrate(&db).await?;
    store::backup::restore(&db, &bundle.snapshot)
        .await
        .map_err(|error| anyhow::anyhow!("nothing imported: {error}"))?;
    let counts = Counts::of(&bundle.snapshot);
    tracing::info!(
        path = %path.display(),
        created_at = %bundle.created_at,
        ?counts,
        "model bundle imported"
    );
    Ok(counts)
}
