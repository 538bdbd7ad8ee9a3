//! `lockouts`: the history of account locks.

use chrono::{DateTime, Utc};
use entity::lockouts;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::lockout_policy::Lock;

pub use entity::lockouts::Model as Lockout;

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    locked_at: DateTime<Utc>,
    lock: &Lock,
    reason: &str,
) -> Result<(), DbErr> {
    let row = lockouts::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        locked_at: Set(locked_at),
        locked_until: Set(lock.until),
        permanent: Set(lock.until.is_none()),
        sequence: Set(i32::try_from(lock.sequence).unwrap_or(i32::MAX)),
        reason: Set(reason.to_owned()),
        lifted_at: Set(None),
        lifted_by: Set(None),
    };
    lockouts::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// Marks every lock of the user that is still in force as lifted by `admin_id`.
pub async fn lift_active<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    admin_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = lockouts::Entity::update_many()
        .col_expr(lockouts::Column::LiftedAt, Expr::value(Some(now)))
        .col_expr(lockouts::Column::LiftedBy, Expr::value(Some(admin_id)))
        .filter(lockouts::Column::UserId.eq(user_id))
        .filter(lockouts::Column::LiftedAt.is_null())
        .filter(
            Condition::any()
                .add(lockouts::Column::LockedUntil.gt(now))
                .add(lockouts::Column::Permanent.eq(true)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
