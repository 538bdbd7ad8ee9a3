//! The browser pages in a real Chromium: starts the real server binary on a free port with a
//! fresh SQLite file and settings suited to the tests, creates an admin with the real
//! `create-admin` command, then runs `node tests/browser/run.mjs`, which drives Debian's
//! Chromium through `playwright-core` over the spec modules (`*.spec.mjs`).
//!
//! Then a second server, the same but with the optional TypingDNA detector on (pattern type
//! `diagram`) against a stand-in of TypingDNA's API on loopback (the API tests' stand-in, which
//! enforces its documented rules), for `typingdna.spec.mjs` alone: the pages must record and
//! send TypingDNA patterns there, and never on the first server, where it is off. A second
//! server rather than a switch: the setting is read at start-up, as in production.
//!
//! Without node, the npm packages or Chromium the test prints a loud SKIPPED banner and passes,
//! unless `REQUIRE_TOOLS=1` (as CI sets), when it fails. `tests/browser/install.sh` installs
//! all three. Screenshots and the server log go to `tests/artifacts/browser/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::io::Write;

// The API tests' stand-in of TypingDNA's API; this test reads only part of what it records.
#[allow(dead_code)]
#[path = "../api/typingdna/stand_in.rs"]
mod stand_in;

use stand_in::TypingDnaStandIn;

/// Where Debian installs Chromium (what `run.mjs` launches).
const CHROMIUM: &str = "/usr/bin/chromium";
const ADMIN_USERNAME: &str = "browser-admin";
const ADMIN_PASSWORD: &str = "a long browser-test admin passphrase";
/// How long the server may take to answer `/ready`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the whole browser run may take before it counts as hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// The credentials the TypingDNA stand-in accepts (and the second server is given).
const TYPINGDNA_API_KEY: &str = "browser-test-api-key";
const TYPINGDNA_API_SECRET: &str = "browser-test-api-secret";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn area() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// What is missing to run the browser tests, if anything.
fn missing_tools() -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|status| status.success()) {
        return Some("node is not installed".into());
    }
    if !area().join("node_modules/playwright-core").is_dir() {
        return Some("tests/browser/node_modules has no playwright-core (npm ci)".into());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is not installed (Debian package chromium)"
        ));
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

