//! The demo article's opening conversation, added to an empty store by
//! `chime serve --demo` so a new user sees a living thread.

use crate::service::render::render;
use crate::store::{CommentStore, NewCommentRecord, ReaderHash, StoreResult};
use chime_shared::{ReactionKind, SortOrder};

/// The demo article's id.
pub const DEMO_ARTICLE: &str = "local/ardmore-ferry-vote";

/// (reply-to index, author, body, minutes before now)
const THREAD: &[(Option<usize>, &str, &str, i64)] = &[
    (
        None,
        "Orla B.",
        "Thank you for reporting this properly. For those of us on Kell the ferry *is* the road. Three years is not forever, but it is enough to plan.",
        300,
    ),
    (
        Some(0),
        "Declan",
        "Agreed. The working group needs people who actually sail, not just people who write reports.",
        280,
    ),
    (
        Some(1),
        "Ruth A.",
        "For what it's worth, I voted against because of the sea wall, not the ferry. Both matter. The engineers' report is public; read it:\n\n> repairs required within five years",
        250,
    ),
    (
        None,
        "Sam from the mainland",
        "Mooring fees for visiting yachts seem like a fair way to pay for it. The yachts come *because* the harbour is alive.",
        200,
    ),
    (
        None,
        "K. Whelan",
        "Has anyone looked at the community-owned ferry on the west coast? They bought their boat for less than the engine refit will cost here.",
        90,
    ),
    (
        Some(4),
        "Amir S.",
        "Yes: it's in the brief for the working group. Happy to share the figures once they are cleared.",
        60,
    ),
];

/// Adds the demo thread when the demo article has no comments yet.
pub async fn seed(store: &dyn CommentStore, now: i64) -> StoreResult<bool> {
    let page = store
        .thread_page(DEMO_ARTICLE, SortOrder::Newest, None, 0, 1, None)
        .await?;
    if page.total > 0 {
        return Ok(false);
    }
    let reader = ReaderHash("demo".repeat(8));
    let mut placed: Vec<(i64, i64, i64)> = Vec::new();
    for (parent, author, body, minutes_ago) in THREAD {
        let parent = parent.and_then(|i| placed.get(i).copied());
        let record = store
            .insert_comment(NewCommentRecord {
                article: DEMO_ARTICLE.to_owned(),
                parent_id: parent.map(|p| p.0),
                root_id: parent.map(|p| p.1),
                depth: parent.map_or(0, |p| p.2 + 1),
                author_name: (*author).to_owned(),
                author_reader: reader.0.clone(),
                author_account: None,
                author_address: None,
                author_badges: Vec::new(),
                body: (*body).to_owned(),
                html: render(body),
                created_at: now - minutes_ago * 60_000,
                idempotency_key: None,
                hold: None,
                site_auto_close_days: 0,
            })
            .await?
            .record;
        placed.push((record.id, record.root_id, record.depth));
    }
    for (i, kind) in [ReactionKind::Like, ReactionKind::Love, ReactionKind::Like]
        .into_iter()
        .enumerate()
    {
        let fan = ReaderHash(format!("{i:032}"));
        store
            .set_article_reaction(DEMO_ARTICLE, &fan, kind, true, now)
            .await?;
        if let Some(first) = placed.first() {
            store
                .set_comment_reaction(first.0, &fan, ReactionKind::Like, true, now)
                .await?;
        }
    }
    Ok(true)
}
