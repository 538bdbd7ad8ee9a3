//! `biometric_samples`: enrolled, adapted and labelled feature vectors per user profile.

use chrono::Utc;
use entity::biometric_samples;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use entity::biometric_samples::Model as StoredSample;

/// `source` of a sample added by drift adaptation (a confident, good-quality verification).
pub const SOURCE_ADAPTATION: &str = "adaptation";
pub const LABEL_GENUINE: &str = "genuine";
pub const LABEL_IMPOSTOR: &str = "impostor";

pub struct NewSample {
    pub user_id: Uuid,
    pub profile_key: String,
    pub modality: &'static str,
    pub device: &'static str,
    pub text_id: Option<String>,
    pub sequence_hash: Option<String>,
    pub features: serde_json::Value,
    pub quality: f64,
    pub label: &'static str,
    pub source: &'static str,
}

pub async fn insert<C: ConnectionTrait>(db: &C, sample: NewSample) -> Result<StoredSample, DbErr> {
    let row = biometric_samples::ActiveModel {
        id: NotSet,
        user_id: Set(sample.user_id),
        profile_key: Set(sample.profile_key),
        modality: Set(sample.modality.to_owned()),
        device: Set(sample.device.to_owned()),
        text_id: Set(sample.text_id),
        sequence_hash: Set(sample.sequence_hash),
        features: Set(sample.features),
        quality: Set(sample.quality),
        label: Set(sample.label.to_owned()),
        source: Set(sample.source.to_owned()),
        created_at: Set(Utc::now()),
    };
    biometric_samples::Entity::insert(row)
        .exec_with_returning(db)
        .await
}

/// The user's samples of one profile with `label`, oldest first.
pub async fn for_profile<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    label: &str,
) -> Result<Vec<StoredSample>, DbErr> {
    biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .filter(biometric_samples::Column::ProfileKey.eq(profile_key))
        .filter(biometric_samples::Column::Label.eq(label))
        .order_by_asc(biometric_samples::Column::Id)
        .all(db)
        .await
}

pub async fn count_for_profile<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    label: &str,
) -> Result<u64, DbErr> {
    biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .filter(biometric_samples::Column::ProfileKey.eq(profile_key))
        .filter(biometric_samples::Column::Label.eq(label))
        .count(db)
        .await
}

/// Genuine samples of *other* users in the same profile (the background population), newest
/// first, at most `cap`.
pub async fn background<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    cap: u64,
) -> Result<Vec<StoredSample>, DbErr> {
    biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.ne(user_id))
        .filter(biometric_samples::Column::ProfileKey.eq(profile_key))
        .filter(biometric_samples::Column::Label.eq(LABEL_GENUINE))
        .order_by_desc(biometric_samples::Column::Id)
        .limit(cap)
        .all(db)
        .await
}

/// Every sample of the user, oldest first (for export).
pub async fn for_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<StoredSample>, DbErr> {
    biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .order_by_asc(biometric_samples::Column::Id)
        .all(db)
        .await
}

pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<StoredSample>, DbErr> {
    biometric_samples::Entity::find_by_id(id).one(db).await
}

pub async fn set_label<C: ConnectionTrait>(
    db: &C,
    id: i64,
    label: &'static str,
) -> Result<bool, DbErr> {
    let result = biometric_samples::Entity::update_many()
        .col_expr(
            biometric_samples::Column::Label,
            sea_orm::sea_query::Expr::value(label),
        )
        .filter(biometric_samples::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = biometric_samples::Entity::delete_many()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// How many of the profile's samples came from `source` (e.g. `adaptation`).
pub async fn count_source<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    source: &str,
) -> Result<u64, DbErr> {
    biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .filter(biometric_samples::Column::ProfileKey.eq(profile_key))
        .filter(biometric_samples::Column::Source.eq(source))
        .count(db)
        .await
}

/// The key-sequence hash of the profile's first genuine sample: the sequence every later
/// fixed-text sample must repeat.
pub async fn enrolled_sequence_hash<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
) -> Result<Option<String>, DbErr> {
    Ok(biometric_samples::Entity::find()
        .filter(biometric_samples::Column::UserId.eq(user_id))
        .filter(biometric_samples::Column::ProfileKey.eq(profile_key))
        .filter(biometric_samples::Column::Label.eq(LABEL_GENUINE))
        .order_by_asc(biometric_samples::Column::Id)
        .one(db)
        .await?
        .and_then(|sample| sample.sequence_hash))
}
