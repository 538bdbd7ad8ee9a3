//! The schema's migrations, on both databases: each goes down and up again.

use migration::{Migrator, MigratorTrait};
use sea_orm::Database;

use crate::helpers::{Backend, fresh_database};
use crate::on_both_databases;

on_both_databases!(every_migration_goes_down_and_up_again);

async fn every_migration_goes_down_and_up_again(backend: Backend) {
    let Some((url, _folder)) = fresh_database(backend).await else {
        return;
    };
    let db = Database::connect(&url).await.expect("the fresh database");
    let applied = |db| async move {
        Migrator::get_applied_migrations(db)
            .await
            .expect("the migration table")
            .len()
    };

    Migrator::up(&db, None)
        .await
        .expect("every migration goes up");
    let all = Migrator::migrations().len();
    assert_eq!(applied(&db).await, all);
    Migrator::down(&db, None)
        .await
        .expect("every migration goes down");
    assert_eq!(applied(&db).await, 0);
    Migrator::up(&db, None).await.expect("and up again");
    assert_eq!(applied(&db).await, all);
}
