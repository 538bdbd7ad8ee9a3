//! `biometric_verifications`: the result of every scored sample.

use chrono::Utc;
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
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    verification: NewVerification<'_>,
) -> Result<(), DbErr> {
    let row = biometric_verifications::ActiveModel {
        id: NotSet,
        user_id: Set(verification.user_id),
        profile_key: Set(verification.profile_key.to_owned()),
        sample_id: Set(verification.sample_id),
        score: Set(verification.score),
        decision: Set(verification.decision.to_owned()),
        model_version: Set(verification.model_version),
        context: Set(verification.context.to_owned()),
        created_at: Set(Utc::now()),
    };
    biometric_verifications::Entity::insert(row)
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = biometric_verifications::Entity::delete_many()
        .filter(biometric_verifications::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
