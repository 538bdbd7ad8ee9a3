//! `users`: accounts, their role, and the password-lockout state the lockout policy updates
//! with compare-and-set on `lock_version`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub created_at: DateTimeUtc,
    pub failure_count: i32,
    pub last_failure_at: Option<DateTimeUtc>,
    pub temporary_lockouts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub permanently_locked: bool,
    pub lock_version: i64,
}

impl ActiveModelBehavior for ActiveModel {}
