//! `session_scores`: a sampled history of each live session's fused scores (at most one row
//! per `sessions.score_sample_every_ms` per session).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "session_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub session_id: Uuid,
    pub score: f64,
    pub decision: String,
    pub scored_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
