//! Where the external tools live once `tests/clients/install.sh` ran, and the SKIPPED rule.

use std::path::PathBuf;

/// The folder of this test area (`tests/clients`).
pub fn area() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// The Python virtual environment `install.sh` fills.
pub fn venv_bin(tool: &str) -> PathBuf {
    area().join(".venv/bin").join(tool)
}

/// An npm package's command from `install.sh`'s `npm ci`.
pub fn node_bin(tool: &str) -> PathBuf {
    area().join("node_modules/.bin").join(tool)
}

fn tools_required() -> bool {
    std::env::var("REQUIRE_TOOLS").is_ok_and(|value| value == "1" || value == "true")
}

/// `true` when every path exists. Otherwise prints a loud banner and returns `false` — or
/// panics when `REQUIRE_TOOLS=1`, so CI never passes on a skipped test.
pub fn available(test: &str, paths: &[PathBuf]) -> bool {
    let missing: Vec<String> = paths
        .iter()
        .filter(|path| !path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "SKIPPED: {test}: missing {} (run tests/clients/install.sh)",
        missing.join(", ")
    );
    if tools_required() {
        panic!("{message}; REQUIRE_TOOLS=1 makes this a failure");
    }
    eprintln!("\n{}\n{message}\n{}\n", "=".repeat(78), "=".repeat(78));
    false
}
