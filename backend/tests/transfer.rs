//! `chime export | chime import` moves a store between SQLite and
//! PostgreSQL with nothing lost: the real binary, one pipe, and every
//! listing, moderation queue and audit entry the same afterwards, for the
//! same readers (the reader key moves too).

use chime_backend::startup::config::SsoSecret;
use chime_shared::{AuditList, CommentList, ModCommentList, SsoSession};
use chime_test_support::app::*;
use chime_test_support::{postgres, sso};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::process::{Command, Stdio};

const CHIME: &str = env!("CARGO_BIN_EXE_chime");

/// `chime export --database from | chime import --database to`: the
/// import's exit status and what both said.
fn pipe(from: &str, to: &str) -> (bool, String) {
    let mut export = Command::new(CHIME)
        .args(["export", "--database", from])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chime export runs");
    let import = Command::new(CHIME)
        .args(["import", "--database", to])
        .stdin(export.stdout.take().expect("piped"))
        .output()
        .expect("chime import runs");
    let exported = export.wait_with_output().expect("export ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&exported.stderr),
        String::from_utf8_lossy(&import.stderr)
    );
    // An import that refuses stops reading, and the export then meets a
    // closed pipe; otherwise the export must have succeeded.
    assert!(
        exported.status.success() || !import.status.success(),
        "export failed: {said}"
    );
    (import.status.success(), said)
}

/// Everything a reader, an author and a moderator see.
async fn views(app: &TestApp, readers: &[&str], cookie: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for article in ["move/one", "move/two"] {
        for who in readers.iter().map(|r| Some(*r)).chain([None]) {
            for sort in ["newest", "oldest", "top"] {
                let list: CommentList = app
                    .list(article, &format!("?sort={sort}&limit=2"), who)
                    .await;
                seen.push(serde_json::to_string(&list).expect("json"));
            }
        }
        let reactions = app
            .send(
                Method::GET,
                &format!("/articles/{}/reactions", enc(article)),
                Some(readers[0]),
                None,
            )
            .await
            .text()
            .await
            .expect("text");
        seen.push(reactions);
    }
    for state in ["all", "hidden", "reported", "pending"] {
        let queue: ModCommentList = app
            .mod_get(&format!("/comments?state={state}&limit=100"), cookie)
            .await;
        seen.push(serde_json::to_string(&queue).expect("json"));
    }
    // Every author's history: counts, neighbours at one address, notes.
    let all: ModCommentList = app.mod_get("/comments?state=all&limit=100", cookie).await;
    let mut keys: Vec<String> = all.comments.iter().map(|c| c.reader.clone()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let profile: chime_shared::ReaderProfile =
            app.mod_get(&format!("/readers/{key}"), cookie).await;
        seen.push(serde_json::to_string(&profile).expect("json"));
    }
    let audit: AuditList = app.mod_get("/audit", cookie).await;
    seen.push(serde_json::to_string(&audit).expect("json"));
    let settings: chime_shared::ScreeningSettings = app.mod_get("/settings", cookie).await;
    seen.push(serde_json::to_string(&settings).expect("json"));
    for article in ["move%2Fone", "move%2Ftwo"] {
        let controls: chime_shared::ArticleModeration =
            app.mod_get(&format!("/articles/{article}"), cookie).await;
        seen.push(serde_json::to_string(&controls).expect("json"));
    }
    seen
}

