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
fn who_may_post_and_react_is_anyone_or_signed_in_and_signed_in_needs_a_secret() {
    let secret = "a secret of the site that is long enough";
    for (args, said) in [
        (
            vec!["--sso-secret", secret, "--posting", "everyone"],
            "--posting \"everyone\"",
        ),
        (
            vec!["--sso-secret", secret, "--reacting", "members"],
            "--reacting \"members\"",
        ),
        (vec!["--posting", "signed-in"], "needs --sso-secret"),
        (vec!["--reacting", "signed-in"], "needs --sso-secret"),
    ] {
        let out = chime()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(&args)
            .env_remove("CHIME_SSO_SECRET")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(said), "{args:?}: {stderr}");
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

/// Kills a started `chime serve` however the test ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_first_password_goes_to_a_private_file_not_to_a_service_log() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("first.db");
    let child = chime()
        .args(["serve", "--addr", "127.0.0.1:0", "--database"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("piped");
    let mut printed = String::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Chime is listening") {
            break;
        }
    }
    let file = dir.path().join("chime-admin-password");
    let password = std::fs::read_to_string(&file).expect("the password file");
    let password = password.trim();
    assert_eq!(password.len(), 20);
    assert!(!printed.contains(password), "{printed}");
    assert!(printed.contains(&file.display().to_string()), "{printed}");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&db), 0o600);
    drop(running);

    // An export redirected into a file others could read is made private.
    let export = dir.path().join("export.jsonl");
    std::fs::write(&export, b"").expect("made");
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let status = chime()
        .args(["export", "--database"])
        .arg(&db)
        .stdout(std::fs::File::create(&export).expect("opened"))
        .status()
        .expect("runs");
    assert!(status.success());
    assert_eq!(mode(&export), 0o600);
    assert!(std::fs::metadata(&export).expect("exists").len() > 0);
}

#[tokio::test]
async fn healthcheck_says_whether_the_server_here_answers() {
    let app = chime_test_support::app::spawn_app().await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    let out = tokio::task::spawn_blocking(move || {
        chime().args(["healthcheck", "--addr", &addr]).output()
    })
    .await
    .expect("joined")
    .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A port nobody listens on: 1, and one line saying so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = chime()
        .args(["healthcheck", "--addr", &format!("127.0.0.1:{port}")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("chime: no server at"));
}

#[test]
fn import_from_another_system_says_what_it_did_or_where_the_file_breaks() {
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}", dir.path().join("c.db").display());
    let export = dir.path().join("disqus.xml");
    std::fs::write(
        &export,
        r#"<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><id>one</id><link>https://news.example/one/</link></thread>
<post dsq:id="10"><message><![CDATA[<p>Hi</p>]]></message><createdAt>2020-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Ann</name></author><thread dsq:id="1"/></post>
</disqus>"#,
    )
    .expect("written");
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "--database", &database, "--from", "disqus"];
        args.extend_from_slice(extra);
        chime().args(&args).output().expect("runs")
    };
    let path = export.to_str().expect("a path");
    let dry = import(&[path, "--dry-run"]);
    let said = String::from_utf8_lossy(&dry.stderr);
    assert_eq!(dry.status.code(), Some(0), "{said}");
    assert!(said.contains("Imported 1: 1 visible"), "{said}");
    assert!(said.contains("A dry run: nothing was written."), "{said}");
    assert!(said.contains("There is no store at"), "{said}");
    assert!(
        !dir.path().join("c.db").exists(),
        "a dry run makes no store where there was none"
    );
    let real = import(&[path, "--article", "id"]);
    let said = String::from_utf8_lossy(&real.stderr);
    assert!(said.contains("on 1 articles (1 new"), "{said}");
    // A store at an older schema (its newest migration set aside): a dry
    // run will not migrate it, and changes nothing.
    let store = dir.path().join("c.db");
    let sql = |statements: &str| {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()",
                store.to_str().expect("a path"),
                statements,
            ])
            .output()
            .expect("python3 runs");
        assert!(out.status.success(), "{out:?}");
    };
    sql("CREATE TABLE newest AS SELECT * FROM _sqlx_migrations \
         WHERE version = (SELECT max(version) FROM _sqlx_migrations); \
         DELETE FROM _sqlx_migrations WHERE version IN (SELECT version FROM newest);");
    let before = std::fs::read(&store).expect("the store");
    let dry = import(&[path, "--dry-run"]);
    let said = String::from_utf8_lossy(&dry.stderr);
    assert_eq!(dry.status.code(), Some(2), "{said}");
    assert!(
        said.contains("lacks 1 of this version's schema changes"),
        "{said}"
    );
    assert!(said.contains("run `chime migrate` first"), "{said}");
    assert_eq!(
        std::fs::read(&store).expect("the store"),
        before,
        "the refused dry run changed nothing"
    );
    sql("INSERT INTO _sqlx_migrations SELECT * FROM newest; DROP TABLE newest;");
    let again = import(&[path, "--article", "id"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("1 imported before"));

    std::fs::write(&export, "<disqus><post>").expect("written");
    let broken = import(&[path]);
    let said = String::from_utf8_lossy(&broken.stderr);
    assert_eq!(broken.status.code(), Some(1), "{said}");
    assert!(said.contains("nothing was written: byte "), "{said}");
    let unknown = import(&["--spam", "maybe", path]);
    assert_eq!(unknown.status.code(), Some(2));
    let no_file = import(&[]);
    assert_eq!(no_file.status.code(), Some(2), "--from needs a file");
}
