//! The binary itself: configuration layering and refusals at start-up, `migrate`.

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_behavioral-auth");

#[test]
fn production_mode_refuses_the_built_in_jwt_key() {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .env("APP__APP__ENVIRONMENT", "production")
        .env("PORT", "0")
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("built-in JWT key"), "{stderr}");
}

#[test]
fn migrate_creates_the_default_sqlite_file_under_data() {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .env_remove("DATABASE_URL")
        .arg("migrate")
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(folder.path().join("data/behavioral-auth.db").exists());
}

#[test]
fn a_config_file_and_app_variables_are_layered_over_the_defaults() {
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("override.toml");
    std::fs::write(&config, "[lockout]\nmax_failures = 0\n").unwrap();
    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .expect("run the binary");
    assert!(!output.status.success(), "the file's invalid value is seen");
    assert!(String::from_utf8_lossy(&output.stderr).contains("max_failures"));

    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .env("APP__LOCKOUT__MAX_FAILURES", "3")
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "the variable overrides the file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn create_admin_refuses_an_empty_password() {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .args(["create-admin", "--username", "root-admin"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no password"));
}

#[test]
fn the_server_serves_on_port_and_stops_cleanly_on_sigterm() {
    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap();
    let mut server = Command::new(BINARY)
        .current_dir(folder.path())
        .env("PORT", port.to_string())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("start the server");

    let healthy = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut stream| {
            use std::io::{Read, Write};
            let request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            let mut answer = String::new();
            stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
        })
    });
    assert!(healthy, "the server answers /health on PORT");
    assert!(
        folder.path().join("data/behavioral-auth.db").exists(),
        "SQLite by default"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "a clean exit after SIGTERM: {status}");
}

#[test]
fn evaluate_runs_the_cmu_protocols_end_to_end_and_writes_its_report() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("report");
    let output = Command::new(BINARY)
        .args([
            "evaluate",
            "--dataset",
            "cmu",
            "--max-subjects",
            "6",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run the binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("mean EER"), "{stdout}");
    assert!(
        stdout.contains("Scaled Manhattan"),
        "the paper's figures beside ours: {stdout}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evaluation.json")).unwrap())
            .unwrap();
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "genuine-only and background protocols");
    for result in results {
        let fused = &result[1]["summaries"][0];
        assert_eq!(fused["detector"], "fused");
        assert_eq!(fused["subjects"], 6);
        let eer = fused["mean_eer"].as_f64().unwrap();
        assert!(
            (0.0..0.3).contains(&eer),
            "a working detector on CMU: {eer}"
        );
        assert!(
            result[1]["det"]
                .as_array()
                .is_some_and(|points| points.len() > 10)
        );
    }
    let svg = std::fs::read_to_string(out.join("det-cmu.svg")).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2);
}
