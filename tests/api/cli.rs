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
