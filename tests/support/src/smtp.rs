//! A real SMTP server for the tests that send mail: Python's aiosmtpd
//! from PyPI (`./dev test` installs it and names its Python in
//! `CHIME_TEST_AIOSMTPD`), keeping what it takes in a maildir the tests
//! read, decoded by Python's own `email` package as a mail program would.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// aiosmtpd on a free port, storing mail in a maildir; stopped on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
    python: String,
}

/// A mail as a mail program reads it: headers decoded (RFC 2047), the
/// body decoded from its transfer encoding.
#[derive(Debug, serde::Deserialize)]
pub struct Mail {
    pub headers: std::collections::HashMap<String, String>,
    pub body: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Reads mails with Python's own `email` package (the one aiosmtpd runs
/// on), so the test reads what a mail program would.
const DECODE: &str = r#"
import email, json, sys
from email import policy
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    out.append({"headers": {k: str(v) for k, v in m.items()}, "body": m.get_content()})
print(json.dumps(out))
"#;

impl SmtpServer {
    /// Every mail taken so far, decoded, oldest first.
    pub fn decoded(&self) -> Vec<Mail> {
        let new = self.maildir.path().join("mail/new");
        let mut paths: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(new)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| {
                        let at = e
                            .metadata()
                            .and_then(|m| m.modified())
                            .unwrap_or(std::time::UNIX_EPOCH);
                        (at, e.path())
                    })
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        let output = Command::new(&self.python)
            .arg("-c")
            .arg(DECODE)
            .args(paths.iter().map(|(_, p)| p))
            .output()
            .expect("python reads the mails");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("decoded mails")
    }

    /// Waits for `n` mails, decoded.
    pub async fn until_decoded(&self, n: usize) -> Vec<Mail> {
        self.until(n).await;
        self.decoded()
    }

    pub async fn start() -> Self {
        let python = std::env::var("CHIME_TEST_AIOSMTPD")
            .expect("CHIME_TEST_AIOSMTPD: the Python that has aiosmtpd (./dev test installs it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port")
            .port();
        let maildir = tempfile::tempdir().expect("dir");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        // Held at once, so that it is stopped however the test ends.
        let server = Self {
            child,
            port,
            maildir,
            python: std::env::var("CHIME_TEST_AIOSMTPD").unwrap_or_default(),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start");
    }

    /// Every mail taken so far, whole.
    pub fn mails(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let mut mails: Vec<String> = std::fs::read_dir(new)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        mails.sort();
        mails
    }

    pub async fn until(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{n} mails did not come: {:#?}", self.mails());
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
