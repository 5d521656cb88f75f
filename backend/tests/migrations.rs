//! A store made by an older Chime keeps everything through the migrations
//! that rebuild tables: comments, threads, reactions, reports, search.

use chime_backend::store::sqlite::SqliteStore;
use chime_backend::store::{CommentStore, ModQuery, ReaderHash};
use chime_shared::{CommentState, ModStateFilter, SortOrder};
use sqlx::Connection;
use std::str::FromStr;

#[tokio::test]
async fn a_store_from_before_pending_comments_migrates_without_loss() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .expect("url")
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("connects");
    let mut old = sqlx::migrate!("./migrations/sqlite");
    old.migrations = old
        .migrations
        .iter()
        .filter(|m| m.version <= 3)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    old.run(&mut conn).await.expect("old schema");
    sqlx::raw_sql(
        "INSERT INTO articles (id, key, created_at, visible_count, r_like) VALUES (1, 'old/a', 1, 0, 1); -- the trigger counts the comments
         INSERT INTO comments (id, article_id, parent_id, root_id, depth, author_name, author_reader,
             body, html, created_at, state, visible_descendants, report_count, reaction_total, r_like)
         VALUES (1, 1, NULL, 1, 0, 'Ann', 'r1', 'the original zebra', '<p>the original zebra</p>', 10, 'visible', 1, 1, 1, 1),
                (2, 1, 1, 1, 1, 'Bo', 'r2', 'a reply', '<p>a reply</p>', 20, 'visible', 0, 0, 0, 0),
                (3, 1, NULL, 3, 0, 'Cy', 'r3', 'hidden words', '<p>hidden words</p>', 30, 'hidden', 0, 0, 0, 0);
         INSERT INTO comment_reactions (comment_id, reader, kind, created_at) VALUES (1, 'r2', 'like', 40);
         INSERT INTO article_reactions (article_id, reader, kind, created_at) VALUES (1, 'r1', 'like', 41);
         INSERT INTO reports (comment_id, reader, reason, created_at) VALUES (1, 'r3', 'spam', 50);",
    )
    .execute(&mut conn)
    .await
    .expect("old rows");
    conn.close().await.expect("closed");

    let store = SqliteStore::open(&url).await.expect("migrates");
    let page = store
        .thread_page(
            "old/a",
            SortOrder::Oldest,
            None,
            10,
            20,
            Some(&ReaderHash("r2".into())),
        )
        .await
        .expect("lists");
    assert_eq!(page.total, 2);
    assert_eq!(page.top_level.len(), 1);
    assert_eq!(page.top_level[0].body, "the original zebra");
    assert_eq!(page.top_level[0].reactions[0], 1);
    assert_eq!(page.replies.len(), 1);
    assert_eq!(page.replies[0].parent_id, Some(1));
    assert_eq!(page.mine.len(), 1);
    let found = store
        .mod_comments(&ModQuery {
            state: ModStateFilter::All,
            only: None,
            article: None,
            author: None,
            words: vec!["zebra".into()],
            after: None,
            limit: 10,
        })
        .await
        .expect("searches");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reports.len(), 1);
    let hidden = store.comment(3).await.expect("reads").expect("kept");
    assert_eq!(hidden.state, CommentState::Hidden);
    // The old report counts as one address.
    let addresses = store
        .add_report(
            1,
            &ReaderHash("r4".into()),
            "a1",
            chime_shared::ReportReason::Abuse,
            None,
            60,
        )
        .await
        .expect("reports");
    assert_eq!(addresses, Some(2));
    // The rebuilt table takes the new state, and references still hold.
    let change = store
        .set_state(2, CommentState::Pending, Some("check"), None, 70)
        .await
        .expect("changes")
        .expect("exists");
    assert_eq!(change.after.state, CommentState::Pending);
    assert_eq!(
        store
            .comment(1)
            .await
            .expect("reads")
            .expect("kept")
            .visible_descendants,
        0
    );
}
