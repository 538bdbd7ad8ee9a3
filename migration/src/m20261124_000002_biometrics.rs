//! Biometric profiles: enrolled and labelled samples (feature vectors, never raw key codes),
//! trained per-user models, and verification results.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BiometricSamples::Table)
                    .if_not_exists()
                    .col(big_pk_auto(BiometricSamples::Id))
                    .col(uuid(BiometricSamples::UserId))
                    .col(string(BiometricSamples::ProfileKey))
                    .col(string(BiometricSamples::Modality))
                    .col(string(BiometricSamples::Device))
                    .col(string_null(BiometricSamples::TextId))
                    .col(string_null(BiometricSamples::SequenceHash))
                    .col(json(BiometricSamples::Features))
                    .col(double(BiometricSamples::Quality))
                    .col(string(BiometricSamples::Label))
                    .col(string(BiometricSamples::Source))
                    .col(timestamp_with_time_zone(BiometricSamples::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BiometricSamples::Table, BiometricSamples::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_biometric_samples_profile")
                    .table(BiometricSamples::Table)
                    .col(BiometricSamples::ProfileKey)
                    .col(BiometricSamples::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BiometricModels::Table)
                    .if_not_exists()
                    .col(big_pk_auto(BiometricModels::Id))
                    .col(uuid(BiometricModels::UserId))
                    .col(string(BiometricModels::ProfileKey))
                    .col(integer(BiometricModels::Version))
                    .col(json(BiometricModels::Model))
                    .col(integer(BiometricModels::GenuineCount))
                    .col(integer(BiometricModels::NegativeCount))
                    .col(double_null(BiometricModels::EstimatedEer))
                    .col(double(BiometricModels::Threshold))
                    .col(timestamp_with_time_zone(BiometricModels::TrainedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BiometricModels::Table, BiometricModels::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_biometric_models_user_profile")
                    .table(BiometricModels::Table)
                    .col(BiometricModels::UserId)
                    .col(BiometricModels::ProfileKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BiometricVerifications::Table)
                    .if_not_exists()
                    .col(big_pk_auto(BiometricVerifications::Id))
                    .col(uuid(BiometricVerifications::UserId))
                    .col(string(BiometricVerifications::ProfileKey))
                    .col(big_integer_null(BiometricVerifications::SampleId))
                    .col(double(BiometricVerifications::Score))
                    .col(string(BiometricVerifications::Decision))
                    .col(integer(BiometricVerifications::ModelVersion))
                    .col(string(BiometricVerifications::Context))
                    .col(timestamp_with_time_zone(BiometricVerifications::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                BiometricVerifications::Table,
                                BiometricVerifications::UserId,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_biometric_verifications_user")
                    .table(BiometricVerifications::Table)
                    .col(BiometricVerifications::UserId)
                    .col(BiometricVerifications::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BiometricVerifications::Table.into_iden(),
            BiometricModels::Table.into_iden(),
            BiometricSamples::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BiometricSamples {
    Table,
    Id,
    UserId,
    ProfileKey,
    Modality,
    Device,
    TextId,
    SequenceHash,
    Features,
    Quality,
    Label,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BiometricModels {
    Table,
    Id,
    UserId,
    ProfileKey,
    Version,
    Model,
    GenuineCount,
    NegativeCount,
    EstimatedEer,
    Threshold,
    TrainedAt,
}

#[derive(DeriveIden)]
enum BiometricVerifications {
    Table,
    Id,
    UserId,
    ProfileKey,
    SampleId,
    Score,
    Decision,
    ModelVersion,
    Context,
    CreatedAt,
}
