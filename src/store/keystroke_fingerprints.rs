//! `keystroke_fingerprints`: timing vectors of the keystroke samples each profile has seen,
//! looked up by key count (only samples with as many keystrokes can be replays of each other).

use chrono::Utc;
use entity::keystroke_fingerprints;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    timings: &[f64],
) -> Result<(), DbErr> {
    let row = keystroke_fingerprints::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        profile_key: Set(profile_key.to_owned()),
        key_count: Set(i32::try_from(timings.len()).unwrap_or(i32::MAX)),
        timings: Set(serde_json::to_string(timings).expect("a list of finite numbers serialises")),
        seen_at: Set(Utc::now()),
    };
    keystroke_fingerprints::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The newest `limit` timing vectors of this profile with exactly `key_count` values.
pub async fn with_length<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    key_count: usize,
    limit: u64,
) -> Result<Vec<Vec<f64>>, DbErr> {
    let rows = keystroke_fingerprints::Entity::find()
        .filter(keystroke_fingerprints::Column::UserId.eq(user_id))
        .filter(keystroke_fingerprints::Column::ProfileKey.eq(profile_key))
        .filter(
            keystroke_fingerprints::Column::KeyCount
                .eq(i32::try_from(key_count).unwrap_or(i32::MAX)),
        )
        .order_by_desc(keystroke_fingerprints::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    // A row that does not parse (never written by us) cannot match anything.
    Ok(rows
        .into_iter()
        .filter_map(|row| serde_json::from_str(&row.timings).ok())
        .collect())
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = keystroke_fingerprints::Entity::delete_many()
        .filter(keystroke_fingerprints::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
