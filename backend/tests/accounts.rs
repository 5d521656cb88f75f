//! Readers the site vouches for, on both stores: accounts made and brought
//! up to date, their sessions, and site tokens accepted once.

use chime_backend::store::postgres::PgStore;
use chime_backend::store::sqlite::SqliteStore;
use chime_backend::store::{CommentStore, SiteAccount};
use chime_test_support::postgres;

fn mei(name: &str, badges: &[&str]) -> SiteAccount {
    SiteAccount {
        site_id: "site-42".into(),
        reader: "account-of-site-42".into(),
        name: name.into(),
        name_key: name.to_lowercase(),
        name_key_cased: name.to_uppercase(),
        email: Some("mei@example.com".into()),
        badges: badges.iter().map(|b| (*b).to_owned()).collect(),
        url: None,
    }
}

async fn accounts_sessions_and_tokens(store: &dyn CommentStore) {
    let made = store
        .upsert_account(&mei("Mei", &["Subscriber"]), 1_000)
        .await
        .expect("made");
    assert_eq!(made.name, "Mei");
    assert_eq!(made.badges, vec!["Subscriber"]);
    let renamed = store
        .upsert_account(&mei("Mei Lin", &["Subscriber", "Staff"]), 2_000)
        .await
        .expect("updated");
    assert_eq!(renamed.id, made.id, "the same reader");
    assert_eq!(renamed.name, "Mei Lin");
    assert_eq!(renamed.badges, vec!["Subscriber", "Staff"]);
    assert_eq!((renamed.created_at, renamed.updated_at), (1_000, 2_000));
    // The name's key follows the name.
    assert!(store.name_in_use("mei lin", "-").await.expect("read"));
    assert!(store.name_in_use("-", "MEI LIN").await.expect("read"));
    assert!(!store.name_in_use("mei", "MEI").await.expect("read"));

    store
        .create_reader_session("hash-a", made.id, 2_000, 5_000)
        .await
        .expect("session");
    let live = store.reader_session("hash-a", 4_999).await.expect("read");
    assert_eq!(live.map(|a| a.site_id).as_deref(), Some("site-42"));
    assert_eq!(
        store.reader_session("hash-a", 5_000).await.expect("read"),
        None
    );
    assert_eq!(store.reader_session("nope", 0).await.expect("read"), None);
    store.delete_reader_session("hash-a").await.expect("ended");
    assert_eq!(store.reader_session("hash-a", 0).await.expect("read"), None);

    assert!(store.claim_site_token("jti-1", 3_000).await.expect("claim"));
    assert!(
        !store.claim_site_token("jti-1", 3_000).await.expect("claim"),
        "a replay"
    );
    store.purge_expired(0, 3_000).await.expect("purged");
    assert!(
        store.claim_site_token("jti-1", 9_000).await.expect("claim"),
        "forgotten once the token could no longer be used anyway"
    );
}

#[tokio::test]
async fn sqlite_keeps_accounts_sessions_and_seen_tokens() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("chime.db").display());
    let store = SqliteStore::open(&url).await.expect("store");
    accounts_sessions_and_tokens(&store).await;
}

#[ignore = "needs PostgreSQL (CHIME_TEST_POSTGRES): ./dev test runs it"]
#[tokio::test]
async fn postgres_keeps_accounts_sessions_and_seen_tokens() {
    let url = postgres::database().await;
    let store = PgStore::open(&url, 2).await.expect("store");
    accounts_sessions_and_tokens(&store).await;
}