/// Signs in as a moderator who is already in the store.
async fn sign_in(app: &TestApp) -> String {
    let response = app
        .request(Method::POST, "/mod/session", None)
        .header("Origin", &app.url)
        .json(&json!({"username": "mover", "password": "a long enough password"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    session_cookie(&response)
}

async fn import_disqus(app: &TestApp, file: &std::path::Path) -> chime_backend::import::Summary {
    let options = chime_backend::import::Options {
        article: chime_backend::import::ArticleRule::Path,
        spam: chime_backend::import::Spam::Skip,
        deleted: chime_backend::import::Deleted::Keep,
        dry_run: false,
        max_depth: 6,
        author_name_max_chars: 50,
    };
    chime_backend::import::run(
        app.state.store.as_ref(),
        &app.state.readers,
        chime_backend::import::Source::Disqus,
        file,
        &options,
    )
    .await
    .expect("imported")
}

#[ignore = "needs PostgreSQL (CHIME_TEST_POSTGRES): ./dev test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_moves_from_sqlite_to_postgres_and_back_with_identical_listings() {
    let postgres = postgres::database().await;
    let source = spawn_with(|s| {
        s.screening.suspect = chime_backend::service::screening::WordList::parse("casino");
        s.hold_after_reports = 0;
        s.sso_secrets = vec![SsoSecret::parse(sso::SECRET).expect("long enough")];
    })
    .await;
    // A conversation with everything a store keeps.
    let (ann, bo) = (reader(), reader());
    let first = source.comment("move/one", &ann, "First *post*", None).await;
    let reply = source
        .comment("move/one", &bo, "A reply", Some(first.id.as_str()))
        .await;
    source
        .comment(
            "move/one",
            &bo,
            "A reply to the reply",
            Some(reply.id.as_str()),
        )
        .await;
    let hidden = source.comment("move/one", &bo, "Rude words", None).await;
    source
        .comment("move/one", &ann, "Best casino deals", None)
        .await;
    source
        .comment("move/two", &ann, "Élan, naïveté — ünïcödé 🎉", None)
        .await;
    // A signed-in reader's comment, verified with badges.
    let now = source.state.now_ms() / 1000;
    let token = sso::token(now, "move", "site-1", "Ed Itor", &["Staff"]);
    let session: SsoSession = source
        .request(Method::POST, "/sso/session", None)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("session");
    let staff = source
        .request(Method::POST, "/articles/move%2Ftwo/comments", Some(&bo))
        .header("X-Chime-Session", &session.session)
        .json(&json!({"author_name": "", "body": "From the desk"}))
        .send()
        .await
        .expect("request");
    assert_eq!(staff.status(), StatusCode::CREATED);
    // An edit that waits for review beside the words readers see.
    let edited = source
        .send(
            Method::PATCH,
            &format!("/comments/{}", first.id),
            Some(&ann),
            Some(json!({"body": "First post, now about a casino"})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    for (path, who) in [
        (format!("/comments/{}/reactions/like", first.id), &bo),
        (format!("/comments/{}/reactions/love", first.id), &ann),
        ("/articles/move%2Fone/reactions/wow".to_owned(), &ann),
    ] {
        let response = source.send(Method::PUT, &path, Some(who), None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = source
        .send(
            Method::POST,
            &format!("/comments/{}/reports", hidden.id),
            Some(&ann),
            Some(json!({"reason": "abuse", "note": "not nice"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    chime_backend::service::admin::add_moderator(
        source.state.store.as_ref(),
        "mover",
        "a long enough password".to_owned(),
        chime_shared::Role::Admin,
        chime_backend::service::admin::Actor::command_line(0),
    )
    .await
    .expect("moderator");
    let cookie = sign_in(&source).await;
    // A moderator's note on a reader moves with them.
    let all: ModCommentList = source.mod_get("/comments?state=all", &cookie).await;
    let response = source
        .moderation(
            Method::POST,
            &format!("/readers/{}/notes", all.comments[0].reader),
            &cookie,
        )
        .json(&json!({"body": "Keep an eye on this one."}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    // And a sanction on them.
    let response = source
        .moderation(
            Method::POST,
            &format!("/readers/{}/sanctions", all.comments[0].reader),
            &cookie,
        )
        .json(&json!({"kind": "hold", "reason": "Watch"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    // An admin's settings change: the stored settings and their audit
    // entry move too.
    let response = source
        .moderation(Method::PUT, "/settings", &cookie)
        .json(&json!({"premoderation": "off", "banned_words": ["moved"], "suspect_words": ["casino"], "max_links": 4}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let response = source
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", hidden.id),
            &cookie,
        )
        .json(&json!({"reason": "rude"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    // A featured comment, and an article closed with its own closing days.
    let response = source
        .moderation(
            Method::POST,
            &format!("/comments/{}/feature", first.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let response = source
        .moderation(Method::PUT, "/articles/move%2Ftwo", &cookie)
        .json(&json!({"closed": true, "auto_close_days": 9}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    // A comment brought in from Disqus: the store remembers it, so that
    // importing the file again after the move adds nothing.
    let dir = tempfile::tempdir().expect("dir");
    let disqus = dir.path().join("disqus.xml");
    std::fs::write(
        &disqus,
        r#"<disqus xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><id>x</id><forum>news</forum><link>https://news.example/move/old/</link></thread>
<post dsq:id="9"><message>From before</message><createdAt>2012-01-01T00:00:00Z</createdAt><author><name>Old</name></author><thread dsq:id="1"/></post>
</disqus>"#,
    )
    .expect("written");
    assert_eq!(import_disqus(&source, &disqus).await.imported, 1);
    let readers = [ann.as_str(), bo.as_str()];
    let before = views(&source, &readers, &cookie).await;

    // SQLite → PostgreSQL, in one pipe.
    let (ok, said) = pipe(&source.database, &postgres);
    assert!(ok, "{said}");
    assert!(said.contains("8 comments"), "{said}");
    assert!(said.contains("1 accounts"), "{said}");
    assert!(
        said.contains("every table holds what the export announced"),
        "{said}"
    );
    let moved = spawn_on(tempfile::tempdir().expect("dir"), postgres.clone(), |_| {}).await;
    let cookie = sign_in(&moved).await;
    assert_eq!(views(&moved, &readers, &cookie).await, before);
    // The moved store keeps move/two closed, and takes new comments
    // elsewhere with new ids.
    let refused = moved
        .post_comment(
            "move/two",
            &bo,
            json!({"author_name": "Bo", "body": "late"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let later = moved.comment("move/one", &bo, "after the move", None).await;
    assert!(later.id.as_str().parse::<i64>().expect("id") > 8);
    let again = import_disqus(&moved, &disqus).await;
    assert_eq!((again.imported, again.already), (0, 1), "{again:#?}");

    // An import into a store that holds anything is refused.
    let (ok, said) = pipe(&source.database, &postgres);
    assert!(!ok);
    assert!(said.contains("already holds"), "{said}");

    // And back: PostgreSQL → a new SQLite file.
    let dir = tempfile::tempdir().expect("dir");
    let back = format!("sqlite://{}", dir.path().join("back.db").display());
    let (ok, said) = pipe(&postgres, &back);
    assert!(ok, "{said}");
    let returned = spawn_on(dir, back, |_| {}).await;
    let cookie = sign_in(&returned).await;
    let after = views(&moved, &readers, &sign_in(&moved).await).await;
    assert_eq!(views(&returned, &readers, &cookie).await, after);
}

#[tokio::test]
async fn an_import_of_something_else_is_refused_with_the_line() {
    let dir = tempfile::tempdir().expect("dir");
    let target = format!("sqlite://{}", dir.path().join("t.db").display());
    for (input, expected) in [
        ("", "empty"),
        ("hello\n", "line 1"),
        (
            "{\"chime_export\":1,\"rows\":[[\"comments\",1]]}\n{\"t\":\"nope\",\"r\":{}}\n",
            "line 2",
        ),
        (
            "{\"chime_export\":1,\"rows\":[[\"articles\",1]]}\n{\"t\":\"articles\",\"r\":{\"id\":\"x\"}}\n",
            "wrong type",
        ),
    ] {
        let mut import = Command::new(CHIME)
            .args(["import", "--database", &target])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        use std::io::Write;
        import
            .stdin
            .take()
            .expect("piped")
            .write_all(input.as_bytes())
            .expect("written");
        let out = import.wait_with_output().expect("ends");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{input:?}: {said}");
        assert!(said.contains(expected), "{input:?}: {said}");
    }
}
