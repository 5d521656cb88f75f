//! A reader's data: they download everything Chime holds about them (and
//! nothing of anyone else's), and erase it with every count right after;
//! an admin does both on a reader's request.

use chime_backend::startup::config::SsoSecret;
use chime_shared::{
    AuditAction, AuditList, CommentList, CommentState, Erased, ErrorCode, ModCommentList,
    ReactionsResponse, ReaderData, SsoSession,
};
use chime_test_support::app::*;
use chime_test_support::sso::{self, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn my_data(app: &TestApp, reader: &str, session: Option<&str>) -> (ReaderData, String) {
    let mut request = app.request(Method::GET, "/me/data", Some(reader));
    if let Some(session) = session {
        request = request.header("X-Chime-Session", session);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.expect("text");
    (serde_json::from_str(&text).expect("json"), text)
}

async fn act(
    app: &TestApp,
    reader: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) {
    let response = app.send(method, path, Some(reader), body).await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

/// A conversation between Ann (who will ask for her data) and Bo.
struct Talk {
    ann: String,
    bo: String,
    /// Ann's, replied to by Bo.
    replied: String,
    /// Ann's, alone.
    alone: String,
    /// Bo's, with Ann's reply under it.
    bos: String,
}

async fn talk(app: &TestApp) -> Talk {
    let (ann, bo) = (reader(), reader());
    let replied = app
        .comment("data/one", &ann, "Ann's first thought", None)
        .await;
    app.comment("data/one", &bo, "Bo answers Ann", Some(replied.id.as_str()))
        .await;
    let alone = app
        .comment("data/one", &ann, "Ann's second thought", None)
        .await;
    let bos = app.comment("data/two", &bo, "Bo's own view", None).await;
    app.comment("data/two", &ann, "Ann replies to Bo", Some(bos.id.as_str()))
        .await;
    act(
        app,
        &ann,
        Method::PUT,
        "/articles/data%2Fone/reactions/like",
        None,
    )
    .await;
    act(
        app,
        &bo,
        Method::PUT,
        "/articles/data%2Fone/reactions/like",
        None,
    )
    .await;
    act(
        app,
        &ann,
        Method::PUT,
        &format!("/comments/{}/reactions/love", bos.id),
        None,
    )
    .await;
    act(
        app,
        &bo,
        Method::PUT,
        &format!("/comments/{}/reactions/love", bos.id),
        None,
    )
    .await;
    act(
        app,
        &ann,
        Method::POST,
        &format!("/comments/{}/reports", bos.id),
        Some(json!({"reason": "off_topic", "note": "Ann's note on the report"})),
    )
    .await;
    act(
        app,
        &bo,
        Method::POST,
        &format!("/comments/{}/reports", alone.id),
        Some(json!({"reason": "spam"})),
    )
    .await;
    Talk {
        ann,
        bo,
        replied: replied.id.to_string(),
        alone: alone.id.to_string(),
        bos: bos.id.to_string(),
    }
}

#[tokio::test]
async fn a_reader_downloads_all_theirs_and_nothing_of_anyone_elses() {
    let app = spawn_app().await;
    let t = talk(&app).await;
    let cookie = app.moderator_cookie("mo").await;
    let mine: ModCommentList = app.mod_get("/comments?state=all&q=Ann", &cookie).await;
    let ann_key = mine.comments[0].reader.clone();
    let note = app
        .moderation(Method::POST, &format!("/readers/{ann_key}/notes"), &cookie)
        .json(&json!({"body": "Ann means well."}))
        .send()
        .await
        .expect("request");
    assert_eq!(note.status(), StatusCode::CREATED);

    let (data, text) = my_data(&app, &t.ann, None).await;
    assert_eq!(data.reader, ann_key);
    let bodies: Vec<&str> = data.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Ann's first thought",
            "Ann's second thought",
            "Ann replies to Bo"
        ]
    );
    assert_eq!(data.reactions.len(), 2);
    assert_eq!(data.reports.len(), 1);
    assert_eq!(
        data.reports[0].note.as_deref(),
        Some("Ann's note on the report")
    );
    assert_eq!(data.notes.len(), 1);
    assert!(data.account.is_none());
    for bos in ["Bo answers Ann", "Bo's own view"] {
        assert!(!text.contains(bos), "Bo's words in Ann's data");
    }
    let bo_key = mine
        .comments
        .iter()
        .find(|c| c.reader != ann_key)
        .map(|c| c.reader.clone());
    assert!(bo_key.is_none_or(|k| !text.contains(&k)));
    // Without a reader token, there is nobody to answer for.
    let nobody = app.send(Method::GET, "/me/data", None, None).await;
    assert_error(nobody, StatusCode::BAD_REQUEST, ErrorCode::MissingReader).await;
    let _ = t.bo;
}

#[tokio::test]
async fn erasing_leaves_tombstones_over_replies_and_every_count_right() {
    let app = spawn_app().await;
    let t = talk(&app).await;
    let response = app
        .send(Method::DELETE, "/me/data", Some(&t.ann), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let erased: Erased = response.json().await.expect("json");
    assert_eq!(
        erased,
        Erased {
            comments_removed: 2,
            comments_emptied: 1,
            reactions: 2,
            reports: 1,
        }
    );
    // Article one: Ann's replied-to comment stands as a tombstone over
    // Bo's answer; her lone one is gone.
    let one: CommentList = app.list("data/one", "", Some(&t.bo)).await;
    assert_eq!(one.total, 1);
    let ids: Vec<String> = one.comments.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(ids, std::slice::from_ref(&t.replied));
    let tomb = &one.comments[0];
    assert_eq!(tomb.state, CommentState::Deleted);
    assert!(tomb.body.is_empty() && tomb.author.name.is_empty());
    assert_eq!(tomb.replies.len(), 1);
    assert!(!one.comments.iter().any(|c| c.id.as_str() == t.alone));
    // Article two: Bo's comment without Ann's reply, her reaction or report.
    let two: CommentList = app.list("data/two", "", Some(&t.bo)).await;
    assert_eq!(two.total, 1);
    let bos = &two.comments[0];
    assert_eq!(bos.id.as_str(), t.bos);
    assert_eq!((bos.reply_count, bos.replies.len()), (0, 0));
    assert_eq!(bos.reactions.total(), 1);
    let reactions: ReactionsResponse = app
        .send(
            Method::GET,
            "/articles/data%2Fone/reactions",
            Some(&t.bo),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(reactions.counts.total(), 1);
    let counts: serde_json::Value = app
        .send(
            Method::GET,
            "/counts?article=data/one&article=data/two",
            None,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(counts["counts"], json!({"data/one": 1, "data/two": 1}));
    let cookie = app.moderator_cookie("mo").await;
    let reported: ModCommentList = app.mod_get("/comments?state=reported", &cookie).await;
    assert!(
        reported.comments.is_empty(),
        "Ann's report went; Bo's was on her lone comment"
    );
    let all: ModCommentList = app.mod_get("/comments?state=all&limit=100", &cookie).await;
    assert!(
        all.comments
            .iter()
            .all(|c| !c.comment.body.starts_with("Ann"))
    );
    // Audited by counts, never the words.
    let log: AuditList = app.mod_get("/audit", &cookie).await;
    let entry = log
        .entries
        .iter()
        .find(|e| e.action == AuditAction::Erase)
        .expect("audited");
    assert_eq!(entry.moderator, "(the reader)");
    assert_eq!(
        entry.reason.as_deref(),
        Some("3 comments, 2 reactions, 1 reports")
    );
    assert!(
        !serde_json::to_string(&log)
            .expect("json")
            .contains("thought")
    );
    // Nothing of hers is left to download; a second erasure finds nothing.
    let (data, _) = my_data(&app, &t.ann, None).await;
    assert!(data.comments.is_empty() && data.reactions.is_empty() && data.reports.is_empty());
    let again: Erased = app
        .send(Method::DELETE, "/me/data", Some(&t.ann), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again, Erased::default());
}

#[tokio::test]
async fn a_signed_in_reader_gets_what_the_site_said_of_them_and_can_erase_it() {
    let app = spawn_with(|s| s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long")]).await;
    let now = app.state.now_ms() / 1000;
    let token = sso::sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"iat": now - 5, "exp": now + 300,
               "user": {"id": "u-7", "username": "Mei", "email": "mei@example.com"}}),
        SECRET,
    );
    let session: SsoSession = app
        .request(Method::POST, "/sso/session", None)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    // Two devices, one reader.
    let (phone, laptop) = (reader(), reader());
    let post_from_phone = |session: String| {
        app.request(Method::POST, "/articles/data%2Fsso/comments", Some(&phone))
            .header("X-Chime-Session", session)
            .header("Idempotency-Key", "phone-1")
            .json(&json!({"author_name": "", "body": "From my phone"}))
            .send()
    };
    let posted = post_from_phone(session.session.clone())
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let first: chime_shared::Comment = posted.json().await.expect("json");
    let (data, _) = my_data(&app, &laptop, Some(&session.session)).await;
    assert_eq!(data.comments.len(), 1);
    let account = data.account.expect("the site's account");
    assert_eq!(
        (account.site_id.as_str(), account.email.as_deref()),
        ("u-7", Some("mei@example.com"))
    );
    let erased = app
        .request(Method::DELETE, "/me/data", Some(&laptop))
        .header("X-Chime-Session", &session.session)
        .send()
        .await
        .expect("request");
    assert_eq!(erased.status(), StatusCode::OK);
    // Their sessions ended: the widget asks the site again.
    let ended = app
        .request(Method::GET, "/me/data", Some(&laptop))
        .header("X-Chime-Session", &session.session)
        .send()
        .await
        .expect("request");
    assert_error(ended, StatusCode::UNAUTHORIZED, ErrorCode::SessionExpired).await;
    let (data, _) = my_data(&app, &laptop, None).await;
    assert!(data.comments.is_empty() && data.account.is_none());
    // Signed in again, nothing of before is left, and the retry of the
    // erased post is not answered with its words: it is a new post.
    let again = sso::sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"iat": now - 5, "exp": now + 300, "user": {"id": "u-7", "username": "Mei"}}),
        SECRET,
    );
    let renewed: SsoSession = app
        .request(Method::POST, "/sso/session", None)
        .json(&json!({"token": again}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let (data, _) = my_data(&app, &laptop, Some(&renewed.session)).await;
    assert!(data.comments.is_empty());
    let account = data.account.expect("the site's account");
    assert_eq!((account.name.as_str(), account.email), ("Mei", None));
    let retried = post_from_phone(renewed.session.clone())
        .await
        .expect("request");
    assert_eq!(retried.status(), StatusCode::CREATED);
    let second: chime_shared::Comment = retried.json().await.expect("json");
    assert_ne!(second.id, first.id);
}

#[tokio::test]
async fn an_admin_finds_a_signed_in_reader_who_only_reacted() {
    let app = spawn_with(|s| s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long")]).await;
    let now = app.state.now_ms() / 1000;
    let token = sso::sign(
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"iat": now - 5, "exp": now + 300,
               "user": {"id": "u-9", "username": "Quiet", "email": "quiet@example.com"}}),
        SECRET,
    );
    let session: SsoSession = app
        .request(Method::POST, "/sso/session", None)
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let device = reader();
    let liked = app
        .request(
            Method::PUT,
            "/articles/data%2Fquiet/reactions/like",
            Some(&device),
        )
        .header("X-Chime-Session", &session.session)
        .send()
        .await
        .expect("request");
    assert_eq!(liked.status(), StatusCode::OK);
    let (mine, _) = my_data(&app, &device, Some(&session.session)).await;
    let admin = app.admin_cookie("ad").await;
    let path = format!("/readers/{}/data", mine.reader);
    let data: ReaderData = app.mod_get(&path, &admin).await;
    assert_eq!(data.reactions.len(), 1);
    assert_eq!(
        data.account.and_then(|a| a.email).as_deref(),
        Some("quiet@example.com")
    );
    let erased: Erased = app
        .moderation(Method::DELETE, &path, &admin)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(erased.reactions, 1);
    let data: ReaderData = app.mod_get(&path, &admin).await;
    assert!(data.account.is_some_and(|a| a.email.is_none()));
}

