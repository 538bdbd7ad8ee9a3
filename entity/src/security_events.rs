//! `security_events`: the audit trail (register, logins, lockouts, unlocks, logouts, admin
//! actions). `details` is JSON and never holds a secret.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "security_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    pub user_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub event_type: String,
    pub severity: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Json,
}

impl ActiveModelBehavior for ActiveModel {}
