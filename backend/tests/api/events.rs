use chime_shared::{
    Comment, CommentRemoved, CommentState, ModChange, ModEvent, ReactionKind, ReactionsChanged,
};
use chime_test_support::app::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn readers_get_created_removed_restored_and_reaction_events() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "live/one").await;
    let mut elsewhere = Events::open(&app, "live/two").await;

    let posted = app.comment("live/one", &reader(), "hello live", None).await;
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_created");
    let created: Comment = serde_json::from_str(&data).expect("comment");
    assert_eq!(created.id, posted.id);
    assert_eq!(created.body, "hello live");
    assert!(!created.own, "broadcasts are not anybody's own");

    let me = reader();
    let response = app
        .send(
            Method::PUT,
            &format!("/comments/{}/reactions/wow", posted.id),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (name, data) = events.next().await;
    assert_eq!(name, "reactions_changed");
    let changed: ReactionsChanged = serde_json::from_str(&data).expect("counts");
    assert_eq!(changed.comment_id.as_ref(), Some(&posted.id));
    assert_eq!(changed.counts.get(ReactionKind::Wow), 1);

    app.send(
        Method::PUT,
        "/articles/live%2Fone/reactions/love",
        Some(&me),
        None,
    )
    .await;
    let (name, data) = events.next().await;
    assert_eq!(name, "reactions_changed");
    let changed: ReactionsChanged = serde_json::from_str(&data).expect("counts");
    assert!(changed.comment_id.is_none());

    let cookie = app.moderator_cookie("mo").await;
    app.moderation(
        Method::POST,
        &format!("/comments/{}/hide", posted.id),
        &cookie,
    )
    .json(&json!({"reason": "test"}))
    .send()
    .await
    .expect("request");
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_removed");
    let removed: CommentRemoved = serde_json::from_str(&data).expect("removed");
    assert_eq!(removed.id, posted.id);
    assert_eq!(removed.state, chime_shared::CommentState::Hidden);

    app.moderation(
        Method::POST,
        &format!("/comments/{}/unhide", posted.id),
        &cookie,
    )
    .send()
    .await
    .expect("request");
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_restored");
    let restored: Comment = serde_json::from_str(&data).expect("comment");
    assert_eq!(restored.body, "hello live");

    // Nothing of this reached the other article's stream: the next thing it
    // sees is its own comment.
    app.comment("live/two", &reader(), "other article", None)
        .await;
    let (name, data) = elsewhere.next().await;
    assert_eq!(name, "comment_created");
    assert!(data.contains("other article"));
}

#[tokio::test]
async fn edits_and_deletes_are_broadcast() {
    let app = spawn_app().await;
    let me = reader();
    let posted = app.comment("live/e", &me, "draft", None).await;
    let mut events = Events::open(&app, "live/e").await;
    app.send(
        Method::PATCH,
        &format!("/comments/{}", posted.id),
        Some(&me),
        Some(json!({"body": "final"})),
    )
    .await;
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_updated");
    assert!(data.contains("final"));
    app.send(
        Method::DELETE,
        &format!("/comments/{}", posted.id),
        Some(&me),
        None,
    )
    .await;
    let (name, data) = events.next().await;
    assert_eq!(name, "comment_removed");
    assert!(data.contains("\"deleted\""));
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams() {
    let mut app = spawn_app().await;
    let mut events = Events::open(&app, "live/stop").await;
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.stop()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "graceful shutdown finished: {stopped:?}"
    );
    let end = tokio::time::timeout(Duration::from_secs(5), events.stream.next()).await;
    assert!(
        matches!(end, Ok(None) | Ok(Some(Err(_)))),
        "the stream ended"
    );
}

#[tokio::test]
async fn moderators_see_every_articles_changes_live() {
    let app = spawn_app().await;
    let cookie = app.moderator_cookie("mo").await;
    let response = app
        .moderation(Method::GET, "/events", &cookie)
        .send()
        .await
        .expect("request");
    let mut events = Events::from_response(response).await;
    let mut next = async || {
        let (name, data) = events.next().await;
        assert_eq!(name, "mod_comment");
        serde_json::from_str::<ModEvent>(&data).expect("a moderation event")
    };

    let author = reader();
    let first = app
        .comment("mod/one", &author, "First line\nmore", None)
        .await;
    let event = next().await;
    assert_eq!(event.change, ModChange::Created);
    assert_eq!(event.comment.comment.id, first.id);
    assert_eq!(event.comment.comment.author.name, "Mei");

    let reply = app
        .comment("mod/one", &reader(), "A reply", Some(first.id.as_str()))
        .await;
    let event = next().await;
    assert_eq!(event.comment.comment.id, reply.id);
    assert_eq!(event.comment.parent_excerpt.as_deref(), Some("First line"));

    let other = app.comment("mod/two", &reader(), "Elsewhere", None).await;
    let event = next().await;
    assert_eq!(event.comment.comment.article.as_str(), "mod/two");

    let response = app
        .send(
            Method::POST,
            &format!("/comments/{}/reports", other.id),
            Some(&reader()),
            Some(json!({"reason": "abuse"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let event = next().await;
    assert_eq!(event.change, ModChange::Reported);
    assert_eq!(event.comment.reports.count, 1);

    let response = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/hide", other.id),
            &cookie,
        )
        .json(&json!({"reason": "rude"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let event = next().await;
    assert_eq!(event.change, ModChange::Hidden);
    assert_eq!(event.comment.comment.state, CommentState::Hidden);
    assert_eq!(event.comment.hidden_reason.as_deref(), Some("rude"));
    assert_eq!(event.comment.reports.count, 1, "reports are kept");

    let response = app
        .moderation(
            Method::POST,
            &format!("/comments/{}/unhide", other.id),
            &cookie,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(next().await.change, ModChange::Unhidden);

    let response = app
        .send(
            Method::PATCH,
            &format!("/comments/{}", first.id),
            Some(&author),
            Some(json!({"body": "First line, edited"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let event = next().await;
    assert_eq!(event.change, ModChange::Edited);
    assert_eq!(event.comment.comment.body, "First line, edited");

    let response = app
        .send(
            Method::DELETE,
            &format!("/comments/{}", first.id),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let event = next().await;
    assert_eq!(event.change, ModChange::Deleted);
    assert_eq!(
        event.comment.comment.body, "First line, edited",
        "moderators keep the text"
    );
}
