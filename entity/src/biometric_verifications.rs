//! `biometric_verifications`: every scored sample's result (score, decision, model version),
//! for the audit trail and the dashboard's score distributions.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "biometric_verifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub sample_id: Option<i64>,
    pub score: f64,
    pub decision: String,
    pub model_version: i32,
    pub context: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
