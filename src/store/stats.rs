//! Read-only queries behind the admin statistics: the few columns each chart needs, since a
//! given time. Bucketing happens in Rust (`crate::stats`), so the SQL is the same on SQLite
//! and PostgreSQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    biometric_models, biometric_samples, biometric_verifications, live_sessions, lockouts,
    login_attempts,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use uuid::Uuid;

use crate::store::biometric_samples::LABEL_GENUINE;
use crate::store::live_sessions::{STATUS_ACTIVE, STATUS_CHALLENGED, STATUS_ISSUED};

/// `(created_at, outcome)` of every login attempt since `since`.
pub async fn login_outcomes<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, String)>, DbErr> {
    login_attempts::Entity::find()
        .select_only()
        .column(login_attempts::Column::CreatedAt)
        .column(login_attempts::Column::Outcome)
        .filter(login_attempts::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
}

/// `(locked_at, reason)` of every lockout since `since`.
pub async fn lockouts<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, String)>, DbErr> {
    lockouts::Entity::find()
        .select_only()
        .column(lockouts::Column::LockedAt)
        .column(lockouts::Column::Reason)
        .filter(lockouts::Column::LockedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
}

/// `(created_at, ended_at)` of every session (past its ticket) that was live at some point
/// since `since`: opened since then, ended since then, or not ended.
pub async fn session_spans<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, DbErr> {
    live_sessions::Entity::find()
        .select_only()
        .column(live_sessions::Column::CreatedAt)
        .column(live_sessions::Column::EndedAt)
        .filter(live_sessions::Column::Status.ne(STATUS_ISSUED))
        .filter(
            Condition::any()
                .add(live_sessions::Column::CreatedAt.gte(since))
                .add(live_sessions::Column::EndedAt.gte(since))
                .add(live_sessions::Column::EndedAt.is_null()),
        )
        .into_tuple()
        .all(db)
        .await
}

/// Sessions live right now: `(active, challenged)`.
pub async fn live_session_counts<C: ConnectionTrait>(db: &C) -> Result<(u64, u64), DbErr> {
    let count = |status: &'static str| {
        live_sessions::Entity::find()
            .filter(live_sessions::Column::Status.eq(status))
            .count(db)
    };
    Ok((count(STATUS_ACTIVE).await?, count(STATUS_CHALLENGED).await?))
}

/// `(score, label of the verified sample)` of every verification since `since`; the label is
/// `None` when the sample was not kept (only accepted samples are, for adaptation).
pub async fn labelled_verification_scores<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(f64, Option<String>)>, DbErr> {
    let rows: Vec<(f64, Option<i64>)> = biometric_verifications::Entity::find()
        .select_only()
        .column(biometric_verifications::Column::Score)
        .column(biometric_verifications::Column::SampleId)
        .filter(biometric_verifications::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let sample_ids: Vec<i64> = rows.iter().filter_map(|(_, id)| *id).collect();
    let mut labels: HashMap<i64, String> = HashMap::new();
    // Chunked so that the `IN` list stays far below either database's parameter limit.
    for chunk in sample_ids.chunks(1_000) {
        let found: Vec<(i64, String)> = biometric_samples::Entity::find()
            .select_only()
            .column(biometric_samples::Column::Id)
            .column(biometric_samples::Column::Label)
            .filter(biometric_samples::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        labels.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|(score, id)| (score, id.and_then(|id| labels.get(&id).cloned())))
        .collect())
}

/// `(user_id, profile_key, estimated_eer)` of the trained models of `user_ids`.
pub async fn model_summaries<C: ConnectionTrait>(
    db: &C,
    user_ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, String, Option<f64>)>, DbErr> {
    biometric_models::Entity::find()
        .select_only()
        .column(biometric_models::Column::UserId)
        .column(biometric_models::Column::ProfileKey)
        .column(biometric_models::Column::EstimatedEer)
        .filter(biometric_models::Column::UserId.is_in(user_ids))
        .into_tuple()
        .all(db)
        .await
}

/// `(user_id, profile_key, genuine samples)` of `user_ids`.
pub async fn genuine_sample_counts<C: ConnectionTrait>(
    db: &C,
    user_ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, String, i64)>, DbErr> {
    biometric_samples::Entity::find()
        .select_only()
        .column(biometric_samples::Column::UserId)
        .column(biometric_samples::Column::ProfileKey)
        .column_as(biometric_samples::Column::Id.count(), "samples")
        .filter(biometric_samples::Column::UserId.is_in(user_ids))
        .filter(biometric_samples::Column::Label.eq(LABEL_GENUINE))
        .group_by(biometric_samples::Column::UserId)
        .group_by(biometric_samples::Column::ProfileKey)
        .into_tuple()
        .all(db)
        .await
}
