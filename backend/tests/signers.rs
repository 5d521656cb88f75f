//! The token signers EMBED.md gives sites, in Python, PHP and Node, run as
//! printed (read from the document itself) and their tokens exchanged with
//! a real server: a newsroom that copies one gets a token Chime accepts.

use chime_backend::startup::config::SsoSecret;
use chime_shared::SsoSession;
use chime_test_support::app::*;
use chime_test_support::sso::SECRET;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::process::Command;

/// The code block in `language` under EMBED.md's "Signing a token".
fn signer(language: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/EMBED.md");
    let doc = std::fs::read_to_string(path).expect("EMBED.md");
    let section = doc
        .split("### Signing a token on your server")
        .nth(1)
        .expect("the signers' section");
    let section = section.split("\n### ").next().unwrap_or(section);
    let fence = format!("```{language}\n");
    let start = section.find(&fence).expect("a block in the language") + fence.len();
    let end = section[start..].find("\n```").expect("the block's end");
    section[start..start + end].to_owned()
}

/// Runs `program` on a file holding `code`; what it printed.
fn run(program: &str, extension: &str, code: &str) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join(format!("signer.{extension}"));
    std::fs::write(&file, code).expect("write");
    let out = Command::new(program)
        .arg(&file)
        .env("CHIME_SIGNING_SECRET", SECRET)
        .output()
        .unwrap_or_else(|e| panic!("{program} (./dev test installs it): {e}"));
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[ignore = "needs python3, php and node: ./dev test installs and runs them"]
#[tokio::test]
async fn the_python_php_and_node_signers_in_embed_md_make_tokens_chime_accepts() {
    let app = spawn_with(|s| {
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
    })
    .await;
    // The signers read the real clock.
    let behind =
        time::OffsetDateTime::now_utc() - chime_backend::clock::from_millis(app.state.now_ms());
    app.clock.advance(behind);
    let tokens = [
        (
            "Python",
            run(
                "python3",
                "py",
                &format!(
                    "{}\n\nprint(chime_token(7, 'Mei Python', ['Subscriber']))\n",
                    signer("python")
                ),
            ),
        ),
        (
            "PHP",
            run(
                "php",
                "php",
                &format!(
                    "{}\n\necho chime_token(7, 'Mei PHP', ['Subscriber']);\n",
                    signer("php")
                ),
            ),
        ),
        (
            "Node",
            run(
                "node",
                "js",
                &format!(
                    "{}\n\nconsole.log(chimeToken(7, 'Mei Node', ['Subscriber']));\n",
                    signer("js")
                ),
            ),
        ),
    ];
    for (language, token) in tokens {
        let response = app
            .request(Method::POST, "/sso/session", None)
            .json(&json!({ "token": token }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{language}: {token}");
        let session: SsoSession = response.json().await.expect("session");
        assert_eq!(session.reader.name, format!("Mei {language}"));
        assert_eq!(session.reader.badges, vec!["Subscriber"]);
        // The same site user, whichever language signed: one reader.
        let posted = app
            .request(Method::POST, "/articles/signers/comments", Some(&reader()))
            .header("X-Chime-Session", &session.session)
            .json(&json!({"author_name": "", "body": format!("Signed in {language}")}))
            .send()
            .await
            .expect("request");
        assert_eq!(posted.status(), StatusCode::CREATED, "{language}");
    }
}
