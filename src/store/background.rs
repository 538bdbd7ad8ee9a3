//! The connection the background writers use: the batched rows (verification trail, replay
//! fingerprints, live sessions' progress and scores) and the fingerprints' purge.
//!
//! On SQLite the database's work is done by a thread of this process, one per connection
//! (sqlx's worker), on the same cores as the request and event handlers. A batch of two
//! thousand rows, a purge deleting thousands or a WAL checkpoint keeps that thread busy for
//! tens of milliseconds or more, and the kernel shares the core evenly between it and the HTTP
//! worker meanwhile: at 10,000 live sessions, the scores of every session on that worker come
//! late together. So the background writers get a connection of their own, opened once and
//! never recycled, whose thread runs at a lower priority (`database.background_nice`): it gets
//! the core whenever the handlers leave it idle, and a share of it when they do not (a nice
//! value of 10 weighs about a tenth of the handlers'). Under a sustained overload the writers
//! fall behind rather than the handlers; [`crate::batch_writer::MAX_QUEUED_ROWS`] bounds how
//! far, and their callers then wait (BatchWriter::queue), so nothing is dropped and memory
//! stays bounded. BENCHMARKS.md, sixteenth measurement, has the figures.
//!
//! On PostgreSQL the work is done by the database's own processes: the writers share the pool.
//!
//! **Foreground writes go first.** SQLite has one write lock, and a connection that finds it
//! taken polls for it, sleeping 1, 2, 5 … up to 100 ms between looks. The lowered thread holds
//! the lock through each of its transactions, which a busy core stretches tenfold, and under
//! REST verify load it begins the next batch soon after one commits: the request pool's
//! connections (a verified sample adapted into its profile, a retrained model) polled past
//! gaps they missed for up to 2.8 s, and verifies waited up to 2.7 s (BENCHMARKS.md,
//! twenty-first measurement). So while a foreground transaction of this
//! process waits for the lock ([`super::begin_write`]), the background writers begin none
//! ([`foreground_first`]): the lock comes free when their current one commits. The foreground
//! transactions themselves begin one at a time: all take turns in one queue. A foreground write
//! that is a single statement outside a transaction (a live session's ticket, its end, a passed
//! step-up, a login nonce, a login's cleared failure count, an adapted sample, a trained model,
//! an alert's delivery lease, an admin's retrain audit) holds the same turn across the
//! statement ([`super::in_write_turn`]), so every write of this process's request handlers and
//! actors waits in that one queue.

use std::sync::LazyLock;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{connect_options, sqlite_options};
use crate::configuration::DatabaseSettings;

/// The background connection's thread name (a Linux thread name holds at most 15 bytes).
const THREAD_NAME: &str = "db-background";

/// How long a writer waits for the background connection before its batch fails.
const TURN_TIMEOUT: Duration = Duration::from_secs(600);

/// The connection for the background writers: on SQLite, one of its own, its thread at
/// `background_nice`; otherwise (and for an in-memory SQLite database, which a second
/// connection would not see) `db` itself.
pub async fn connect(
    settings: &DatabaseSettings,
    db: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if db.get_database_backend() != DbBackend::Sqlite
        || super::sqlite_file_path(&settings.url).is_none()
    {
        return Ok(db.clone());
    }
    let mut options = connect_options(settings);
    // One connection, opened now and kept: a connection opened later would have a new thread
    // at the ordinary priority. The writers take turns on it, and a batch that could not get
    // it would be lost (a batch is never retried), so a writer waits for its turn as long as
    // a lowered thread under a sustained overload could make it wait.
    options
        .min_connections(1)
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(TURN_TIMEOUT)
        .map_sqlx_sqlite_opts(|options| {
            sqlite_options(options).thread_name(|_| THREAD_NAME.to_owned())
        });
    let background = Database::connect(options).await.map_err(|error| {
        anyhow::anyhow!("cannot connect to the database for background writes: {error}")
    })?;
    // The pool opens its connection in the background: a statement waits for it.
    background.execute_unprepared("SELECT 1").await?;
    if settings.background_nice > 0 {
        match lower_priority(THREAD_NAME, settings.background_nice) {
            Ok(0) => tracing::warn!("the background writer's database thread was not found"),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "cannot lower the background writer's priority")
            }
        }
    }
    Ok(background)
}

/// The turn to write on SQLite, FIFO: a foreground transaction holds it while it waits to
/// begin, a foreground single statement across the statement, and a background writer queues
/// for it and passes it straight on ([`foreground_first`]). Process-wide: one process serves
/// one database (in the tests, servers of other databases in the same process at worst wait a
/// few milliseconds).
static WRITE_TURN: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

/// Waits for the turn to write in the foreground ([`super::begin_write`],
/// [`super::in_write_turn`]); the turn passes on when the permit drops.
pub(super) async fn foreground_turn() -> Option<SemaphorePermit<'static>> {
    // Never closed; without a permit the transaction would only begin out of turn.
    WRITE_TURN.acquire().await.ok()
}

/// Returns once every foreground write transaction of this process that waits to begin has
/// begun: a background writer calls it before each transaction or statement it writes (see
/// the module's text).
pub async fn foreground_first() {
    drop(WRITE_TURN.acquire().await);
}

/// Gives this process's threads named `name` the nice value `nice`; returns how many.
///
/// On Linux the nice value belongs to each thread (setpriority(2), "Notes"): `PRIO_PROCESS`
/// with a thread's id sets that thread alone. Raising a nice value (lowering the priority)
/// needs no privilege.
#[cfg(target_os = "linux")]
fn lower_priority(name: &str, nice: i32) -> std::io::Result<usize> {
    let mut lowered = 0;
    for task in std::fs::read_dir("/proc/self/task")? {
        let task = task?;
        let Ok(comm) = std::fs::read_to_string(task.path().join("comm")) else {
            continue; // the thread ended meanwhile
        };
        if comm.trim_end() != name {
            continue;
        }
        let thread = task
            .file_name()
            .to_str()
            .and_then(|id| id.parse().ok())
            .and_then(rustix::process::Pid::from_raw);
        if let Some(thread) = thread {
            rustix::process::setpriority_process(Some(thread), nice)?;
            lowered += 1;
        }
    }
    Ok(lowered)
}

/// Elsewhere the nice value is the whole process's: the thread keeps its priority (and the
/// warning says so, rather than that the thread was not found).
#[cfg(not(target_os = "linux"))]
fn lower_priority(_name: &str, _nice: i32) -> std::io::Result<usize> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::lower_priority;

    #[test]
    fn only_the_named_thread_is_lowered() {
        let (ready, wait) = std::sync::mpsc::channel();
        let (done, finish) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("nice-test".into())
            .spawn(move || {
                ready
                    .send(rustix::process::getpriority_process(None))
                    .unwrap();
                finish.recv().ok();
                rustix::process::getpriority_process(None)
            })
            .unwrap();
        assert!(wait.recv().unwrap().unwrap() < 19);
        let mine = rustix::process::getpriority_process(None).unwrap();
        // The lowest priority there is, which any thread may take.
        assert_eq!(lower_priority("nice-test", 19).unwrap(), 1);
        done.send(()).unwrap();
        assert_eq!(thread.join().unwrap().unwrap(), 19);
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), mine);
    }
}
