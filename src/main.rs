//! `behavioral-auth`: parses the command line and hands over to `cli::run`.

use clap::Parser;

use behavioral_auth::cli::{Cli, run};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("behavioral-auth: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
