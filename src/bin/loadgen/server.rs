//! The processes under test: the server (on a fresh SQLite file) and the bare echo anchor,
//! each started on its own port, pinned with `taskset` to the server's cores, and killed
//! when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// How long a freshly started process gets to accept connections (migrations included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running process under test.
pub struct Process {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
}

/// A free loopback port (bound, read and released; the process binds it next).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether `taskset` is on the PATH (util-linux).
pub fn have_taskset() -> bool {
    std::process::Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Pins this process (before its runtime starts threads, which inherit the mask) to `cpus`.
pub fn pin_self(cpus: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new("taskset")
        .args(["-c", "-p", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .context("running taskset")?;
    if !status.success() {
        bail!("taskset -c -p {cpus} failed");
    }
    Ok(())
}

/// The binary `name` next to this one (both are built into the same target folder).
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating loadgen")?;
    let path = me.with_file_name(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release --bins)",
            path.display()
        );
    }
    Ok(path)
}

impl Process {
    /// Starts `binary` on a free port with `env`, pinned to `cpus` when given, and waits
    /// until it accepts connections. Its output goes to `log`.
    pub async fn start(
        binary: &Path,
        cpus: Option<&str>,
        env: &[(String, String)],
        log: &Path,
    ) -> anyhow::Result<Process> {
        let port = free_port()?;
        let mut command = match cpus {
            Some(cpus) => {
                let mut command = Command::new("taskset");
                command.args(["-c", cpus]).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let log_file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        command
            .env("PORT", port.to_string())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("the process exited at once")?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut process = Process { child, addr, pid };
        let started = Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            if let Some(status) = process.child.try_wait()? {
                bail!(
                    "{} exited with {status} (see {})",
                    binary.display(),
                    log.display()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "{} did not listen within {START_TIMEOUT:?}",
                    binary.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(process)
    }

    /// CPU time the process has used so far.
    pub fn cpu_time(&self) -> Duration {
        crate::stats::cpu_time_of(&self.pid.to_string())
    }

    /// Resident memory in KiB.
    pub fn resident_kib(&self) -> Option<u64> {
        crate::stats::resident_kib(self.pid)
    }

    /// Kills the process and waits for it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The cores of a `taskset -c` list (`0`, `0,2`, `0-3`); empty where it names none.
pub fn cores_of(list: &str) -> Vec<usize> {
    list.split(',')
        .flat_map(|part| {
            let part = part.trim();
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            match (first.trim().parse::<usize>(), last.trim().parse::<usize>()) {
                (Ok(first), Ok(last)) if first <= last => (first..=last).collect(),
                _ => Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_lists_read_as_taskset_writes_them() {
        assert_eq!(cores_of("0"), [0]);
        assert_eq!(cores_of("0,2"), [0, 2]);
        assert_eq!(cores_of("1-3"), [1, 2, 3]);
        assert!(cores_of("").is_empty());
        assert!(cores_of("x").is_empty());
    }
}
