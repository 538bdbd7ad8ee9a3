//! The replay check's top-up reads the fingerprints stored since its last read that another
//! process wrote (`writer` other than its own). With the lookup index on (user, profile, key
//! count) alone, SQLite found the rows since the last read in the index but read each of them
//! from the table to see its `writer`: under the benchmark's REST verify load, where every row
//! is this process's own, that was some four hundred table reads per profile a second, a few
//! per cent of the server's core. The new index also holds `id` and `writer`, so the rows since
//! the last read are a range of it and the other writers' rows are picked from it; only those
//! are read from the table. It replaces the old index (its leading columns are the same, so the
//! purge and the newest-id lookup read it as before) rather than adding a second one to write.
//!
//! The new index has a name of its own and is created before the old one is dropped: each
//! statement may run on another pooled connection, and a SQLite connection that has not yet
//! seen the drop would refuse to create an index of the same name.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The index on (user, profile, key count) this migration replaces.
const OLD_INDEX: &str = "idx_keystroke_fingerprints_lookup";
/// The index on (user, profile, key count, id, writer) it is replaced by.
const NEW_INDEX: &str = "idx_keystroke_fingerprints_since";

const KEY: [KeystrokeFingerprints; 3] = [
    KeystrokeFingerprints::UserId,
    KeystrokeFingerprints::ProfileKey,
    KeystrokeFingerprints::KeyCount,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            KEY.as_slice(),
            &[KeystrokeFingerprints::Id, KeystrokeFingerprints::Writer],
        ]
        .concat();
        replace_index(manager, OLD_INDEX, NEW_INDEX, &columns).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_index(manager, NEW_INDEX, OLD_INDEX, &KEY).await
    }
}

/// Creates the index `new` on `columns`, then drops the index `old`.
async fn replace_index(
    manager: &SchemaManager<'_>,
    old: &str,
    new: &str,
    columns: &[KeystrokeFingerprints],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(new).table(KeystrokeFingerprints::Table);
    for &column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await?;
    manager
        .drop_index(
            Index::drop()
                .name(old)
                .table(KeystrokeFingerprints::Table)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum KeystrokeFingerprints {
    Table,
    Id,
    UserId,
    ProfileKey,
    KeyCount,
    Writer,
}
