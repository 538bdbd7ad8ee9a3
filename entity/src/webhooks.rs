//! `webhooks`: subscriptions an admin registered. `events` is a JSON array of event types
//! (`["lockout"]`, or `["*"]` for all); `secret` signs every delivery.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub created_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub url: String,
    pub events: Json,
    pub description: Option<String>,
    /// `whsec_<base64>`; shown to the admin once, when the subscription is created.
    pub secret: String,
    pub enabled: bool,
}

impl ActiveModelBehavior for ActiveModel {}
