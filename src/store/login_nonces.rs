//! `login_nonces`: one-time nonces for logins that carry a typing sample. Stored as SHA-256
//! hashes; consuming one is a single conditional `DELETE`, so a nonce is accepted once even
//! when two servers on one database receive it at the same moment.

use chrono::{DateTime, Utc};
use entity::login_nonces;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    nonce_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = login_nonces::ActiveModel {
        nonce_hash: Set(nonce_hash.to_owned()),
        expires_at: Set(expires_at),
    };
    login_nonces::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// Deletes the nonce if it exists and has not expired; true when it did (the nonce is good).
pub async fn consume<C: ConnectionTrait>(
    db: &C,
    nonce_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = login_nonces::Entity::delete_many()
        .filter(login_nonces::Column::NonceHash.eq(nonce_hash))
        .filter(login_nonces::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes nonces that expired unused.
pub async fn purge_expired<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = login_nonces::Entity::delete_many()
        .filter(login_nonces::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
