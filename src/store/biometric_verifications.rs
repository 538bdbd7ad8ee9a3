//! `biometric_verifications`: the result of every scored sample.

use chrono::{DateTime, Utc};
use entity::biometric_verifications;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

pub struct NewVerification<'a> {
    pub user_id: Uuid,
    pub profile_key: &'a str,
    pub sample_id: Option<i64>,
    pub score: f64,
    pub decision: &'a str,
    pub model_version: i32,
    /// `verify`, `login` or `session`.
    pub context: &'a str,
    pub created_at: DateTime<Utc>,
}

/// Inserts the rows ([`super::insert_rows`]): run it in a transaction for the batch to land
/// whole.
pub async fn record_many<'a, C: ConnectionTrait>(
    db: &C,
    verifications: impl ExactSizeIterator<Item = NewVerification<'a>>,
) -> Result<(), DbErr> {
    use biometric_verifications::Column;
    let rows = verifications.map(|verification| {
        [
            verification.user_id.into(),
            verification.profile_key.into(),
            verification.sample_id.into(),
            verification.score.into(),
            verification.decision.into(),
            verification.model_version.into(),
            verification.context.into(),
            verification.created_at.into(),
        ]
    });
    let columns = [
        Column::UserId,
        Column::ProfileKey,
        Column::SampleId,
        Column::Score,
        Column::Decision,
        Column::ModelVersion,
        Column::Context,
        Column::CreatedAt,
    ];
    super::insert_rows(db, biometric_verifications::Entity, columns, rows).await
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = biometric_verifications::Entity::delete_many()
        .filter(biometric_verifications::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
