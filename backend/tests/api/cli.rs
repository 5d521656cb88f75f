//! The `chime` binary: configuration errors exit 2 with one line; moderators
//! are managed from the command line with the password on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn chime() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chime"))
}

#[test]
fn bad_configuration_exits_2_with_one_clear_line() {
    for args in [
        vec!["serve", "--addr", "not-an-address"],
        vec![
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--allowed-origins",
            "ftp://x",
        ],
        vec!["serve", "--addr", "127.0.0.1:0", "--database", "mysql://x"],
        vec![
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database",
            "sqlite:///nonexistent-dir/x/y.db",
        ],
    ] {
        let out = chime().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<_> = stderr.lines().filter(|l| l.starts_with("chime:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn a_zero_write_limit_is_refused() {
    for flag in [
        "--writes-per-minute-per-reader",
        "--writes-per-minute-per-address",
    ] {
        let out = chime()
            .args(["serve", "--addr", "127.0.0.1:0", flag, "0"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{stderr}");
    }
}

#[test]
fn moderators_are_added_listed_and_removed_with_passwords_from_stdin() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("m.db");
    let db = db.to_str().expect("utf-8 path");
    let add = |name: &str, password: &str| {
        let mut child = chime()
            .args(["moderator", "add", name, "--database", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("writes");
        child.wait_with_output().expect("finishes")
    };
    let out = add("alice", "correct horse battery");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = add("alice", "another password");
    assert!(!out.status.success(), "names are unique");
    let out = add("bob", "short");
    assert!(!out.status.success(), "weak passwords are refused");

    let out = chime()
        .args(["moderator", "list", "--database", db])
        .output()
        .expect("runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("alice\tmoderator"), "{listing}");
    assert!(
        !listing.contains("correct horse"),
        "the password is never shown"
    );

    let out = chime()
        .args(["moderator", "remove", "alice", "--database", db])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let out = chime()
        .args(["moderator", "list", "--database", db])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("alice"));
}
