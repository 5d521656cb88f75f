//! A reader's history for moderators: their comments across articles (the
//! moderation listing by author), how they fared, reports against and by
//! them, other readers at their address as a count (never the address),
//! the site's account of a signed-in reader, and private notes.

use chime_backend::service::screening::WordList;
use chime_backend::startup::config::SsoSecret;
use chime_shared::{
    CommentState, ErrorCode, ModCommentList, ReaderNote, ReaderProfile, SsoSession,
};
use chime_test_support::app::*;
use chime_test_support::sso::{self, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_readers_history_shows_their_comments_reports_neighbours_and_notes() {
    let app = spawn_with(|s| {
        s.screening.suspect = WordList::parse("casino");
        s.hold_after_reports = 0;
        s.sso_secrets = vec![SsoSecret::parse(SECRET).expect("long enough")];
    })
    .await;
    let (ann, bo) = (reader(), reader());
    let first = app.comment("one", &ann, "Ann's first", None).await;
    let rude = app.comment("two", &ann, "Ann being rude", None).await;
    let held = app.comment("two", &ann, "Ann's casino", None).await;
    assert_eq!(held.state, CommentState::Pending);
    app.comment("one", &bo, "Bo, from the same address", None)
        .await;
    let reported = app
        .send(
            Method::POST,
            &format!("/comments/{}/reports", first.id),
            Some(&bo),
            Some(json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(reported.status(), StatusCode::ACCEPTED);
    let cookie = app.moderator_cookie("mo").await;
    let hidden = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", rude.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(hidden.status(), StatusCode::OK);

    // Every row names its author's key; their comments, newest first.
    let all: ModCommentList = app.mod_get("/comments?state=all", &cookie).await;
    let key = all
        .comments
        .iter()
        .find(|c| c.comment.id == first.id)
        .map(|c| c.reader.clone())
        .expect("ann's row");
    let theirs: ModCommentList = app
        .mod_get(&format!("/comments?state=all&author={key}"), &cookie)
        .await;
    let ids: Vec<_> = theirs
        .comments
        .iter()
        .map(|c| c.comment.id.clone())
        .collect();
    assert_eq!(
        ids,
        vec![held.id.clone(), rude.id.clone(), first.id.clone()]
    );
    let states: Vec<_> = theirs.comments.iter().map(|c| c.comment.state).collect();
    assert_eq!(
        states,
        vec![
            CommentState::Pending,
            CommentState::Hidden,
            CommentState::Visible
        ]
    );

    let response = app
        .moderation(Method::GET, &format!("/readers/{key}"), &cookie)
        .send()
        .await
        .expect("request");
    let text = response.text().await.expect("text");
    let address = app.state.readers.address(Some([127, 0, 0, 1].into()));
    assert!(
        !text.contains(&address),
        "the address hash never leaves: {text}"
    );
    let profile: ReaderProfile = serde_json::from_str(&text).expect("profile");
    assert_eq!(profile.name, "Mei");
    assert_eq!(profile.account, None);
    assert_eq!(
        (
            profile.comments.total,
            profile.comments.visible,
            profile.comments.pending,
            profile.comments.hidden
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(profile.reports_against, 1);
    assert_eq!(profile.reports_by, 0);
    assert_eq!(profile.readers_at_same_address, Some(1));
    assert!(profile.first_seen <= profile.last_seen);

    // Notes: private, newest first, never empty.
    for body in ["Warned once about tone.", "Second warning."] {
        let added = app
            .moderation(Method::POST, &format!("/readers/{key}/notes"), &cookie)
            .json(&json!({ "body": body }))
            .send()
            .await
            .expect("request");
        assert_eq!(added.status(), StatusCode::CREATED);
        let note: ReaderNote = added.json().await.expect("note");
        assert_eq!(note.moderator, "mo");
    }
    let empty = app
        .moderation(Method::POST, &format!("/readers/{key}/notes"), &cookie)
        .json(&json!({"body": "   "}))
        .send()
        .await
        .expect("request");
    let error = assert_error(empty, StatusCode::BAD_REQUEST, ErrorCode::ValidationFailed).await;
    assert_eq!(error.error.field.as_deref(), Some("body"));
    let profile: ReaderProfile = app.mod_get(&format!("/readers/{key}"), &cookie).await;
    let notes: Vec<_> = profile.notes.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(notes, vec!["Second warning.", "Warned once about tone."]);
    // Bo's history has his report, and no notes of Ann's.
    let bos = all
        .comments
        .iter()
        .find(|c| c.comment.author.name == "Mei" && c.reader != key)
        .map(|c| c.reader.clone())
        .expect("bo's row");
    let bo_profile: ReaderProfile = app.mod_get(&format!("/readers/{bos}"), &cookie).await;
    assert_eq!(bo_profile.reports_by, 1);
    assert!(bo_profile.notes.is_empty());

    // A signed-in reader: the site's account, no address count.
    let token = sso::token(
        app.state.now_ms() / 1000,
        "h1",
        "site-3",
        "Sam Site",
        &["Staff"],
    );
    let session: SsoSession = app
        .send(
            Method::POST,
            "/sso/session",
            None,
            Some(json!({"token": token})),
        )
        .await
        .json()
        .await
        .expect("session");
    let posted = app
        .request(Method::POST, "/articles/one/comments", Some(&reader()))
        .header("X-Chime-Session", &session.session)
        .json(&json!({"author_name": "", "body": "From the desk"}))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), StatusCode::CREATED);
    let newest: ModCommentList = app.mod_get("/comments?state=all&limit=1", &cookie).await;
    let sam = &newest.comments[0].reader;
    let profile: ReaderProfile = app.mod_get(&format!("/readers/{sam}"), &cookie).await;
    let account = profile.account.expect("the site's account");
    assert_eq!(
        (account.site_id.as_str(), account.name.as_str()),
        ("site-3", "Sam Site")
    );
    assert_eq!(account.badges, vec!["Staff"]);
    assert_eq!(profile.readers_at_same_address, None);

    // A key that cannot be one is refused; one nobody has is empty.
    for bad in ["a.b", "a%20b", &"a".repeat(65)] {
        let response = app
            .moderation(Method::GET, &format!("/readers/{bad}"), &cookie)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let nobody: ReaderProfile = app.mod_get("/readers/nobody", &cookie).await;
    assert_eq!(nobody.comments.total, 0);
}
