//! A real server on a free port with a fresh SQLite database, and what the clients need from
//! it: the served OpenAPI document and real typing (CMU benchmark rows) to enrol and verify.

use std::path::Path;
use std::process::Stdio;

use behavioral_auth::configuration::Settings;
use behavioral_auth::evaluation::{cmu, data_dir};
use behavioral_auth::startup::Application;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

pub const PASSWORD: &str = "correct horse battery staple";
/// The CMU subject whose typing the clients enrol and verify.
const SUBJECT: &str = "s002";
/// Enrolment samples the default settings need before a fixed-text profile trains.
const ENROLMENTS: usize = 5;
/// The fixed text the samples are typed for.
pub const TEXT_ID: &str = "passphrase";

pub struct TestServer {
    pub address: String,
    database_url: String,
    handle: actix_web::dev::ServerHandle,
    _folder: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with test settings (no auth rate limit, no alert delivery), changed
    /// further by `customise`.
    pub async fn start(customise: impl FnOnce(&mut Settings)) -> TestServer {
        let folder = tempfile::tempdir().expect("temporary folder");
        let mut settings = Settings::defaults().expect("built-in settings parse");
        settings.server.port = 0;
        settings.server.workers = 2;
        let database_url = format!("sqlite://{}/clients.db?mode=rwc", folder.path().display());
        settings.database.url = database_url.clone();
        settings.notifier.enabled = false;
        settings.rate_limit.auth_per_minute = 0;
        customise(&mut settings);
        let application = Application::build(settings)
            .await
            .expect("application builds");
        let address = format!("http://127.0.0.1:{}", application.port());
        let handle = application.handle();
        actix_web::rt::spawn(application.run_until_stopped());
        TestServer {
            address,
            database_url,
            handle,
            _folder: folder,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Saves the document the server serves at `/api-docs/openapi.json` to `path`.
    pub async fn save_openapi(&self, path: &Path) {
        let response = reqwest::get(self.url("/api-docs/openapi.json"))
            .await
            .expect("the document is served");
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("the document's text");
        std::fs::write(path, text).expect("write the document");
    }

    /// Registers `username` (password [`PASSWORD`]) and returns an access token.
    pub async fn user_token(&self, username: &str) -> String {
        let client = reqwest::Client::new();
        let registered = client
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("register sent");
        assert_eq!(registered.status(), 201, "{username} registers");
        self.token(username).await
    }

    /// Creates an admin through the real `behavioral-auth create-admin` command (password on
    /// stdin) and returns an access token for it.
    pub async fn admin_token(&self, username: &str) -> String {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_behavioral-auth"))
            .args(["create-admin", "--username", username])
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
            .expect("write the password");
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
        self.token(username).await
    }

    /// A fresh access token of an existing account with password [`PASSWORD`].
    pub async fn token(&self, username: &str) -> String {
        let login: Value = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("login sent")
            .json()
            .await
            .expect("login answer");
        login["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a token for {username}: {login}"))
            .to_owned()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Writes `{"enrol": [five samples], "verify": sample}` of one CMU subject typing the
/// passphrase `.tie5Roanl` (not the account password: a password profile would make every
/// later login need typing too): real rhythm, replayed as key events.
pub fn save_samples(path: &Path) {
    let rows: Vec<cmu::CmuRow> =
        cmu::load(&data_dir().join("keystroke/DSL-StrongPasswordData.csv"))
            .expect("the CMU benchmark is in ../shared/data")
            .into_iter()
            .filter(|row| row.subject == SUBJECT)
            .collect();
    let sample = |row: &cmu::CmuRow| -> Value {
        let mut sample = cmu::to_sample(row);
        sample.text_id = Some(TEXT_ID.to_owned());
        serde_json::to_value(sample).expect("a sample serialises")
    };
    let samples = json!({
        "enrol": rows.iter().take(ENROLMENTS).map(sample).collect::<Vec<_>>(),
        "verify": sample(&rows[ENROLMENTS + 10]),
    });
    std::fs::write(path, samples.to_string()).expect("write the samples");
}
