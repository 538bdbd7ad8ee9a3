//! `spawn_app`: a real server on port 0 with its own database — a fresh SQLite file, or a
//! fresh PostgreSQL database on the server at `TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`).
//!
//! Without a reachable PostgreSQL the PostgreSQL variants are skipped with a loud message,
//! unless `REQUIRE_POSTGRES=1` (as `.ci/run` sets), which turns that into a failure.

use std::io::Write;
use std::process::Stdio;
use std::sync::OnceLock;

use behavioral_auth::configuration::Settings;
use behavioral_auth::startup::Application;
use reqwest::{Client, Response};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Test databases older than this are dropped when a test process starts.
const STALE_DATABASE_SECS: u64 = 3600;
/// How long to wait for PostgreSQL before calling it unreachable.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub db: DatabaseConnection,
    pub client: Client,
    /// Stops the server (and after it the notifier) while the test's runtime still runs.
    server: actix_web::dev::ServerHandle,
    /// Keeps a SQLite database's folder alive for the test's duration.
    _folder: Option<tempfile::TempDir>,
}

/// Declares each listed `async fn(Backend)` as two tests, `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}

/// Settings for a test server: defaults only (never the developer's environment), port 0.
pub fn test_settings() -> Settings {
    let mut settings = Settings::defaults().expect("built-in settings parse");
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.max_connections = 20;
    // Tests fire bursts (100 concurrent logins) on a 2-core machine that may be busy building:
    // waiting longer for a pooled connection keeps overload (503) out of correctness tests.
    settings.database.connect_timeout_secs = 30;
    // Delivering alerts needs the test's SMTP listener and receiver (`notifier.rs` turns it on).
    settings.notifier.enabled = false;
    // The tests send bursts from one address on purpose; `errors.rs` checks the limit itself.
    settings.rate_limit.auth_per_minute = 0;
    settings
}

/// Starts a server on its own fresh database; `None` when the backend is PostgreSQL and it
/// is not reachable (and not required).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    customise: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let (database_url, folder) = fresh_database(backend).await?;
    let mut settings = test_settings();
    settings.database.url = database_url.clone();
    customise(&mut settings);

    let application = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let server = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    let db = Database::connect(&database_url)
        .await
        .expect("test connects to its database");
    Some(TestApp {
        address,
        database_url,
        db,
        client: Client::new(),
        server: server.clone(),
        _folder: folder,
    })
}

/// A second server on an existing test database (a restart, or another process).
pub async fn spawn_app_on(database_url: &str, customise: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings();
    settings.database.url = database_url.to_owned();
    customise(&mut settings);
    let application = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let server = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    let db = Database::connect(database_url)
        .await
        .expect("test connects to its database");
    TestApp {
        address,
        database_url: database_url.to_owned(),
        db,
        client: Client::new(),
        server: server.clone(),
        _folder: None,
    }
}

/// A new empty database (nothing migrated yet): its URL and, for SQLite, the folder that
/// keeps the file alive; `None` when PostgreSQL is unreachable and not required.
pub async fn fresh_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    Some(match backend {
        Backend::Sqlite => {
            let folder = tempfile::tempdir().expect("temporary folder");
            let url = format!("sqlite://{}/test.db?mode=rwc", folder.path().display());
            (url, Some(folder))
        }
        Backend::Postgres => (fresh_postgres_database().await?, None),
    })
}

fn postgres_server_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn postgres_required() -> bool {
    std::env::var("REQUIRE_POSTGRES").is_ok_and(|value| value == "1" || value == "true")
}

/// Creates `ba_test_<unix time>_<random>` on the PostgreSQL server and returns its URL.
async fn fresh_postgres_database() -> Option<String> {
    let server_url = postgres_server_url();
    let Some(admin) = postgres_server(&server_url).await else {
        if postgres_required() {
            panic!("PostgreSQL is required (REQUIRE_POSTGRES=1) but {server_url} is unreachable");
        }
        return None;
    };
    drop_stale_databases_once(&admin).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let name = format!("ba_test_{now}_{}", Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the test database");
    let base = server_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&server_url);
    Some(format!("{base}/{name}"))
}

