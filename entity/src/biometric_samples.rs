//! `biometric_samples`: one enrolled, adapted or labelled sample: its server-extracted feature
//! vector (JSON), quality and label. Raw key codes are never stored; a fixed-text sample keeps
//! only a keyed hash of its key sequence.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "biometric_samples")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Uuid,
    pub profile_key: String,
    pub modality: String,
    pub device: String,
    pub text_id: Option<String>,
    pub sequence_hash: Option<String>,
    pub features: Json,
    pub quality: f64,
    pub label: String,
    pub source: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
