//! schemathesis (PyPI) over every operation of a live server, authenticated — a user's token,
//! an admin's for the admin operations, a spare one for logout (see
//! `tests/clients/schemathesis.toml`). It fails on any 5xx, any status code or content type
//! the document does not declare, any response that violates its schema, and any request
//! that takes longer than the configured timeout. Lockout is off so the generated wrong
//! passwords never lock the accounts the run depends on.

use std::time::Duration;

use tokio::process::Command;

use crate::server::TestServer;
use crate::tools::{area, available, venv_bin};

/// The whole run; it takes well under a minute on an idle 2-core machine.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

#[actix_web::test]
async fn schemathesis_finds_no_server_error_or_schema_violation_in_any_operation() {
    let schemathesis = venv_bin("st");
    if !available("schemathesis", std::slice::from_ref(&schemathesis)) {
        return;
    }
    let server = TestServer::start(|settings| {
        // Generated logins with wrong passwords must not lock the accounts under test.
        settings.lockout.max_failures = u32::MAX / 2;
        settings.auth.access_token_ttl_secs = 3600;
    })
    .await;
    let admin_token = server.admin_token("fuzz_admin").await;
    let user_token = server.user_token("fuzz_user").await;
    let logout_token = server.token("fuzz_user").await;

    // schemathesis keeps a cache folder in its working directory; keep it out of the tree.
    let scratch = tempfile::tempdir().expect("temporary folder");
    let run = Command::new(&schemathesis)
        .current_dir(scratch.path())
        .arg("--no-color")
        .arg("--config-file")
        .arg(area().join("schemathesis.toml"))
        .arg("run")
        .arg(server.url("/api-docs/openapi.json"))
        .args(["--phases", "examples,coverage,fuzzing", "--workers", "2"])
        .env("ADMIN_TOKEN", admin_token)
        .env("USER_TOKEN", user_token)
        .env("LOGOUT_TOKEN", logout_token)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {RUN_TIMEOUT:?}"))
        .expect("schemathesis starts");
    let report = String::from_utf8_lossy(&output.stdout);
    let summary: String = report
        .lines()
        .skip_while(|line| !line.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("{summary}");
    assert!(
        output.status.success(),
        "schemathesis found problems ({}):\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let operations = operation_count(&server).await;
    assert!(
        summary.contains(&format!("Tested: {operations}")),
        "all {operations} operations were tested:\n{summary}"
    );
    server.stop().await;
}

/// How many (method, path) operations the served document has.
async fn operation_count(server: &TestServer) -> usize {
    let document: serde_json::Value = reqwest::get(server.url("/api-docs/openapi.json"))
        .await
        .expect("the document is served")
        .json()
        .await
        .expect("the document is JSON");
    document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .filter_map(|item| item.as_object())
        .map(|methods| methods.len())
        .sum()
}
