use chime_shared::{ErrorCode, ReactionKind, ReactionsResponse};
use chime_test_support::app::*;
use reqwest::{Method, StatusCode};

async fn react(app: &TestApp, method: Method, path: &str, reader: &str) -> ReactionsResponse {
    let response = app.send(method, path, Some(reader), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

#[tokio::test]
async fn article_reactions_are_one_per_kind_per_reader_and_idempotent() {
    let app = spawn_app().await;
    let (me, you) = (reader(), reader());
    let path = "/articles/world%2Fx/reactions";
    let first = react(&app, Method::PUT, &format!("{path}/like"), &me).await;
    assert_eq!(first.counts.get(ReactionKind::Like), 1);
    assert_eq!(first.mine, vec![ReactionKind::Like]);
    let again = react(&app, Method::PUT, &format!("{path}/like"), &me).await;
    assert_eq!(
        again.counts.get(ReactionKind::Like),
        1,
        "a second PUT changes nothing"
    );
    react(&app, Method::PUT, &format!("{path}/love"), &me).await;
    let yours = react(&app, Method::PUT, &format!("{path}/like"), &you).await;
    assert_eq!(yours.counts.get(ReactionKind::Like), 2);
    assert_eq!(yours.mine, vec![ReactionKind::Like]);

    let mine: ReactionsResponse = app
        .send(Method::GET, path, Some(&me), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine.mine, vec![ReactionKind::Like, ReactionKind::Love]);
    assert_eq!(mine.counts.total(), 3);

    let taken = react(&app, Method::DELETE, &format!("{path}/like"), &me).await;
    assert_eq!(taken.counts.get(ReactionKind::Like), 1);
    assert_eq!(taken.mine, vec![ReactionKind::Love]);
    let taken_again = react(&app, Method::DELETE, &format!("{path}/like"), &me).await;
    assert_eq!(taken_again.counts.get(ReactionKind::Like), 1);

    let anonymous: ReactionsResponse = app
        .send(Method::GET, path, None, None)
        .await
        .json()
        .await
        .expect("json");
    assert!(anonymous.mine.is_empty());
}

#[tokio::test]
async fn taking_back_a_reaction_on_an_unknown_article_creates_nothing() {
    let app = spawn_app().await;
    let response = react(
        &app,
        Method::DELETE,
        "/articles/ghost/reactions/sad",
        &reader(),
    )
    .await;
    assert_eq!(response.counts.total(), 0);
    let counts = app
        .state
        .store
        .article_counts(&["ghost".to_owned()])
        .await
        .expect("counts");
    assert!(counts.is_empty());
}

#[tokio::test]
async fn comment_reactions_count_and_show_as_mine_in_listings() {
    let app = spawn_app().await;
    let me = reader();
    let posted = app.comment("cr", &reader(), "react to me", None).await;
    let path = format!("/comments/{}/reactions/laugh", posted.id);
    react(&app, Method::PUT, &path, &me).await;
    react(&app, Method::PUT, &path, &me).await;
    react(&app, Method::PUT, &path, &reader()).await;
    let list = app.list("cr", "", Some(&me)).await;
    assert_eq!(list.comments[0].reactions.get(ReactionKind::Laugh), 2);
    assert_eq!(list.comments[0].mine, vec![ReactionKind::Laugh]);
    let theirs = app.list("cr", "", Some(&reader())).await;
    assert!(theirs.comments[0].mine.is_empty());
}

#[tokio::test]
async fn unknown_kinds_and_comments_are_refused() {
    let app = spawn_app().await;
    let response = app
        .send(
            Method::PUT,
            "/articles/a/reactions/meh",
            Some(&reader()),
            None,
        )
        .await;
    let err = assert_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(err.error.field.as_deref(), Some("kind"));
    let response = app
        .send(
            Method::PUT,
            "/comments/424242/reactions/like",
            Some(&reader()),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let response = app
        .send(Method::PUT, "/articles/a/reactions/like", None, None)
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::MissingReader).await;
}
