//! `keystroke_fingerprints`: timing vectors of the keystroke samples each profile has seen,
//! looked up by key count (only samples with as many keystrokes can be replays of each other).

use chrono::{DateTime, Utc};
use entity::keystroke_fingerprints;
use sea_orm::sea_query::{Expr, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// One fingerprint to keep.
#[derive(Debug, Clone)]
pub struct NewFingerprint {
    pub user_id: Uuid,
    pub profile_key: String,
    pub timings: Vec<f64>,
    pub seen_at: DateTime<Utc>,
    /// The writing process's id ([`crate::biometrics::fingerprints`]), so its own top-ups skip
    /// the row.
    pub writer: i64,
}

/// What a top-up read: the fingerprints other writers stored since the last read, and where
/// the next read starts.
#[derive(Debug, Default)]
pub struct Stored {
    /// Timing vectors, newest first.
    pub others: Vec<Vec<f64>>,
    /// The highest id stored for the key when the read began (any writer's).
    pub newest_id: i64,
}

/// Inserts the rows ([`super::insert_rows`]): run it in a transaction for the batch to land
/// whole.
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    fingerprints: &[NewFingerprint],
) -> Result<(), DbErr> {
    use keystroke_fingerprints::Column;
    let rows = fingerprints.iter().map(|fingerprint| {
        [
            fingerprint.user_id.into(),
            fingerprint.profile_key.clone().into(),
            i32::try_from(fingerprint.timings.len())
                .unwrap_or(i32::MAX)
                .into(),
            serde_json::to_string(&fingerprint.timings)
                .expect("a list of finite numbers serialises")
                .into(),
            fingerprint.seen_at.into(),
            fingerprint.writer.into(),
        ]
    });
    let columns = [
        Column::UserId,
        Column::ProfileKey,
        Column::KeyCount,
        Column::Timings,
        Column::SeenAt,
        Column::Writer,
    ];
    super::insert_rows(db, keystroke_fingerprints::Entity, columns, rows).await
}

/// The newest `limit` timing vectors of this profile with exactly `key_count` values and an
/// id above `after_id` (0: all) that a writer other than `reader` stored, and the highest id
/// of the key now, from which the next read goes on. A process's own rows are already in its
/// memory: reading them back was most of a top-up's cost.
pub async fn others_after<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    profile_key: &str,
    key_count: usize,
    after_id: i64,
    reader: i64,
    limit: u64,
) -> Result<Stored, DbErr> {
    use keystroke_fingerprints::Column;
    let key_count = i32::try_from(key_count).unwrap_or(i32::MAX);
    let of_key = || {
        keystroke_fingerprints::Entity::find()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::ProfileKey.eq(profile_key))
            .filter(Column::KeyCount.eq(key_count))
    };
    let newest: Option<i64> = of_key()
        .select_only()
        .column_as(Column::Id.max(), "newest")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let Some(newest_id) = newest.filter(|&newest| newest > after_id) else {
        return Ok(Stored {
            others: Vec::new(),
            newest_id: after_id,
        });
    };
    let rows: Vec<(i64, String)> = of_key()
        .filter(Column::Id.gt(after_id))
        .filter(Column::Id.lte(newest_id))
        .filter(Column::Writer.ne(reader))
        .order_by_desc(Column::Id)
        .limit(limit)
        .select_only()
        .columns([Column::Id, Column::Timings])
        .into_tuple()
        .all(db)
        .await?;
    // A row that does not parse (never written by us) cannot match anything.
    let others = rows
        .into_iter()
        .filter_map(|(_, timings): (i64, String)| serde_json::from_str(&timings).ok())
        .collect();
    Ok(Stored { others, newest_id })
}

/// Most rows one statement of [`purge_beyond`] deletes.
const PURGE_CHUNK_ROWS: u64 = 1000;

