//! `live_sessions`: one row per WebSocket session. The ticket that opens it is kept only as a
//! SHA-256 hash; `ticket_used_at` is set once, when the socket opens. `status` is `issued`,
//! `active`, `challenged` or `ended`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "live_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub profile_key: String,
    #[sea_orm(unique)]
    pub ticket_hash: String,
    pub ticket_expires_at: DateTimeUtc,
    pub ticket_used_at: Option<DateTimeUtc>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub end_reason: Option<String>,
    pub last_score: Option<f64>,
    pub last_seen_at: Option<DateTimeUtc>,
    /// The owner's last passed step-up (password and typing) in this session.
    pub step_up_passed_at: Option<DateTimeUtc>,
    /// The `jti` of the access token that opened the session; its logout ends the session.
    pub opened_by_jti: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
