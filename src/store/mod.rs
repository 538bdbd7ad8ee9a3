//! The only module that talks to the database: plain `async fn(db, ..)` grouped by table.
//! Handlers and actors call these; none of them builds a query.

pub mod alerts;
pub mod background;
pub mod backup;
pub mod biometric_models;
pub mod biometric_samples;
pub mod biometric_verifications;
pub mod keystroke_fingerprints;
pub mod live_sessions;
pub mod lockouts;
pub mod login_attempts;
pub mod login_nonces;
pub mod revoked_tokens;
pub mod security_events;
pub mod session_scores;
pub mod stats;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, IdenStatic, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
use tokio::sync::SemaphorePermit;

use crate::configuration::DatabaseSettings;

/// Connects to the configured database, creating a SQLite file's folder when needed.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file_path(&settings.url)
        && let Some(folder) = Path::new(path).parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|error| {
            anyhow::anyhow!(
                "cannot create the database folder {}: {error}",
                folder.display()
            )
        })?;
    }
    let mut options = connect_options(settings);
    options
        .max_connections(settings.max_connections)
        .map_sqlx_sqlite_opts(sqlite_options);
    let db = Database::connect(options)
        .await
        .map_err(|error| anyhow::anyhow!("cannot connect to the database: {error}"))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while one writer commits; the setting persists in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok(db)
}

/// What every pool of ours is opened with: the URL, the timeouts, no statement logging.
fn connect_options(settings: &DatabaseSettings) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .sqlx_logging(false);
    options
}

/// Every SQLite connection's settings.
///
/// In WAL mode, NORMAL syncs at checkpoints instead of at every commit: a power cut can lose
/// the last commits but never corrupts the file (SQLite's recommended pairing). Every
/// connection needs it; it is a per-connection setting. Checkpoints (copying the WAL back into
/// the file, with an fsync) come every [`SQLITE_WAL_AUTOCHECKPOINT`] pages instead of every
/// 1,000: a page written many times in between is copied once, and under load checkpoints had
/// been 7 % of the server's core. Temporary storage in memory: a multi-row INSERT inside a
/// transaction keeps a statement journal (to undo itself alone on failure), which otherwise
/// goes to a temporary file through system calls (3 % of the server's samples under REST
/// verify load).
fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .synchronous(SqliteSynchronous::Normal)
        .pragma("wal_autocheckpoint", SQLITE_WAL_AUTOCHECKPOINT.to_string())
        .pragma("temp_store", "memory")
}

/// WAL pages between automatic checkpoints (SQLite's default is 1,000, about 4 MB): the WAL
/// grows to about 40 MB before it is copied back.
const SQLITE_WAL_AUTOCHECKPOINT: u32 = 10_000;

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), waiting for it under the busy timeout: a deferred transaction that
/// reads first and then writes fails at once with "database is locked" when another
/// connection (a batch writer, say) wrote in between. While it waits, this process's background
/// writers begin nothing ([`background::foreground_first`]), and this process's foreground
/// write transactions begin in turn. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    // One at a time: SQLite's waiters poll for the lock rather than queue for it, and several
    // polling at once missed the moments it came free between each other's transactions
    // (five connections polling together for up to 0.8 s in a benchmark run). Taken in turn,
    // each begins as the one before commits.
    let _turn = write_turn(db).await;
    begin_immediate(db).await
}

/// On SQLite, this process's turn to write ([`write_turn`]); empty on PostgreSQL.
#[must_use = "the turn passes on when it drops"]
struct WriteTurn {
    _permit: Option<SemaphorePermit<'static>>,
}

/// Waits for this process's turn to write on SQLite, the turn [`begin_write`] and
/// [`in_write_turn`] take. Returns at once on PostgreSQL.
async fn write_turn(db: &DatabaseConnection) -> WriteTurn {
    if db.get_database_backend() != DbBackend::Sqlite {
        return WriteTurn { _permit: None };
    }
    WriteTurn {
        _permit: background::foreground_turn().await,
    }
}