/// Connects to the PostgreSQL server; `None` when it is unreachable. Whether it is reachable
/// is probed once per process with a short timeout (a connection itself cannot be shared:
/// each test has its own runtime).
async fn postgres_server(server_url: &str) -> Option<DatabaseConnection> {
    static REACHABLE: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    let connect = || async {
        let mut options = ConnectOptions::new(server_url.to_owned());
        options
            .connect_timeout(PROBE_TIMEOUT)
            .acquire_timeout(PROBE_TIMEOUT)
            .max_connections(2)
            .sqlx_logging(false);
        Database::connect(options).await
    };
    let reachable = REACHABLE
        .get_or_init(|| async {
            match connect().await {
                Ok(connection) => {
                    let _ = connection.close().await;
                    true
                }
                Err(error) => {
                    warn_postgres_skipped(server_url, &error.to_string());
                    false
                }
            }
        })
        .await;
    if !*reachable {
        return None;
    }
    Some(connect().await.expect("PostgreSQL answered a moment ago"))
}

/// Says once per test process, on the real stderr (not captured by the test harness), that
/// the PostgreSQL half of the suite did not run.
fn warn_postgres_skipped(url: &str, error: &str) {
    static WARNED: OnceLock<()> = OnceLock::new();
    WARNED.get_or_init(|| {
        let banner = "!".repeat(78);
        let _ = writeln!(
            std::io::stderr(),
            "\n{banner}\n!!! PostgreSQL at {url} is unreachable ({error}).\n!!! The PostgreSQL \
             tests are SKIPPED: only SQLite was tested.\n!!! Start PostgreSQL or set \
             REQUIRE_POSTGRES=1 to make this a failure.\n{banner}\n"
        );
    });
}

async fn drop_stale_databases_once(admin: &DatabaseConnection) {
    static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    CLEANED
        .get_or_init(|| async {
            let Ok(rows) = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    "SELECT datname FROM pg_database WHERE datname LIKE 'ba_test_%'",
                ))
                .await
            else {
                return;
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs())
                .unwrap_or(0);
            for row in rows {
                let Ok(name) = row.try_get::<String>("", "datname") else {
                    continue;
                };
                let created = name
                    .strip_prefix("ba_test_")
                    .and_then(|rest| rest.split('_').next())
                    .and_then(|secs| secs.parse::<u64>().ok());
                if created.is_some_and(|created| now.saturating_sub(created) > STALE_DATABASE_SECS)
                {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            }
        })
        .await;
}

impl TestApp {
    /// Stops the server gracefully, so actors holding connections (the notifier's SMTP pool,
    /// database connections) are dropped while the runtime still runs.
    pub async fn stop(&self) {
        self.server.stop(true).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({ "username": username, "password": password }),
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Registers `username` with [`PASSWORD`] and returns its user id.
    /// A one-time nonce for a login that carries typing.
    pub async fn login_nonce(&self) -> String {
        let response = self.post_json("/api/v1/auth/nonce", &json!({})).await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 201, "{body}");
        body["nonce"].as_str().unwrap().to_owned()
    }

    pub async fn registered_user(&self, username: &str) -> Uuid {
        let response = self.register(username, PASSWORD).await;
        assert_eq!(response.status(), 201, "register {username}");
        let body: Value = response.json().await.expect("json");
        body["user_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("user_id")
    }

    /// Logs in and returns the access token.
    pub async fn token_for(&self, username: &str, password: &str) -> String {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200, "login {username}");
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates an admin through the real `behavioral-auth create-admin` command (password on
    /// stdin) against this app's database, and returns a token for it.
    pub async fn admin_token(&self, username: &str) -> String {
        self.admin_token_with_email(username, None).await
    }

    /// [`TestApp::admin_token`] for an admin with an email address (alerts go there).
    pub async fn admin_token_with_email(&self, username: &str, email: Option<&str>) -> String {
        let mut args = vec!["create-admin", "--username", username];
        if let Some(email) = email {
            args.extend(["--email", email]);
        }
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_behavioral-auth"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start create-admin");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .await
            .expect("write password");
        drop(stdin);
        let output = child
            .wait_with_output()
            .await
            .expect("create-admin finishes");
        assert!(
            output.status.success(),
            "create-admin failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.token_for(username, PASSWORD).await
    }
}

/// The status and parsed JSON body of a response.
pub async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.expect("JSON body");
    (status, body)
}
