//! `behavioral-auth`: parses the command line and hands over to `cli::run`.

use clap::Parser;

use behavioral_auth::cli::{Cli, run};

/// mimalloc instead of glibc's malloc: the request and event paths allocate many small,
/// short-lived values (JSON, events, feature rows) across threads, where glibc's arenas were
/// a tenth of the server's core under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
