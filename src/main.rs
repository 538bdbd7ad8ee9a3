//! `behavioral-auth`: parses the command line and hands over to `cli::run`.

use clap::Parser;

use behavioral_auth::cli::{Cli, run};

/// mimalloc instead of glibc's malloc: the request and event paths allocate many small,
/// short-lived values (JSON, events, feature rows) across threads, where glibc's arenas were
/// a tenth of the server's core under load.
///
/// Built with `no_thp` (Cargo.toml): otherwise mimalloc advises the kernel to back its heap
/// with 2 MiB transparent huge pages, and a huge page is resident as a whole once any byte of
/// it is touched. An idle session's connection buffers are mostly never written; with huge
/// pages they were resident all the same (19.6 KiB per idle session against 12.3 KiB
/// without; BENCHMARKS.md, eighth measurement). The price is a few points of a core under
/// heavy session load.
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
