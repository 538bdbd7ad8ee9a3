//! `lockouts`: the history of account locks; `locked_until` is `None` for a permanent lock and
//! `lifted_at` is set when an admin unlocks.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lockouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Uuid,
    pub locked_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub permanent: bool,
    pub sequence: i32,
    pub reason: String,
    pub lifted_at: Option<DateTimeUtc>,
    pub lifted_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
