//! `revoked_tokens`: access tokens ended before their expiry.

use chrono::{DateTime, Utc};
use entity::revoked_tokens;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    jti: &str,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = revoked_tokens::ActiveModel {
        jti: Set(jti.to_owned()),
        user_id: Set(user_id),
        revoked_at: Set(Utc::now()),
        expires_at: Set(expires_at),
    };
    revoked_tokens::Entity::insert(row)
        .on_conflict_do_nothing_on([revoked_tokens::Column::Jti])
        .exec(db)
        .await?;
    Ok(())
}

pub async fn is_revoked(db: &DatabaseConnection, jti: &str) -> Result<bool, DbErr> {
    Ok(revoked_tokens::Entity::find_by_id(jti.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// Deletes revocations of tokens that have expired anyway.
pub async fn purge_expired<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = revoked_tokens::Entity::delete_many()
        .filter(revoked_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
