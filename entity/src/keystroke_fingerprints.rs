//! `keystroke_fingerprints`: the timing vector (hold and down-down times, ms, as JSON) of each
//! keystroke sample a user's profile has seen, to refuse a replayed sample.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "keystroke_fingerprints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub key_count: i32,
    #[sea_orm(column_type = "Text")]
    pub timings: String,
    pub seen_at: DateTimeUtc,
    /// The process that wrote it (its replay check's random writer id; 0 for older rows).
    pub writer: i64,
}

impl ActiveModelBehavior for ActiveModel {}
