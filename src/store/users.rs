//! `users`: accounts, their role and their password-lockout state.

use chrono::{DateTime, Utc};
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

use crate::auth::lockout_policy::LockState;

pub use entity::users::Model as User;

pub const ROLE_USER: &str = "user";
pub const ROLE_ADMIN: &str = "admin";

pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("the username is taken")]
    UsernameTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[tracing::instrument(skip(db, new_user), fields(username = %new_user.username))]
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new_user: NewUser,
) -> Result<User, InsertUserError> {
    let model = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        username: Set(new_user.username),
        email: Set(new_user.email),
        password_hash: Set(new_user.password_hash),
        role: Set(new_user.role.to_owned()),
        created_at: Set(Utc::now()),
        failure_count: Set(0),
        last_failure_at: Set(None),
        temporary_lockouts: Set(0),
        locked_until: Set(None),
        permanently_locked: Set(false),
        lock_version: Set(0),
    };
    users::Entity::insert(model)
        .exec_with_returning(db)
        .await
        .map_err(|error| match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => InsertUserError::UsernameTaken,
            _ => InsertUserError::Db(error),
        })
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<User>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await
}

pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<User>, DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

/// Admins that have an email address (they receive high-severity alerts).
pub async fn admins_with_email<C: ConnectionTrait>(db: &C) -> Result<Vec<User>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Role.eq(ROLE_ADMIN))
        .filter(users::Column::Email.is_not_null())
        .order_by_asc(users::Column::Username)
        .all(db)
        .await
}

/// One page of users ordered by name, starting after `after_username`.
pub async fn list(
    db: &DatabaseConnection,
    after_username: Option<&str>,
    limit: u64,
) -> Result<Vec<User>, DbErr> {
    let mut query = users::Entity::find().order_by_asc(users::Column::Username);
    if let Some(after) = after_username {
        query = query.filter(users::Column::Username.gt(after));
    }
    query.limit(limit).all(db).await
}

pub fn lock_state(user: &User) -> LockState {
    LockState {
        failure_count: u32::try_from(user.failure_count).unwrap_or(0),
        last_failure_at: user.last_failure_at,
        temporary_lockouts: u32::try_from(user.temporary_lockouts).unwrap_or(0),
        locked_until: user.locked_until,
        permanently_locked: user.permanently_locked,
    }
}

/// Writes `next` if the row still has `expected_version` (compare-and-set); returns whether it
/// did. Concurrent writers of the same user therefore never lose or double an update: the
/// loser re-reads and recomputes.
pub async fn compare_and_set_lock_state<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    expected_version: i64,
    next: &LockState,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(
            users::Column::FailureCount,
            Expr::value(to_i32(next.failure_count)),
        )
        .col_expr(
            users::Column::LastFailureAt,
            Expr::value(next.last_failure_at),
        )
        .col_expr(
            users::Column::TemporaryLockouts,
            Expr::value(to_i32(next.temporary_lockouts)),
        )
        .col_expr(users::Column::LockedUntil, Expr::value(next.locked_until))
        .col_expr(
            users::Column::PermanentlyLocked,
            Expr::value(next.permanently_locked),
        )
        .col_expr(
            users::Column::LockVersion,
            Expr::value(expected_version + 1),
        )
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::LockVersion.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether the account is locked at `now` according to the stored state.
pub fn is_locked(user: &User, now: DateTime<Utc>) -> bool {
    lock_state(user).is_locked(now)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// The users among `ids` (unknown ids are skipped).
pub async fn find_many<C: ConnectionTrait>(db: &C, ids: Vec<Uuid>) -> Result<Vec<User>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Id.is_in(super::padded_to_power_of_two(ids)))
        .all(db)
        .await
}
