//! `chime serve` as a child process on a free port, killed when dropped.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running `chime serve`, killed (and reaped) when dropped.
pub struct ChildServer {
    pub child: Child,
    pub port: u16,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ChildServer {
    /// Starts `chime serve` on `database` with `extra` arguments, quiet,
    /// without waiting for it.
    pub fn spawn(
        chime: &Path,
        database: impl AsRef<OsStr>,
        extra: &[&str],
    ) -> std::io::Result<Self> {
        let port = free_port();
        let child = Command::new(chime)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .arg("--database")
            .arg(database)
            .args(extra)
            // Tests and benchmarks post in bursts the surge guard would
            // hold (flags in `extra` win over these).
            .env("CHIME_SURGE_POSTS", "0")
            .env("CHIME_SURGE_REPORTS", "0")
            .env("CHIME_LOG", "warn")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Self { child, port })
    }

    /// Starts `chime serve` and waits until `/healthz` answers 200.
    pub async fn start(
        chime: &Path,
        database: impl AsRef<OsStr>,
        extra: &[&str],
    ) -> std::io::Result<Self> {
        let server = Self::spawn(chime, database, extra)?;
        server.ready().await?;
        Ok(server)
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits (30 s at most) until `/healthz` answers 200.
    pub async fn ready(&self) -> std::io::Result<()> {
        let started = Instant::now();
        let port = self.port;
        loop {
            let healthy = tokio::task::spawn_blocking(move || healthz(port))
                .await
                .unwrap_or(false);
            if healthy {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("chime serve on port {port} did not answer /healthz within 30 s"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resident memory now and at its peak, in bytes (from /proc).
    pub fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The peak resident memory since the last call, which starts the next
    /// period (Linux resets the peak when "5" is written to clear_refs).
    pub fn peak(&self) -> u64 {
        let (_, peak) = self.memory();
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
        peak
    }
}

/// One plain HTTP/1.1 request: whether `/healthz` answers 200. (No client
/// library: the benchmark and the tests use different ones.)
fn healthz(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}
