//! The query-count guard: a listing page runs the same, small number of SQL
//! statements whatever the size of the thread (no N+1). Counted from the
//! statements sqlx reports, in a test binary of its own because it installs
//! a global tracing subscriber.

use chime_backend::clock::SystemClock;
use chime_backend::service::comments::{self, ListRequest};
use chime_backend::startup::Application;
use chime_backend::startup::config::Settings;
use chime_backend::state::AppState;
use chime_shared::{ArticleId, CommentList, NewComment, PageLimit, ReaderToken, SortOrder};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

struct Count;

/// The statement's first words, as sqlx reports them.
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Count {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        // A pooled connection's set-up (`PRAGMA …`, run once when it opens)
        // is not part of any listing.
        if !summary.0.trim_start_matches('"').starts_with("PRAGMA") {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Seeds `n` comments, a fifth of them replies.
async fn seed(state: &AppState, article: &ArticleId, n: usize) {
    let reader = state
        .readers
        .hash(&ReaderToken::parse("0123456789abcdef0123456789abcdef").expect("token"));
    let mut last_top = None;
    for i in 0..n {
        let parent = if i % 5 == 4 { last_top.clone() } else { None };
        let comment = comments::post(
            state,
            article,
            NewComment {
                author_name: "Seed".into(),
                body: format!("Comment {i} on {article}"),
                parent_id: parent.clone(),
                website: None,
                form_ms: None,
                notify: None,
            },
            comments::Poster {
                reader: &reader,
                address: "seed",
                account: None,
            },
            None,
        )
        .await
        .expect("posted");
        if parent.is_none() {
            last_top = Some(comment.id.to_string());
        }
    }
}

/// Statements one listing ran, and the cursor to the page after it.
async fn statements_for(
    state: &AppState,
    article: &ArticleId,
    sort: SortOrder,
    cursor: Option<String>,
) -> (usize, Option<String>) {
    let reader = state
        .readers
        .hash(&ReaderToken::parse("fedcba9876543210fedcba9876543210").expect("token"));
    let before = STATEMENTS.load(Ordering::SeqCst);
    let page = comments::list(
        state,
        article,
        ListRequest {
            sort,
            limit: PageLimit::DEFAULT,
            cursor,
        },
        Some(&reader),
    )
    .await
    .expect("listed");
    let ran = STATEMENTS.load(Ordering::SeqCst) - before;
    let page: CommentList = serde_json::from_slice(page.body()).expect("a listing");
    assert!(!page.comments.is_empty());
    (ran, page.next_cursor.map(|c| c.as_str().to_owned()))
}

#[tokio::test]
async fn a_listing_page_costs_the_same_statements_for_10_or_1000_comments() {
    let subscriber = tracing_subscriber::registry()
        .with(Count.with_filter(Targets::new().with_target("sqlx::query", tracing::Level::TRACE)));
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let mut settings = Settings::new("127.0.0.1:0".parse().expect("addr"), url);
    // The surge guard counts an article's posts up to a second after the
    // seeding, in a task of its own: its statements would land in whichever
    // listing runs then.
    settings.screening.surge_posts = 0;
    settings.screening.surge_reports = 0;
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("app");
    let state = app.state().clone();
    let small = ArticleId::parse("guard/small").expect("article");
    let large = ArticleId::parse("guard/large").expect("article");
    seed(&state, &small, 30).await;
    seed(&state, &large, 1000).await;

    for sort in [SortOrder::Newest, SortOrder::Oldest, SortOrder::Top] {
        let mut costs = Vec::new();
        for article in [&small, &large] {
            // The first page read from the store, then from the page cache,
            // then the page after it (never kept).
            let (filled, cursor) = statements_for(&state, article, sort, None).await;
            let (kept, _) = statements_for(&state, article, sort, None).await;
            let (next, _) = statements_for(&state, article, sort, cursor).await;
            costs.push((filled, kept, next));
        }
        let [few, many] = costs[..] else {
            unreachable!("two articles")
        };
        assert!(few.0 > 0 && few.2 > 0, "the counter sees statements");
        assert_eq!(
            few, many,
            "{sort:?}: (filled, kept, next page) for 30 comments {few:?}, for 1,000 {many:?}"
        );
        assert!(
            many.0 <= 4 && many.2 <= 4,
            "{sort:?}: {many:?} statements for one page"
        );
        assert_eq!(
            many.1, 0,
            "{sort:?}: a kept first page asks the store nothing"
        );
    }
}
