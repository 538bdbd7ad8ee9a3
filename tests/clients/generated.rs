//! Clients generated from the served OpenAPI document — Python by `openapi-python-client`,
//! TypeScript by `openapi-typescript` + `openapi-fetch` — register, log in, enrol five real
//! typing samples and verify a sixth against a running server. The scripts (`python/flow.py`,
//! `typescript/flow.ts`) stop on any unexpected answer; this test then checks what they
//! report against the server's own view of the account.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

use crate::server::{PASSWORD, TEXT_ID, TestServer, save_samples};
use crate::tools::{area, available, node_bin, venv_bin};

/// Generating, type-checking and running one client on a loaded 2-core machine.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

#[actix_web::test]
async fn a_generated_python_client_registers_logs_in_enrols_and_verifies() {
    let generator = venv_bin("openapi-python-client");
    let python = venv_bin("python");
    if !available(
        "generated Python client",
        &[generator.clone(), python.clone()],
    ) {
        return;
    }
    let server = TestServer::start(|_| {}).await;
    let work = tempfile::tempdir().expect("temporary folder");
    server.save_openapi(&work.path().join("openapi.json")).await;
    save_samples(&work.path().join("samples.json"));

    run(
        "openapi-python-client generate",
        Command::new(&generator)
            .args(["generate", "--meta", "none", "--path", "openapi.json"])
            .args(["--output-path", "behavioral_auth_client"])
            // ruff formats the generated code; it is installed beside the generator.
            .env("PATH", path_with(&venv_bin("")))
            .current_dir(work.path()),
    )
    .await;
    let report = run(
        "python/flow.py",
        Command::new(&python)
            .arg(area().join("python/flow.py"))
            .env("PYTHONPATH", work.path())
            .envs(flow_environment(&server, "py_client", work.path())),
    )
    .await;

    check_report(&server, "py_client", &report).await;
    server.stop().await;
}

#[actix_web::test]
async fn a_generated_typescript_client_registers_logs_in_enrols_and_verifies() {
    let generator = node_bin("openapi-typescript");
    let compiler = node_bin("tsc");
    let runner = node_bin("tsx");
    if !available(
        "generated TypeScript client",
        &[generator.clone(), compiler.clone(), runner.clone()],
    ) {
        return;
    }
    let server = TestServer::start(|_| {}).await;
    let work = tempfile::tempdir().expect("temporary folder");
    server.save_openapi(&work.path().join("openapi.json")).await;
    save_samples(&work.path().join("samples.json"));
    for file in [
        "typescript/flow.ts",
        "typescript/tsconfig.json",
        "package.json",
    ] {
        let source = area().join(file);
        let name = source.file_name().expect("a file name");
        std::fs::copy(&source, work.path().join(name)).expect("copy the client script");
    }
    std::os::unix::fs::symlink(
        area().join("node_modules"),
        work.path().join("node_modules"),
    )
    .expect("link the installed packages");

    run(
        "openapi-typescript",
        Command::new(&generator)
            .args(["openapi.json", "--output", "schema.d.ts"])
            .current_dir(work.path()),
    )
    .await;
    // The script only compiles if the generated types match how it uses the API.
    run(
        "tsc",
        Command::new(&compiler)
            .args(["--project", "tsconfig.json"])
            .current_dir(work.path()),
    )
    .await;
    let report = run(
        "typescript/flow.ts",
        Command::new(&runner)
            .arg("flow.ts")
            .current_dir(work.path())
            .envs(flow_environment(&server, "ts_client", work.path())),
    )
    .await;

    check_report(&server, "ts_client", &report).await;
    server.stop().await;
}

fn flow_environment(server: &TestServer, username: &str, work: &Path) -> Vec<(String, String)> {
    vec![
        ("BASE_URL".to_owned(), server.address.clone()),
        ("USERNAME".to_owned(), username.to_owned()),
        ("PASSWORD".to_owned(), PASSWORD.to_owned()),
        (
            "SAMPLES".to_owned(),
            work.join("samples.json").display().to_string(),
        ),
    ]
}

/// `PATH` with `folder` in front.
fn path_with(folder: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", folder.display())
}

/// Runs a command to completion within [`STEP_TIMEOUT`]; it must succeed. Returns the last
/// line of its standard output parsed as JSON, or `Null` when it prints none.
async fn run(what: &str, command: &mut Command) -> Value {
    let output = tokio::time::timeout(STEP_TIMEOUT, command.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {STEP_TIMEOUT:?}"))
        .unwrap_or_else(|error| panic!("{what} could not start: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("the report is JSON"))
        .unwrap_or(Value::Null)
}

/// The client's account of the flow agrees with the server's: the same user, five enrolled
/// samples, a trained model and a verification with a decision that matches its score.
async fn check_report(server: &TestServer, username: &str, report: &Value) {
    eprintln!("{username} reported: {report}");
    assert_eq!(report["me_username"], username, "{report}");
    assert_eq!(report["wrong_password_code"], "invalid_credentials");
    assert_eq!(report["enrolled"], serde_json::json!([1, 2, 3, 4, 5]));
    assert_eq!(report["ready"], true);
    assert_eq!(
        report["profile_key"],
        format!("keystroke/desktop/{TEXT_ID}")
    );
    let score = report["score"].as_f64().expect("a score");
    let threshold = report["threshold"].as_f64().expect("a threshold");
    assert!((0.0..=1.0).contains(&score), "{report}");
    assert!((0.0..=1.0).contains(&threshold), "{report}");
    assert!(report["model_version"].as_i64().is_some_and(|v| v >= 1));
    assert!(["allow", "challenge", "deny"].contains(&report["decision"].as_str().unwrap_or("")));
    if score >= threshold {
        assert_eq!(report["decision"], "allow", "{report}");
    } else {
        assert_ne!(report["decision"], "allow", "{report}");
    }

    let client = reqwest::Client::new();
    let login: Value = client
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login answer");
    let token = login["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {login}"));
    let me: Value = client
        .get(server.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me sent")
        .json()
        .await
        .expect("me answer");
    assert_eq!(
        me["user_id"], report["user_id"],
        "the client registered this user"
    );
    let profile: Value = client
        .get(server.url("/api/v1/biometrics/profile"))
        .bearer_auth(token)
        .send()
        .await
        .expect("profile sent")
        .json()
        .await
        .expect("profile answer");
    let password_profile = &profile["profiles"][0];
    assert_eq!(password_profile["ready"], true, "{profile}");
    assert!(
        password_profile["samples"].as_u64().is_some_and(|n| n >= 5),
        "the five enrolled samples are stored: {profile}"
    );
}
