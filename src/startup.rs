//! Wiring: `Application::build` connects the database, applies migrations, binds the listener,
//! starts the notifier and lockout actors (and the scheduled backup task when configured) and
//! assembles the HTTP app, whose factory starts one model-registry actor per HTTP worker;
//! `run_until_stopped` serves until SIGTERM/SIGINT (graceful: in-flight requests get `server.shutdown_timeout_secs` to finish),
//! then stops the notifier. Tests build with port 0 and their own database.

use std::net::TcpListener;

use actix::{Actor, Addr};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::actors::lockout::{Attach, Lockout};
use crate::actors::model_registry::ModelRegistry;
use crate::actors::notifier::{Notifier, Shutdown};
use crate::backup;
use crate::configuration::Settings;
use crate::error;
use crate::http1_server;
use crate::metrics::track_requests;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::telemetry::echo_request_id;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

pub struct Application {
    port: u16,
    server: Server,
    /// Stopped after the server, while the runtime still runs.
    notifier: Option<Addr<Notifier>>,
    /// The scheduled-backup task, when a target is configured; stopped with the server.
    backups: Option<actix_web::rt::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = store::connect(&settings.database).await?;
        store::migrate(&db).await?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|error| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {error}",
                    settings.server.host,
                    settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        // The notifier runs on this (the main) arbiter for as long as the system does.
        let notifier = if settings.notifier.enabled {
            let notifier = Notifier::new(db.clone(), settings.notifier.clone(), &settings.smtp)?;
            Some(notifier.start())
        } else {
            None
        };
        let wake = notifier.clone().map(Addr::recipient);
        let backups = backup::schedule::start(db.clone(), settings.backup.clone());
        let background = store::background::connect(&settings.database, &db).await?;
        let state = AppState::new(settings, db, background)?.with_notifier(wake);
        // Models retrained by another process on the same database replace the cached ones.
        state.models.refresh_regularly(state.db.clone());
        let lockout = Lockout::new().start();
        let state = web::Data::new(state.with_lockout(Some(lockout.clone())));
        lockout.do_send(Attach(state.clone().into_inner()));
        let server = serve(listener, state)?;
        tracing::info!(port, "behavioral-auth listening");
        Ok(Application {
            port,
            server,
            notifier,
            backups,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside (tests); `run_until_stopped` then stops the notifier.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(backups) = self.backups {
            backups.abort();
        }
        if let Some(notifier) = self.notifier {
            let _ = notifier.send(Shutdown).await;
        }
        served
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let server_settings = state.settings.server.clone();
    let app = move || {
        // One model registry per worker thread, beside the live sessions it scores (this
        // factory runs on each worker): a score does not cross threads twice, and scoring
        // grows with the workers instead of queueing on one thread.
        let registry = ModelRegistry::new(
            state.db.clone(),
            state.models.clone(),
            state.settings.biometrics.clone(),
        )
        .start();
        let max_body = state.settings.server.max_body_bytes;
        let sample_limit = state.settings.biometrics.max_body_bytes;
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(state.clone())
            .app_data(web::Data::new(registry))
            .app_data(error::json_config(max_body))
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(error::path_config())
            .app_data(error::query_config())
            .configure(|config| routes::configure(config, sample_limit))
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, api))
            .service(web::redirect("/docs", "/docs/"))
            .configure(routes::pages::configure)
            .default_service(web::to(error::not_found))
            .wrap(from_fn(track_requests))
            .wrap(from_fn(echo_request_id))
            .wrap(TracingLogger::default())
    };
    Ok(http1_server::serve(
        listener,
        server_settings.workers,
        server_settings.shutdown_timeout_secs,
        app,
    )?)
}
