//! `biometric_verifications`: the result of every scored sample.

use chrono::{DateTime, Utc};
use entity::biometric_verifications;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
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

/// Inserts the rows in statements of fixed sizes ([`super::insert_statement_sizes`]): run it in
/// a transaction for the batch to land whole.
pub async fn record_many<'a, C: ConnectionTrait>(
    db: &C,
    verifications: impl ExactSizeIterator<Item = NewVerification<'a>>,
) -> Result<(), DbErr> {
    let count = verifications.len();
    let mut rows = verifications.map(|verification| biometric_verifications::ActiveModel {
        id: NotSet,
        user_id: Set(verification.user_id),
        profile_key: Set(verification.profile_key.to_owned()),
        sample_id: Set(verification.sample_id),
        score: Set(verification.score),
        decision: Set(verification.decision.to_owned()),
        model_version: Set(verification.model_version),
        context: Set(verification.context.to_owned()),
        created_at: Set(verification.created_at),
    });
    for size in super::insert_statement_sizes(count) {
        biometric_verifications::Entity::insert_many(rows.by_ref().take(size))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = biometric_verifications::Entity::delete_many()
        .filter(biometric_verifications::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
