//! `keystroke_fingerprints`: timing vectors of the keystroke samples each profile has seen,
//! looked up by key count (only samples with as many keystrokes can be replays of each other).

use chrono::{DateTime, Utc};
use entity::keystroke_fingerprints;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// One fingerprint to keep.
#[derive(Debug, Clone)]
pub struct NewFingerprint {
    pub user_id: Uuid,
    pub profile_key: String,
    pub timings: Vec<f64>,
    pub seen_at: DateTime<Utc>,
}

/// Inserts the rows in statements of fixed sizes ([`super::insert_statement_sizes`]): run it in
/// a transaction for the batch to land whole.
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    fingerprints: &[NewFingerprint],
) -> Result<(), DbErr> {
    let mut rows = fingerprints
        .iter()
        .map(|fingerprint| keystroke_fingerprints::ActiveModel {
            id: NotSet,
            user_id: Set(fingerprint.user_id),
            profile_key: Set(fingerprint.profile_key.clone()),
            key_count: Set(i32::try_from(fingerprint.timings.len()).unwrap_or(i32::MAX)),
            timings: Set(serde_json::to_string(&fingerprint.timings)
                .expect("a list of finite numbers serialises")),
            seen_at: Set(fingerprint.seen_at),
        });
    for size in super::insert_statement_sizes(fingerprints.len()) {
        keystroke_fingerprints::Entity::insert_many(rows.by_ref().take(size))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The newest `limit` timing vectors of this profile with exactly `key_count` values and an
/// id above `after_id` (0: all), with their ids, newest first.
pub async fn with_length_after<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    key_count: usize,
    after_id: i64,
    limit: u64,
) -> Result<Vec<(i64, Vec<f64>)>, DbErr> {
    let rows = keystroke_fingerprints::Entity::find()
        .filter(keystroke_fingerprints::Column::UserId.eq(user_id))
        .filter(keystroke_fingerprints::Column::ProfileKey.eq(profile_key))
        .filter(
            keystroke_fingerprints::Column::KeyCount
                .eq(i32::try_from(key_count).unwrap_or(i32::MAX)),
        )
        .filter(keystroke_fingerprints::Column::Id.gt(after_id))
        .order_by_desc(keystroke_fingerprints::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    // A row that does not parse (never written by us) cannot match anything.
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((row.id, serde_json::from_str(&row.timings).ok()?)))
        .collect())
}

/// Deletes every fingerprint beyond the newest `keep` of its (user, profile, key count): only
/// those are ever read, so the rest is dead weight. Returns how many went.
pub async fn purge_beyond<C: ConnectionTrait>(db: &C, keep: u64) -> Result<u64, DbErr> {
    // `keep` is a number from the settings, never user input; inlined because the two
    // backends spell placeholders differently.
    let sql = format!(
        "DELETE FROM keystroke_fingerprints WHERE id IN (\
           SELECT id FROM (\
             SELECT id, ROW_NUMBER() OVER (\
               PARTITION BY user_id, profile_key, key_count ORDER BY id DESC) AS newest \
             FROM keystroke_fingerprints) ranked \
           WHERE newest > {keep})"
    );
    Ok(db.execute_unprepared(&sql).await?.rows_affected())
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = keystroke_fingerprints::Entity::delete_many()
        .filter(keystroke_fingerprints::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
