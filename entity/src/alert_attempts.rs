//! `alert_attempts`: one row per delivery attempt of an alert, successful or not.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alert_id: i64,
    pub attempted_at: DateTimeUtc,
    pub success: bool,
    /// The HTTP status of a webhook attempt that got an answer.
    pub status: Option<i32>,
    pub error: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