/// Deletes every fingerprint beyond the newest `keep` of its (user, profile, key count): only
/// those are ever read, so the rest is dead weight. Returns how many went.
///
/// On SQLite key by key, at most [`PURGE_CHUNK_ROWS`] rows a statement, each statement its own
/// short transaction. One statement over the whole table held the background writers'
/// connection, and SQLite's one write lock, for as long as it ran: under sustained REST verify
/// load a minute's fingerprints (over a million rows) took 4.5 s to delete, the batch writers
/// could not commit meanwhile, and every verify waited for their queues (BENCHMARKS.md,
/// twentieth measurement). Between two statements the writers take their turn. PostgreSQL's
/// writers do not wait for a `DELETE` of other rows, and there the one statement stays: its
/// lookup index does not order a key's rows by id, so every chunk would sort the key's rows
/// again.
pub async fn purge_beyond<C: ConnectionTrait>(db: &C, keep: u64) -> Result<u64, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        return purge_beyond_in_chunks(db, keep, PURGE_CHUNK_ROWS).await;
    }
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

/// [`purge_beyond`]'s way on SQLite, `chunk` rows at most per statement (tests use small
/// chunks; it works on PostgreSQL too).
pub async fn purge_beyond_in_chunks<C: ConnectionTrait>(
    db: &C,
    keep: u64,
    chunk: u64,
) -> Result<u64, DbErr> {
    let chunk = chunk.max(1);
    let mut purged = 0;
    let mut after = None;
    while let Some(key) = next_key(db, after.as_ref()).await? {
        loop {
            // Each statement is its own transaction, and a waiting request's goes first.
            super::background::foreground_first().await;
            let deleted = delete_beyond(db, &key, keep, chunk).await?;
            purged += deleted;
            if deleted < chunk {
                break;
            }
        }
        after = Some(key);
    }
    Ok(purged)
}

/// (user, profile, key count): what a replay check reads by.
type FingerprintKey = (Uuid, String, i32);

/// The smallest key stored above `after` (the smallest of all when `after` is `None`): a seek
/// in the lookup index, however many rows each key has.
async fn next_key<C: ConnectionTrait>(
    db: &C,
    after: Option<&FingerprintKey>,
) -> Result<Option<FingerprintKey>, DbErr> {
    use keystroke_fingerprints::Column;
    let mut query = keystroke_fingerprints::Entity::find()
        .select_only()
        .columns([Column::UserId, Column::ProfileKey, Column::KeyCount])
        .order_by_asc(Column::UserId)
        .order_by_asc(Column::ProfileKey)
        .order_by_asc(Column::KeyCount)
        .limit(1);
    if let Some((user_id, profile_key, key_count)) = after {
        // Here only: it is implemented for every type and shadows `Ord::max` elsewhere.
        use sea_orm::sea_query::ExprTrait;
        let columns = [Column::UserId, Column::ProfileKey, Column::KeyCount].map(Expr::col);
        let values = [
            Expr::val(*user_id),
            Expr::val(profile_key.as_str()),
            Expr::val(*key_count),
        ];
        query = query.filter(Expr::tuple(columns).gt(Expr::tuple(values)));
    }
    query.into_tuple().one(db).await
}

/// Deletes at most `chunk` of the key's rows beyond its newest `keep`, the newest of them
/// first; returns how many.
async fn delete_beyond<C: ConnectionTrait>(
    db: &C,
    (user_id, profile_key, key_count): &FingerprintKey,
    keep: u64,
    chunk: u64,
) -> Result<u64, DbErr> {
    use keystroke_fingerprints::Column;
    let beyond = Query::select()
        .column(Column::Id)
        .from(keystroke_fingerprints::Entity)
        .and_where(Column::UserId.eq(*user_id))
        .and_where(Column::ProfileKey.eq(profile_key.as_str()))
        .and_where(Column::KeyCount.eq(*key_count))
        .order_by(Column::Id, Order::Desc)
        .limit(chunk)
        .offset(keep)
        .to_owned();
    let deleted = keystroke_fingerprints::Entity::delete_many()
        .filter(Column::Id.in_subquery(beyond))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64, DbErr> {
    let result = keystroke_fingerprints::Entity::delete_many()
        .filter(keystroke_fingerprints::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
