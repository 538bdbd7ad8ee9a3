//! The load generator's smoke mode: a real echo server and a real server (fresh SQLite) are
//! started, users enrolled, and every step runs for a moment. Only that every step reports a
//! figure is checked — never a timing.

use std::process::Command;

const LOADGEN: &str = env!("CARGO_BIN_EXE_loadgen");

#[test]
fn a_quick_run_measures_every_step_and_prints_one_table() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("figures.md");
    let output = Command::new(LOADGEN)
        .current_dir(folder.path())
        .args(["--quick", "--server-cpus", "", "--generator-cpus", ""])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run loadgen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let table = std::fs::read_to_string(&out).unwrap();
    for step in [
        "| echo: memory per idle socket |",
        "| echo: peak |",
        "| REST verify | concurrency 1 |",
        "| REST verify | concurrency 4 |",
        "| REST verify, sustained | concurrency 8 for 2 s |",
        "| server: memory per idle socket |",
        "| WebSocket ingest | 4 sessions",
        "| WebSocket ingest | 8 sessions",
        "| server: peak |",
        "| echo (again): peak |",
        "| training |",
        "| retraining |",
    ] {
        assert!(table.contains(step), "no {step} row in:\n{table}\n{stderr}");
    }
    // Every step that sends something got answers back.
    for line in table
        .lines()
        .filter(|l| l.contains("ev/s |") || l.contains("req/s |"))
    {
        assert!(!line.contains("| 0.00 "), "a step measured nothing: {line}");
    }
    assert!(!table.contains("FAILED"), "{table}");
}