#[tokio::test]
async fn an_admin_answers_a_readers_request_and_a_moderator_may_not() {
    let app = spawn_app().await;
    let t = talk(&app).await;
    let admin = app.admin_cookie("ad").await;
    let moderator = app.moderator_cookie("mo").await;
    let all: ModCommentList = app.mod_get("/comments?state=all&q=Ann", &admin).await;
    let ann = all.comments[0].reader.clone();
    let path = format!("/readers/{ann}/data");
    for method in [Method::GET, Method::DELETE] {
        let refused = app
            .moderation(method, &path, &moderator)
            .send()
            .await
            .expect("request");
        assert_error(refused, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let data: ReaderData = app.mod_get(&path, &admin).await;
    assert_eq!(data.comments.len(), 3);
    let erased: Erased = app
        .moderation(Method::DELETE, &path, &admin)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(erased.comments_removed + erased.comments_emptied, 3);
    let log: AuditList = app.mod_get("/audit", &admin).await;
    assert_eq!(
        (log.entries[0].action, log.entries[0].moderator.as_str()),
        (AuditAction::Erase, "ad")
    );
    let (mine, _) = my_data(&app, &t.ann, None).await;
    assert!(mine.comments.is_empty());
    let bad = app
        .moderation(Method::GET, "/readers/not-a-key!/data", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