fn wait_until_ready(base_url: &str, server: &mut Server) {
    let started = Instant::now();
    let address = base_url.trim_start_matches("http://").to_owned();
    while started.elapsed() < STARTUP_TIMEOUT {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited during start-up: {status} (see the server log)");
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            let request =
                format!("GET /ready HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && std::io::Read::read_to_string(&mut stream, &mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
            {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the server did not become ready within {STARTUP_TIMEOUT:?}");
}

fn create_admin(database_url: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_behavioral-auth"))
        .args(["create-admin", "--username", ADMIN_USERNAME])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start create-admin");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .expect("write the admin password");
    let output = child.wait_with_output().expect("create-admin finishes");
    assert!(
        output.status.success(),
        "create-admin failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_pages_work_in_a_real_browser() {
    if let Some(missing) = missing_tools() {
        let banner = "=".repeat(78);
        eprintln!(
            "\n{banner}\nSKIPPED: browser tests: {missing} (run tests/browser/install.sh)\n{banner}\n"
        );
        assert!(
            std::env::var("REQUIRE_TOOLS").as_deref() != Ok("1"),
            "REQUIRE_TOOLS=1 but {missing}"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let artifacts = root.join("tests/artifacts/browser");
    std::fs::create_dir_all(&artifacts).expect("create the artifacts folder");

    // TypingDNA off (the default): every spec but typingdna.spec.mjs.
    run_specs(&artifacts, &[]);

    // TypingDNA on, against the stand-in: typingdna.spec.mjs.
    let stand_in = start_stand_in();
    run_specs(
        &artifacts,
        &[
            ("APP__TYPINGDNA__API_KEY", TYPINGDNA_API_KEY),
            ("APP__TYPINGDNA__API_SECRET", TYPINGDNA_API_SECRET),
            ("APP__TYPINGDNA__BASE_URL", &stand_in.url),
            (
                "APP__TYPINGDNA__ID_SALT",
                "a browser-test salt of 16+ bytes",
            ),
            ("APP__TYPINGDNA__PATTERN_TYPE", "diagram"),
            ("APP__TYPINGDNA__TIMEOUT_MS", "5000"),
        ],
    );
    let requests = stand_in.requests();
    let calls = |action: &str| -> Vec<_> {
        requests
            .iter()
            .filter(|request| request.path.starts_with(&format!("/{action}/")))
            .collect()
    };
    let (saves, verifies) = (calls("save"), calls("verify"));
    let summary = requests
        .iter()
        .map(|request| {
            format!(
                "{} {} -> {}",
                request.method, request.path, request.answered
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The signup saves one pattern per password attempt (at least 5); free text saves none.
    assert!(saves.len() >= 5, "TypingDNA saves: {summary}");
    assert!(
        saves
            .iter()
            .all(|save| save.answered == 200 && save.answer["message_code"] == 1),
        "every save was accepted as a new diagram pattern: {summary}"
    );
    let pattern = |body: &str| {
        url::form_urlencoded::parse(body.as_bytes())
            .find(|(name, _)| name == "tp")
            .map(|(_, tp)| tp.into_owned())
            .unwrap_or_default()
    };
    assert!(
        saves.iter().all(|save| pattern(&save.body).contains('|')),
        "only diagram (`|`-separated) patterns were saved: {summary}"
    );
    // The login and the step-up verified their patterns; with 5+ saved patterns TypingDNA
    // gave a verdict each time.
    assert!(verifies.len() >= 2, "TypingDNA verifications: {summary}");
    assert!(
        verifies
            .iter()
            .all(|verify| verify.answered == 200 && verify.answer.get("result").is_some()),
        "every verification got a verdict: {summary}"
    );
}

/// The TypingDNA stand-in, served on its own thread's actix system for the rest of the test.
fn start_stand_in() -> TypingDnaStandIn {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let stand_in = TypingDnaStandIn::start(TYPINGDNA_API_KEY, TYPINGDNA_API_SECRET);
            sender
                .send(stand_in)
                .expect("the test waits for the stand-in");
            std::future::pending::<()>().await;
        });
    });
    receiver.recv().expect("the TypingDNA stand-in started")
}

/// Starts a server with `extra` settings on a fresh database, creates the admin, and runs
/// `run.mjs` against it (`TYPINGDNA=on` when `extra` turns TypingDNA on); fails on a failed run.
fn run_specs(artifacts: &Path, extra: &[(&str, &str)]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let typingdna_on = extra
        .iter()
        .any(|(name, _)| *name == "APP__TYPINGDNA__API_KEY");
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        folder.path().join("browser.db").display()
    );
    let port = free_port();
    let base_url = format!("http://127.0.0.1:{port}");
    // Named by port: two runs in one checkout must not write over each other's log.
    let log = std::fs::File::create(artifacts.join(format!("server-{port}.log")))
        .expect("create the server log");

    let mut command = Command::new(env!("CARGO_BIN_EXE_behavioral-auth"));
    command
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &database_url)
        .env("APP__SERVER__HOST", "127.0.0.1")
        .env("APP__SESSIONS__ALLOWED_ORIGINS", &base_url)
        // A missed challenge ends the session in 20 s, not 30 (the slowest CMU typist needs ~10 s).
        .env("APP__SESSIONS__CHALLENGE_DEADLINE_MS", "20000")
        .env("APP__RATE_LIMIT__AUTH_PER_MINUTE", "0")
        // An impostor is challenged first (the scenario) rather than denied outright.
        .env("APP__BIOMETRICS__DENY_BELOW", "0")
        .env("APP__NOTIFIER__ENABLED", "false")
        .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn");
    if !typingdna_on {
        // One behaviour failure locks the account, so the impostor spec ends in a lockout.
        command.env("APP__LOCKOUT__MAX_FAILURES", "1");
    }
    command.envs(extra.iter().copied());
    let mut server = Server(
        command
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start the server"),
    );
    wait_until_ready(&base_url, &mut server);
    create_admin(&database_url);

    let mut node = Command::new("node")
        .arg(area().join("run.mjs"))
        .current_dir(area())
        .env("BASE_URL", &base_url)
        .env("ADMIN_USERNAME", ADMIN_USERNAME)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ARTIFACTS_DIR", artifacts)
        .env("DATA_DIR", root.join("../shared/data"))
        .env("TYPINGDNA", if typingdna_on { "on" } else { "off" })
        .spawn()
        .expect("start node");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = node.try_wait().expect("poll node") {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = node.kill();
            panic!("the browser run took longer than {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        status.success(),
        "the browser run failed ({status}); screenshots and server-{port}.log in {}",
        artifacts.display()
    );
}
