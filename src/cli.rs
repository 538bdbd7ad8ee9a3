//! The command line: `behavioral-auth [--config PATH] [serve | migrate | create-admin |
//! evaluate | models export|import]`.
//! With no command the server runs.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::accounts::{self, Registration};
use crate::auth::client::ClientInfo;
use crate::backup::commands as backup;
use crate::configuration::Settings;
use crate::report::{self, Dataset, EvaluateOptions};
use crate::startup::Application;
use crate::state::AppState;
use crate::store;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "behavioral-auth", version, about)]
pub struct Cli {
    /// A configuration file layered over the built-in defaults (TOML).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP and WebSocket (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account; the password is read from the first line of standard input.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Measure accuracy (EER) on the public datasets in ../shared/data (or $BEHAVIORAL_AUTH_DATA)
    /// with the server's own extraction and detectors; prints tables, writes JSON and DET plots.
    Evaluate {
        /// Datasets to run (repeatable); all of them by default.
        #[arg(long = "dataset", value_enum)]
        datasets: Vec<Dataset>,
        /// Worker threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Output folder for evaluation.json and det-*.svg.
        #[arg(long, default_value = "evaluation-report")]
        out: PathBuf,
        /// Only the first N subjects of CMU and Aalto (a quick pipeline check).
        #[arg(long)]
        max_subjects: Option<usize>,
    },
    /// Back up or restore every user, biometric sample and model (see `backup`).
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Write a checksummed bundle of every user, sample and model to FILE (mode 0600: it
    /// holds password hashes and typing features).
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a bundle into an empty database (refused otherwise); all or nothing.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let settings = load_settings(cli.config.as_deref())?;
            let application = Application::build(settings).await?;
            application.run_until_stopped().await?;
        }
        Command::Migrate => {
            let settings = load_settings(cli.config.as_deref())?;
            let db = store::connect(&settings.database).await?;
            store::migrate(&db).await?;
            tracing::info!("migrations applied");
        }
        Command::CreateAdmin { username, email } => {
            let settings = load_settings(cli.config.as_deref())?;
            create_admin(settings, username, email).await?;
        }
        Command::Evaluate {
            datasets,
            threads,
            out,
            max_subjects,
        } => {
            // Offline and CPU-bound: no configuration or database involved.
            let options = EvaluateOptions {
                datasets: if datasets.is_empty() {
                    Dataset::ALL.to_vec()
                } else {
                    datasets
                },
                threads,
                out_dir: out,
                max_subjects,
            };
            tokio::task::spawn_blocking(move || report::run(&options)).await??;
        }
        Command::Models { command } => {
            let settings = load_settings(cli.config.as_deref())?;
            let (verb, counts) = match command {
                ModelsCommand::Export { out } => {
                    ("exported", backup::export(&settings, &out).await?)
                }
                ModelsCommand::Import { file } => {
                    ("imported", backup::import(&settings, &file).await?)
                }
            };
            // The command's answer, on stdout whatever the log level.
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "{verb} {} users, {} samples, {} models",
                counts.users, counts.samples, counts.models
            )?;
        }
    }
    Ok(())
}

fn load_settings(path: Option<&std::path::Path>) -> anyhow::Result<Settings> {
    let settings = Settings::load(path)?;
    telemetry::init(&settings.logging);
    Ok(settings)
}

async fn create_admin(
    settings: Settings,
    username: String,
    email: Option<String>,
) -> anyhow::Result<()> {
    let password = read_password_from_stdin()?;
    let db = store::connect(&settings.database).await?;
    store::migrate(&db).await?;
    let state = AppState::new(settings, db.clone(), db)?;
    let client = ClientInfo {
        ip: None,
        user_agent: Some("behavioral-auth create-admin".into()),
    };
    let registration = Registration {
        username,
        password,
        email,
    };
    let admin = accounts::register(&state, registration, store::users::ROLE_ADMIN, &client)
        .await
        .map_err(|error| anyhow::anyhow!("cannot create the admin: {error}"))?;
    tracing::info!(user_id = %admin.id, username = %admin.username, "admin created");
    Ok(())
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!(
            "no password on standard input (pipe it in: echo \"$PW\" | behavioral-auth create-admin --username NAME)"
        );
    }
    Ok(password)
}
