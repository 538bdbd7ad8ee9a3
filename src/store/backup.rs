//! Backup rows: every user, biometric sample and model as plain serde records, read in one
//! consistent snapshot and written back in one transaction. The envelope (format version,
//! checksum) is `backup::bundle`'s business; this file only moves rows.
//!
//! Records keep their ids: samples are ordered by id when a profile retrains (the background
//! population is "newest first"), so a restored database retrains exactly as the original would.

use chrono::{DateTime, Utc};
use entity::{biometric_models, biometric_samples, users};
use sea_orm::{
    AccessMode, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, IsolationLevel, PaginatorTrait, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Rows inserted per statement (SQLite and PostgreSQL both cap bound parameters).
const INSERT_CHUNK_ROWS: usize = 100;

/// Everything a backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub users: Vec<UserRecord>,
    pub samples: Vec<SampleRecord>,
    pub models: Vec<ModelRecord>,
}

/// A `users` row, password hash and lockout state included (the bundle is sensitive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub failure_count: i32,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub temporary_lockouts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub permanently_locked: bool,
    pub lock_version: i64,
}

/// A `biometric_samples` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRecord {
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub modality: String,
    pub device: String,
    pub text_id: Option<String>,
    pub sequence_hash: Option<String>,
    pub features: serde_json::Value,
    pub quality: f64,
    pub label: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
}

/// A `biometric_models` row: the scoring model itself (JSON) and its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRecord {
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub version: i32,
    pub model: serde_json::Value,
    pub genuine_count: i32,
    pub negative_count: i32,
    pub estimated_eer: Option<f64>,
    pub threshold: f64,
    pub trained_at: DateTime<Utc>,
}

/// Why rows could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "the database is not empty ({users} users, {samples} samples, {models} models): \
         import restores into an empty database only"
    )]
    NotEmpty {
        users: u64,
        samples: u64,
        models: u64,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Reads every user, sample and model in one read-only transaction (one consistent state).
#[tracing::instrument(skip(db))]
pub async fn snapshot(db: &DatabaseConnection) -> Result<Snapshot, DbErr> {
    let isolation = match db.get_database_backend() {
        // SQLite transactions are serialisable already and take no isolation clause.
        DbBackend::Sqlite => None,
        _ => Some(IsolationLevel::RepeatableRead),
    };
    let access = match db.get_database_backend() {
        DbBackend::Sqlite => None,
        _ => Some(AccessMode::ReadOnly),
    };
    let txn = db.begin_with_config(isolation, access).await?;
    let users = users::Entity::find()
        .order_by_asc(users::Column::CreatedAt)
        .order_by_asc(users::Column::Id)
        .all(&txn)
        .await?;
    let samples = biometric_samples::Entity::find()
        .order_by_asc(biometric_samples::Column::Id)
        .all(&txn)
        .await?;
    let models = biometric_models::Entity::find()
        .order_by_asc(biometric_models::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(Snapshot {
        users: users.into_iter().map(UserRecord::from).collect(),
        samples: samples.into_iter().map(SampleRecord::from).collect(),
        models: models.into_iter().map(ModelRecord::from).collect(),
    })
}

/// Writes the snapshot into an empty database in one transaction: all of it or nothing.
#[tracing::instrument(skip_all, fields(users = snapshot.users.len(), samples = snapshot.samples.len()))]
pub async fn restore(db: &DatabaseConnection, snapshot: &Snapshot) -> Result<(), RestoreError> {
    let txn = super::begin_write(db).await?;
    let (users, samples, models) = (
        users::Entity::find().count(&txn).await?,
        biometric_samples::Entity::find().count(&txn).await?,
        biometric_models::Entity::find().count(&txn).await?,
    );
    if users + samples + models > 0 {
        return Err(RestoreError::NotEmpty {
            users,
            samples,
            models,
        });
    }
    for chunk in snapshot.users.chunks(INSERT_CHUNK_ROWS) {
        users::Entity::insert_many(chunk.iter().cloned().map(users::ActiveModel::from))
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in snapshot.samples.chunks(INSERT_CHUNK_ROWS) {
        biometric_samples::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(biometric_samples::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    for chunk in snapshot.models.chunks(INSERT_CHUNK_ROWS) {
        biometric_models::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(biometric_models::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        // Explicit ids do not advance PostgreSQL's sequences; the next insert must not collide.
        for table in ["biometric_samples", "biometric_models"] {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

impl From<users::Model> for UserRecord {
    fn from(row: users::Model) -> Self {
        UserRecord {
            id: row.id,
            username: row.username,
            email: row.email,
            password_hash: row.password_hash,
            role: row.role,
            created_at: row.created_at,
            failure_count: row.failure_count,
            last_failure_at: row.last_failure_at,
            temporary_lockouts: row.temporary_lockouts,
            locked_until: row.locked_until,
            permanently_locked: row.permanently_locked,
            lock_version: row.lock_version,
        }
    }
}

impl From<UserRecord> for users::ActiveModel {
    fn from(record: UserRecord) -> Self {
        users::ActiveModel {
            id: Set(record.id),
            username: Set(record.username),
            email: Set(record.email),
            password_hash: Set(record.password_hash),
            role: Set(record.role),
            created_at: Set(record.created_at),
            failure_count: Set(record.failure_count),
            last_failure_at: Set(record.last_failure_at),
            temporary_lockouts: Set(record.temporary_lockouts),
            locked_until: Set(record.locked_until),
            permanently_locked: Set(record.permanently_locked),
            lock_version: Set(record.lock_version),
        }
    }
}

impl From<biometric_samples::Model> for SampleRecord {
    fn from(row: biometric_samples::Model) -> Self {
        SampleRecord {
            id: row.id,
            user_id: row.user_id,
            profile_key: row.profile_key,
            modality: row.modality,
            device: row.device,
            text_id: row.text_id,
            sequence_hash: row.sequence_hash,
            features: row.features,
            quality: row.quality,
            label: row.label,
            source: row.source,
            created_at: row.created_at,
        }
    }
}

impl From<SampleRecord> for biometric_samples::ActiveModel {
    fn from(record: SampleRecord) -> Self {
        biometric_samples::ActiveModel {
            id: Set(record.id),
            user_id: Set(record.user_id),
            profile_key: Set(record.profile_key),
            modality: Set(record.modality),
            device: Set(record.device),
            text_id: Set(record.text_id),
            sequence_hash: Set(record.sequence_hash),
            features: Set(record.features),
            quality: Set(record.quality),
            label: Set(record.label),
            source: Set(record.source),
            created_at: Set(record.created_at),
        }
    }
}

impl From<biometric_models::Model> for ModelRecord {
    fn from(row: biometric_models::Model) -> Self {
        ModelRecord {
            id: row.id,
            user_id: row.user_id,
            profile_key: row.profile_key,
            version: row.version,
            model: row.model,
            genuine_count: row.genuine_count,
            negative_count: row.negative_count,
            estimated_eer: row.estimated_eer,
            threshold: row.threshold,
            trained_at: row.trained_at,
        }
    }
}

impl From<ModelRecord> for biometric_models::ActiveModel {
    fn from(record: ModelRecord) -> Self {
        biometric_models::ActiveModel {
            id: Set(record.id),
            user_id: Set(record.user_id),
            profile_key: Set(record.profile_key),
            version: Set(record.version),
            model: Set(record.model),
            genuine_count: Set(record.genuine_count),
            negative_count: Set(record.negative_count),
            estimated_eer: Set(record.estimated_eer),
            threshold: Set(record.threshold),
            trained_at: Set(record.trained_at),
        }
    }
}
