//! Serves an actix-web app over HTTP/1 only: what actix-web's `HttpServer` does with its
//! default settings, assembled from the same parts (actix-server, actix-http's HTTP/1
//! service, the app factory run once per worker).
//!
//! Why not `HttpServer` itself: it accepts HTTP/1 and HTTP/2 on every connection, so each
//! connection's task is sized for the larger HTTP/2 dispatcher (awc turns actix-http's `http2`
//! feature on for the whole build), and actix-server's spawn holds that future twice — 2,816
//! bytes a connection, against about half of that for the HTTP/1 dispatcher alone
//! (`-Zprint-type-sizes`, heaptrack). An idle live session is a connection first; this was its
//! largest cost after actix-http's two 8 KiB buffers. Nothing here speaks HTTP/2: TLS, and
//! with it protocol negotiation, ends at the proxy in front.
//!
//! The server (`behavioral-auth`) and the benchmarks' bare echo (`echo_server`) both serve
//! through [`serve`], so the echo stays the same stack as the server it anchors.

use std::future::ready;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_server::Server;
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::rt::net::TcpStream;

/// How long a client that has sent its request may take to read the whole response before the
/// connection is dropped (`HttpServer`'s default).
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves the apps `app` builds (one per worker thread) on `listener`. `workers` 0 means one
/// per core; a graceful stop gives connections `shutdown_timeout_secs` to finish.
pub fn serve<F, T, B>(
    listener: TcpListener,
    workers: usize,
    shutdown_timeout_secs: u64,
    app: F,
) -> std::io::Result<Server>
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let builder = Server::build();
    // Tells idle keep-alive connections to close when a graceful stop begins.
    let stopping = builder.graceful_shutdown_signal();
    let mut builder = builder
        .listen("http", listener, move || {
            let stopping = stopping.clone();
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .local_addr(addr)
                .h1(map_config(
                    app()
                        .into_factory()
                        .map_err(|error: actix_web::Error| error.error_response()),
                    // What `HttpServer` gives an app (it calls the same constructor): plain
                    // HTTP, and the listening address as the host of a request naming none.
                    move |()| AppConfig::__priv_test_new(false, addr.to_string(), addr),
                ));
            fn_service(|stream: TcpStream| {
                // Live sessions' frames and verify answers are small and wanted at once:
                // without this Nagle's algorithm holds a frame back until the client
                // acknowledges the previous one.
                let _ = stream.set_nodelay(true);
                let peer = stream.peer_addr().ok();
                ready(Ok::<_, DispatchError>((stream, peer)))
            })
            .and_then(http)
        })?
        .shutdown_timeout(shutdown_timeout_secs);
    if workers > 0 {
        builder = builder.workers(workers);
    }
    Ok(builder.run())
}
