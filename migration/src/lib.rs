//! Schema migrations of behavioral-auth. The server applies them at start-up and
//! `behavioral-auth migrate` applies them on demand; both call [`Migrator::up`].
//!
//! Every migration runs on SQLite and PostgreSQL alike, so only portable column types are used
//! (timestamps with time zone are stored as text on SQLite, `timestamptz` on PostgreSQL).

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_accounts;
mod m20261124_000002_biometrics;
mod m20261124_000003_alerts;
mod m20261124_000004_sessions;
mod m20261124_000005_session_control;
mod m20261124_000006_session_scores;
mod m20261124_000007_bot_defence;
mod m20261205_000008_fingerprint_writer;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_accounts::Migration),
            Box::new(m20261124_000002_biometrics::Migration),
            Box::new(m20261124_000003_alerts::Migration),
            Box::new(m20261124_000004_sessions::Migration),
            Box::new(m20261124_000005_session_control::Migration),
            Box::new(m20261124_000006_session_scores::Migration),
            Box::new(m20261124_000007_bot_defence::Migration),
            Box::new(m20261205_000008_fingerprint_writer::Migration),
        ]
    }
}