/// Runs one write that is a single statement outside a transaction (`statement`, not yet
/// polled) in this process's turn to write on SQLite, the turn [`begin_write`] takes: it
/// queues with the write transactions and goes ahead of the background writers instead of
/// polling for the lock on its own. The turn is held for that statement only, so it is never
/// held across other work. Never called by a task that holds a write transaction open (the
/// turn may be held by a write waiting for that transaction's lock). Runs `statement` at once
/// on PostgreSQL.
pub async fn in_write_turn<F: Future>(db: &DatabaseConnection, statement: F) -> F::Output {
    let _turn = write_turn(db).await;
    statement.await
}

/// [`begin_write`] for the background writers (on [`background`]'s connection): first lets
/// every foreground write transaction that waits to begin go ahead.
pub async fn begin_background_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        background::foreground_first().await;
    }
    begin_immediate(db).await
}

async fn begin_immediate(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Rows per INSERT statement of a batch, largest first. A batch is cut into statements of
/// these sizes, so each table's batch inserts use at most five SQL texts, which every pooled
/// connection prepares once and keeps (sqlx caches prepared statements by their text). A
/// statement of a new length is parsed afresh: under REST verify load the batches of a few
/// hundred rows each had a new length, and SQLite's parsing of them was 3.7 % of the server's
/// samples. Up to 512 rows (4,096 values for 8 columns, within SQLite's 32,766 and
/// PostgreSQL's 65,535): SQLite copies each page a statement first touches into its statement
/// journal (a statement of many rows can fail halfway and is then undone alone), and a
/// batch's statements each touch nearly every active user's index page, so fewer, larger
/// statements copy less (with 128 rows at most, the copies were 1.8 % of the server's core
/// under REST verify load).
const INSERT_STATEMENT_ROWS: [usize; 6] = [512, 128, 32, 8, 2, 1];

/// The statement sizes (from [`INSERT_STATEMENT_ROWS`]) `rows` rows are inserted in, largest
/// first; they add up to `rows`. Callers that need the batch to land whole run them in one
/// transaction.
fn insert_statement_sizes(rows: usize) -> impl Iterator<Item = usize> {
    let mut left = rows;
    std::iter::from_fn(move || {
        let size = INSERT_STATEMENT_ROWS
            .into_iter()
            .find(|&size| size <= left)?;
        left -= size;
        Some(size)
    })
}

/// Inserts `rows` into `table`, each the values of `columns` in order, in statements of the
/// sizes [`insert_statement_sizes`] gives: run it in a transaction for the batch to land whole.
///
/// For the batch writers' tables (the verification trail, the fingerprints, the sessions'
/// sampled scores), which take a row or two per request or per session. The statement's text
/// is written here, and the values are bound as they come: building each batch through
/// sea-query (an `ActiveModel` per row, the statement tree, its values cloned out of it, and
/// all of it dropped) was over a quarter of the batch writers' own time: their thread took
/// 7.4 % of the server's core under REST verify load, 5.4 % since. The same text and values
/// reach the database either way.
pub async fn insert_rows<E: EntityTrait, C: ConnectionTrait, const N: usize>(
    db: &C,
    table: E,
    columns: [E::Column; N],
    mut rows: impl ExactSizeIterator<Item = [Value; N]>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let columns = columns.map(|column| column.as_str());
    for size in insert_statement_sizes(rows.len()) {
        let values: Vec<Value> = rows.by_ref().take(size).flatten().collect();
        let sql = insert_sql(backend, table.table_name(), &columns, size);
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// `INSERT INTO "table" ("a", "b") VALUES (?, ?), (?, ?)` for `rows` rows, with the
/// backend's placeholders (`$1, $2, …` on PostgreSQL).
fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write as _;
    let quoted: Vec<String> = columns
        .iter()
        .map(|column| format!("\"{column}\""))
        .collect();
    let mut sql = format!("INSERT INTO \"{table}\" ({}) VALUES ", quoted.join(", "));
    let mut placeholder = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            placeholder += 1;
            match backend {
                DbBackend::Postgres => {
                    let _ = write!(sql, "${placeholder}");
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// `items` (the bound values of an `IN` list, or the rows of an `UPDATE … CASE`) lengthened to
/// the next power of two by repeating the last: the statement's text then has one of a few
/// lengths, which each pooled connection prepares once and keeps, instead of a new length
/// almost every time. A repeated id changes neither what an `IN` matches nor what a `CASE`
/// sets. At 10,000 live sessions the lockout sweep's and the progress writes' statements of
/// ever-new lengths had SQLite preparing ~1,000-value statements ten times a second (4.4 % of
/// the server's samples).
pub fn padded_to_power_of_two<T: Clone>(mut items: Vec<T>) -> Vec<T> {
    if let Some(last) = items.last().cloned() {
        items.resize(items.len().next_power_of_two(), last);
    }
    items
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|error| anyhow::anyhow!("database migration failed: {error}"))
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// `sqlite://./data/x.db?mode=rwc` → `./data/x.db`; `None` for other databases and in-memory.
fn sqlite_file_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::{
        INSERT_STATEMENT_ROWS, insert_sql, insert_statement_sizes, padded_to_power_of_two,
        sqlite_file_path,
    };
    use sea_orm::DbBackend;
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    /// The text sea-query built for the same rows, on both backends.
    #[test]
    fn insert_sql_is_the_text_sea_query_builds() {
        for rows in [1, 2, 5] {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("trail"))
                .columns([Alias::new("user_id"), Alias::new("score")]);
            for row in 0..rows {
                insert.values_panic([(row as i64).into(), 0.5.into()]);
            }
            let columns = ["user_id", "score"];
            let (sqlite, _) = insert.build(SqliteQueryBuilder);
            assert_eq!(
                insert_sql(DbBackend::Sqlite, "trail", &columns, rows),
                sqlite
            );
            let (postgres, _) = insert.build(PostgresQueryBuilder);
            assert_eq!(
                insert_sql(DbBackend::Postgres, "trail", &columns, rows),
                postgres
            );
        }
    }

    #[test]
    fn padding_repeats_the_last_item_up_to_a_power_of_two() {
        assert_eq!(padded_to_power_of_two(Vec::<u8>::new()), Vec::<u8>::new());
        assert_eq!(padded_to_power_of_two(vec![7]), vec![7]);
        assert_eq!(padded_to_power_of_two(vec![1, 2, 3]), vec![1, 2, 3, 3]);
        assert_eq!(padded_to_power_of_two(vec![1, 2, 3, 4]), vec![1, 2, 3, 4]);
        let padded = padded_to_power_of_two((0..1000).collect::<Vec<u32>>());
        assert_eq!(padded.len(), 1024);
        assert!(padded[1000..].iter().all(|&last| last == 999));
    }

    #[test]
    fn a_batch_is_cut_into_few_statements_of_fixed_sizes_that_add_up() {
        for rows in 0..=1200 {
            let sizes: Vec<usize> = insert_statement_sizes(rows).collect();
            assert_eq!(sizes.iter().sum::<usize>(), rows);
            assert!(
                sizes
                    .iter()
                    .all(|size| INSERT_STATEMENT_ROWS.contains(size))
            );
            assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]), "{sizes:?}");
            // At most three of each smaller size (each is a quarter of the next) and one 1.
            assert!(sizes.len() <= rows / 128 + 3 * 3 + 1, "{rows}: {sizes:?}");
        }
    }

    #[tokio::test]
    async fn a_single_write_holds_the_turn_the_background_writers_wait_for() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let (finish, finished) = tokio::sync::oneshot::channel::<()>();
        let write = tokio::spawn(async move {
            super::in_write_turn(&db, async { finished.await.unwrap() }).await;
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let background = tokio::spawn(super::background::foreground_first());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !background.is_finished(),
            "went ahead of a write in its turn"
        );
        finish.send(()).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), background)
            .await
            .expect("let go once the write is done")
            .unwrap();
        write.await.unwrap();
    }

    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(
            sqlite_file_path("sqlite://./data/a.db?mode=rwc"),
            Some("./data/a.db")
        );
        assert_eq!(sqlite_file_path("sqlite:/tmp/b.db"), Some("/tmp/b.db"));
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://postgres@localhost/test"), None);
    }
}
