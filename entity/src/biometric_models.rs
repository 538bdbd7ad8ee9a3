//! `biometric_models`: the current trained model of one user profile (JSON), with its version,
//! calibrated threshold and estimated EER. One row per (user, profile key).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "biometric_models")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub version: i32,
    pub model: Json,
    pub genuine_count: i32,
    pub negative_count: i32,
    pub estimated_eer: Option<f64>,
    pub threshold: f64,
    pub trained_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
