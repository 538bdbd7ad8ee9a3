//! `biometric_models`: the current model per (user, profile key), replaced on retraining.

use chrono::{DateTime, Utc};
use entity::biometric_models;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use entity::biometric_models::Model as StoredModel;

pub struct NewModel {
    pub user_id: Uuid,
    pub profile_key: String,
    pub version: i32,
    pub model: serde_json::Value,
    pub genuine_count: i32,
    pub negative_count: i32,
    pub estimated_eer: Option<f64>,
    pub threshold: f64,
    pub trained_at: DateTime<Utc>,
}

/// Inserts or replaces the model of the profile.
pub async fn upsert<C: ConnectionTrait>(db: &C, model: NewModel) -> Result<(), DbErr> {
    let row = biometric_models::ActiveModel {
        id: NotSet,
        user_id: Set(model.user_id),
        profile_key: Set(model.profile_key),
        version: Set(model.version),
        model: Set(model.model),
        genuine_count: Set(model.genuine_count),
        negative_count: Set(model.negative_count),
        estimated_eer: Set(model.estimated_eer),
        threshold: Set(model.threshold),
        trained_at: Set(model.trained_at),
    };
    biometric_models::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                biometric_models::Column::UserId,
                biometric_models::Column::ProfileKey,
            ])
            .update_columns([
                biometric_models::Column::Version,
                biometric_models::Column::Model,
                biometric_models::Column::GenuineCount,
                biometric_models::Column::NegativeCount,
                biometric_models::Column::EstimatedEer,
                biometric_models::Column::Threshold,
                biometric_models::Column::TrainedAt,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// (user, profile key, version) of every model trained at or after `since` — the light
/// columns only, for the model cache to notice retraining done by another process.
pub async fn trained_since<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, String, i32)>, DbErr> {
    biometric_models::Entity::find()
        .select_only()
        .column(biometric_models::Column::UserId)
        .column(biometric_models::Column::ProfileKey)
        .column(biometric_models::Column::Version)
        .filter(biometric_models::Column::TrainedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
) -> Result<Option<StoredModel>, DbErr> {
    biometric_models::Entity::find()
        .filter(biometric_models::Column::UserId.eq(user_id))
        .filter(biometric_models::Column::ProfileKey.eq(profile_key))
        .one(db)
        .await
}

pub async fn for_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<StoredModel>, DbErr> {
    biometric_models::Entity::find()
        .filter(biometric_models::Column::UserId.eq(user_id))
        .order_by_asc(biometric_models::Column::ProfileKey)
        .all(db)
        .await
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = biometric_models::Entity::delete_many()
        .filter(biometric_models::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
