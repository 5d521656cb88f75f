//! The release `chime` alone: copied to an empty folder, it serves the
//! demo article, the reader widget and the moderation view from inside
//! itself, in a real headless Chromium. Ignored by a plain `cargo test`
//! (it needs the release build with the widget in it); `./dev test` builds
//! that first and runs it.

use chime_tests::{TestResult, browser, free_port, until};
use fantoccini::Locator;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server, stopped with the test.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the release build with the widget inside (./dev test makes it)"]
async fn the_binary_alone_serves_the_article_the_widget_and_the_moderation_view() -> TestResult {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/chime");
    let dir = tempfile::tempdir()?;
    let chime = dir.path().join("chime");
    std::fs::copy(&built, &chime)
        .map_err(|e| format!("{}: {e} (./dev build makes it)", built.display()))?;
    let version = Command::new(&chime).arg("--version").output()?;
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    assert_eq!(
        version.trim(),
        format!("chime {}", env!("CARGO_PKG_VERSION"))
    );

    let addr = format!("127.0.0.1:{}", free_port());
    let _server = Server(
        Command::new(&chime)
            .args(["serve", "--addr", &addr, "--demo"])
            .current_dir(dir.path())
            .env_remove("CHIME_WIDGET_DIR")
            .env(
                "CHIME_DATABASE_URL",
                format!("sqlite://{}/chime.db", dir.path().display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    until(|| async {
        let healthy = Command::new(&chime)
            .args(["healthcheck", "--addr", &addr])
            .output()
            .ok()?;
        healthy.status.success().then_some(())
    })
    .await?;
    // Nothing in its folder but the binary and what it wrote itself (its
    // database, the first admin's password): no widget folder to read.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())?
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .filter(|n| !n.starts_with("chime.db") && n != "chime-admin-password")
        .collect();
    names.sort();
    assert_eq!(names, ["chime"]);

    let (_driver, client, _) = browser(1280, 900, None).await?;
    // The demo article, its widget with the demo's comments.
    client.goto(&format!("http://{addr}/")).await?;
    let host = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("chime-comments"))
        .await?;
    until(|| async {
        let root = host.shadow_root().await.ok()?;
        let comments = root
            .find_all(Locator::Css("[data-testid=comment]"))
            .await
            .ok()?;
        (!comments.is_empty()).then_some(())
    })
    .await?;
    // The moderation view, its own bundle.
    client.goto(&format!("http://{addr}/moderate")).await?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-testid=signin-form]"))
        .await?;
    client.close().await?;
    Ok(())
}
