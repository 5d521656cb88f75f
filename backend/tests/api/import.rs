//! `chime import --from disqus|wordpress|isso`: real-shaped exports made
//! here (every element the formats document, CDATA, entities, odd
//! encodings, gzip, replies before their parents), imported into the
//! test's store (SQLite, or PostgreSQL in the second run), and checked the
//! way readers see them: by listing every article.

use chime_backend::import::{self, ArticleRule, Deleted, Options, Source, Spam, Summary};
use chime_shared::{Comment, CommentList};
use chime_test_support::app::*;
use reqwest::Method;
use std::io::Write;
use std::path::Path;

fn options() -> Options {
    Options {
        article: ArticleRule::Path,
        spam: Spam::Skip,
        deleted: Deleted::Keep,
        dry_run: false,
        max_depth: 6,
        author_name_max_chars: 100,
    }
}

async fn run(
    app: &TestApp,
    source: Source,
    file: &Path,
    options: &Options,
) -> Result<Summary, import::ImportError> {
    import::run(
        app.state.store.as_ref(),
        &app.state.readers,
        source,
        file,
        options,
    )
    .await
}

/// Every comment of an article, as readers see it, top-level ones oldest
/// first with their replies flattened after them.
async fn read_all(app: &TestApp, article: &str) -> (u64, Vec<Comment>) {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let list: CommentList = app
            .list(article, &format!("?sort=oldest&limit=100{cursor}"), None)
            .await;
        let total = list.total;
        for top in list.comments {
            let mut stack = vec![top];
            while let Some(mut c) = stack.pop() {
                let replies = std::mem::take(&mut c.replies);
                // The thread's further replies, page by page (flat).
                let mut more_at = c.replies_cursor.clone();
                let mut more = Vec::new();
                while let Some(at) = more_at {
                    let page: CommentList = app
                        .request(
                            Method::GET,
                            &format!(
                                "/comments/{}/replies?limit=100&cursor={}",
                                c.id,
                                at.as_str()
                            ),
                            None,
                        )
                        .send()
                        .await
                        .expect("replies")
                        .json()
                        .await
                        .expect("json");
                    more.extend(page.comments);
                    more_at = page.next_cursor;
                }
                stack.extend(more.into_iter().rev());
                all.push(c);
                stack.extend(replies.into_iter().rev());
            }
        }
        match list.next_cursor {
            Some(next) => cursor = format!("&cursor={}", next.as_str()),
            None => return (total, all),
        }
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("written");
    path
}

/// A Disqus export: a category, two threads (the second after the posts
/// on it), posts with CDATA and entity-escaped HTML, a script, replies
/// deeper than the limit, a reply before its parent, one whose parent is
/// missing, a deleted one with a reply, spam, an anonymous guest, times
/// with and without their zone.
fn disqus_export() -> String {
    let mut posts = String::new();
    // A chain nine deep on thread 1: p10 ← p11 ← … ← p18.
    for i in 10..19 {
        let parent = if i == 10 {
            String::new()
        } else {
            format!(r#"<parent dsq:id="{}"/>"#, i - 1)
        };
        posts.push_str(&format!(
            r#"<post dsq:id="{i}"><id/><message><![CDATA[<p>Level {i}</p>]]></message><createdAt>2013-10-10T19:30:{i}Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><email>u{i}@example.org</email><name>User {i}</name><isAnonymous>false</isAnonymous><username>user{i}</username></author><ipAddress>80.250.214.{i}</ipAddress><thread dsq:id="1"/>{parent}</post>
"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd http://disqus.com/api/schemas/1.0/disqus-internals.xsd">
  <category dsq:id="707279"><forum>news</forum><title>General</title><isDefault>true</isDefault></category>
  <thread dsq:id="1">
    <id>story-one</id><forum>news</forum><category dsq:id="707279"/>
    <link>https://news.example/2013/10/story-one/?utm_source=x#comments</link>
    <title>Story &amp;amp; one</title><message/>
    <createdAt>2013-10-10T19:00:00Z</createdAt>
    <author><email>editor@news.example</email><name>Editor</name><isAnonymous>false</isAnonymous><username>editor</username></author>
    <ipAddress>10.0.0.1</ipAddress><isClosed>false</isClosed><isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="1">
    <id/>
    <message>
      <![CDATA[<p>Hello, <b>World</b> &amp; <a href="https://example.org/x">a link</a>.</p><p><script>alert(1)</script>Second paragraph</p>]]>
    </message>
    <createdAt>2013-10-10T19:20:29Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>ann@example.org</email><name>Ann Ålvarez</name><isAnonymous>false</isAnonymous><username>ann</username></author>
    <ipAddress>80.250.214.235</ipAddress>
    <thread dsq:id="1"/>
  </post>
  <post dsq:id="3">
    <id>wp_id=25</id>
    <message>&lt;p&gt;A reply that came &lt;i&gt;before&lt;/i&gt; its parent&lt;/p&gt;</message>
    <createdAt>2013-10-10T19:22:00</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Guest Bob</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="1"/><parent dsq:id="2"/>
  </post>
  <post dsq:id="2">
    <id/><message><![CDATA[<p>The parent</p>]]></message>
    <createdAt>2013-10-10T19:21:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Cleo</name><isAnonymous>false</isAnonymous><username>cleo</username></author>
    <thread dsq:id="1"/><parent dsq:id="1"/>
  </post>
  <post dsq:id="4">
    <id/><message><![CDATA[<p>Buy cheap watches</p>]]></message>
    <createdAt>2013-10-10T19:23:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>true</isSpam>
    <author><name>Spammer</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="1"/>
  </post>
  <post dsq:id="5">
    <id/><message></message>
    <createdAt>2013-10-10T19:24:00Z</createdAt>
    <isDeleted>true</isDeleted><isSpam>false</isSpam>
    <author><name>Dan</name><isAnonymous>false</isAnonymous><username>dan</username></author>
    <thread dsq:id="2"/>
  </post>
  <post dsq:id="6">
    <id/><message><![CDATA[<p>Answer to a deleted comment</p>]]></message>
    <createdAt>2013-10-10T19:25:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Eve</name><isAnonymous>false</isAnonymous><username>eve</username></author>
    <thread dsq:id="2"/><parent dsq:id="5"/>
  </post>
  <post dsq:id="7">
    <id/><message><![CDATA[<p>My parent was never exported</p>]]></message>
    <createdAt>2013-10-10T19:26:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Fay</name><isAnonymous>false</isAnonymous><username>fay</username></author>
    <thread dsq:id="2"/><parent dsq:id="999"/>
  </post>
  <post dsq:id="8">
    <id/><message><![CDATA[<p>On a thread deleted from the forum</p>]]></message>
    <createdAt>2013-10-10T19:27:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Gil</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="1337"/>
  </post>
{posts}
  <thread dsq:id="2">
    <id/><forum>news</forum><category dsq:id="707279"/>
    <link>http://news.example/2013/10/story-two/</link>
    <title>Story two</title><message/>
    <createdAt>2013-10-10T19:00:00Z</createdAt>
    <author><name>Editor</name><isAnonymous>false</isAnonymous><username>editor</username></author>
    <isClosed>true</isClosed><isDeleted>false</isDeleted>
  </thread>
</disqus>
"#
    )
}

#[tokio::test]
async fn a_disqus_export_reads_as_it_did_on_the_site() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "news-all.xml", disqus_export().as_bytes());
    let summary = run(&app, Source::Disqus, &file, &options())
        .await
        .expect("imported");
    assert_eq!(summary.read, 17, "{summary:#?}");
    assert_eq!(summary.no_page, 1, "{summary:#?}");
    assert_eq!(summary.imported, 15, "{summary:#?}");
    assert_eq!(summary.skipped_spam, 1);
    assert_eq!(summary.deleted_kept, 1);
    assert_eq!(summary.orphans, 1);
    assert_eq!(summary.articles, 2);
    assert_eq!(summary.articles_new, 2);
    // A thread closed on Disqus is closed here.
    assert_eq!(summary.articles_closed, 1);
    assert!(
        app.list("/2013/10/story-two/", "", None)
            .await
            .closes_at
            .is_some()
    );
    assert!(
        app.list("/2013/10/story-one/", "", None)
            .await
            .closes_at
            .is_none()
    );
    // Beyond six levels below the top, replies go beside their parent.
    assert_eq!(summary.flattened, 2);

    let (total, one) = read_all(&app, "/2013/10/story-one/").await;
    assert_eq!(total, 12, "three comments and the chain of nine");
    let first = &one[0];
    assert_eq!(first.author.name, "Ann Ålvarez");
    assert_eq!(first.created_at.unix_timestamp(), 1_381_432_829);
    assert!(
        first.html.contains("<strong>World</strong>"),
        "{}",
        first.html
    );
    assert!(
        first
            .html
            .contains(r#"<a href="https://example.org/x" rel="nofollow ugc noopener">a link</a>"#),
        "{}",
        first.html
    );
    assert!(!first.html.contains("<script"), "{}", first.html);
    assert_eq!(first.reply_count, 2);
    // The reply that came first hangs under its parent, which hangs under
    // the first comment.
    let parent = one.iter().find(|c| c.body == "The parent").expect("parent");
    assert_eq!(parent.parent_id.as_ref(), Some(&first.id));
    let early = one
        .iter()
        .find(|c| c.body.contains("before"))
        .expect("early reply");
    assert_eq!(early.parent_id.as_ref(), Some(&parent.id));
    assert_eq!(
        early.html,
        "<p>A reply that came <em>before</em> its parent</p>\n"
    );
    assert_eq!(early.author.name, "Guest Bob");
    assert!(
        !one.iter().any(|c| c.body.contains("watches")),
        "spam left out"
    );
    // The chain: six levels below its top, then beside.
    let level = |n: u32| {
        one.iter()
            .find(|c| c.body == format!("Level {n}"))
            .unwrap_or_else(|| panic!("level {n}"))
    };
    assert_eq!(level(16).parent_id.as_ref(), Some(&level(15).id));
    assert_eq!(level(17).parent_id.as_ref(), Some(&level(15).id));
    assert_eq!(level(18).parent_id.as_ref(), Some(&level(15).id));

    let (total, two) = read_all(&app, "/2013/10/story-two/").await;
    assert_eq!(total, 2);
    let tombstone = &two[0];
    assert_eq!(tombstone.state, chime_shared::CommentState::Deleted);
    assert!(tombstone.body.is_empty() && tombstone.author.name.is_empty());
    assert_eq!(two[1].parent_id.as_ref(), Some(&tombstone.id));
    assert_eq!(two[2].body, "My parent was never exported");
    assert_eq!(two[2].parent_id, None);

    // The counts readers see agree.
    let counts: serde_json::Value = app
        .request(
            Method::GET,
            "/counts?article=%2F2013%2F10%2Fstory-one%2F&article=%2F2013%2F10%2Fstory-two%2F",
            None,
        )
        .send()
        .await
        .expect("counts")
        .json()
        .await
        .expect("json");
    assert_eq!(counts["counts"]["/2013/10/story-one/"], 12);
    assert_eq!(counts["counts"]["/2013/10/story-two/"], 2);

    // Again: nothing new, nothing twice.
    let again = run(&app, Source::Disqus, &file, &options())
        .await
        .expect("again");
    assert_eq!(again.imported, 0, "{again:#?}");
    assert_eq!(again.already, 15);
    assert_eq!(read_all(&app, "/2013/10/story-one/").await.0, 12);
}

/// The moderation view's comments on every article, any state.
async fn moderated(app: &TestApp, cookie: &str) -> Vec<serde_json::Value> {
    let list: serde_json::Value = app.mod_get("/comments?state=all&limit=100", cookie).await;
    list["comments"].as_array().expect("comments").clone()
}

#[tokio::test]
async fn a_second_import_brings_back_nothing_erased_and_a_second_site_is_its_own() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let export = disqus_export();
    let file = write(dir.path(), "news.xml", export.as_bytes());
    run(&app, Source::Disqus, &file, &options())
        .await
        .expect("imported");
    let admin = app.admin_cookie("root").await;
    let all = moderated(&app, &admin).await;
    // A deleted comment keeps nothing of its author.
    let tombstone = all
        .iter()
        .find(|c| c["state"] == "deleted")
        .expect("the tombstone");
    assert_eq!(tombstone["reader"], "", "{tombstone}");
    // Ann erases what she wrote.
    let ann = all
        .iter()
        .find(|c| c["body"].as_str().is_some_and(|b| b.starts_with("Hello")))
        .expect("Ann's comment");
    let reader = ann["reader"].as_str().expect("her key");
    let erased = app
        .moderation(Method::DELETE, &format!("/readers/{reader}/data"), &admin)
        .send()
        .await
        .expect("erased");
    assert_eq!(erased.status(), 200);
    assert_eq!(read_all(&app, "/2013/10/story-one/").await.0, 11);

    // The same file again, with Cleo's account renamed since: nothing of
    // it comes in again, and Ann's words stay gone.
    let renamed = export.replace("<username>cleo</username>", "<username>cleo2</username>");
    let file = write(dir.path(), "news-again.xml", renamed.as_bytes());
    let again = run(&app, Source::Disqus, &file, &options())
        .await
        .expect("again");
    assert_eq!((again.imported, again.already), (0, 15), "{again:#?}");
    let (total, one) = read_all(&app, "/2013/10/story-one/").await;
    assert_eq!(total, 11);
    assert!(!one.iter().any(|c| c.body.starts_with("Hello")), "{one:#?}");

    // Another forum's export, with the same ids: its own comments.
    let other = export.replace("<forum>news</forum>", "<forum>sports</forum>");
    let file = write(dir.path(), "sports.xml", other.as_bytes());
    let sports = run(&app, Source::Disqus, &file, &options())
        .await
        .expect("another site");
    assert_eq!((sports.imported, sports.already), (15, 0), "{sports:#?}");
    // (Counted in the store: this server's first pages were cached before
    // the import, and an import into a running server's store is followed
    // by a restart, OPERATIONS.md says.)
    let counts: serde_json::Value = app
        .request(
            Method::GET,
            "/counts?article=%2F2013%2F10%2Fstory-one%2F",
            None,
        )
        .send()
        .await
        .expect("counts")
        .json()
        .await
        .expect("json");
    assert_eq!(counts["counts"]["/2013/10/story-one/"], 23);
}

#[tokio::test]
async fn spam_can_be_held_and_deleted_ones_left_out() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "news.xml", disqus_export().as_bytes());
    let chosen = Options {
        spam: Spam::Hold,
        deleted: Deleted::Skip,
        article: ArticleRule::Id,
        ..options()
    };
    let summary = run(&app, Source::Disqus, &file, &chosen).await;
    // By the site's own id, the second thread has none.
    let Err(import::ImportError::Refused { at, reason }) = summary else {
        panic!("{summary:?}")
    };
    assert!(at.contains("post 5"), "{at}");
    assert!(reason.contains("thread 2 has an empty <id>"), "{reason}");
    assert_eq!(
        read_all(&app, "story-one").await.0,
        0,
        "nothing was written"
    );

    let chosen = Options {
        article: ArticleRule::Path,
        ..chosen
    };
    let summary = run(&app, Source::Disqus, &file, &chosen)
        .await
        .expect("imported");
    assert_eq!(summary.held, 1);
    assert_eq!(summary.skipped_deleted, 1);
    let cookie = app.moderator_cookie("mo").await;
    let queue: serde_json::Value = app.mod_get("/comments?state=pending", &cookie).await;
    let held = &queue["comments"][0];
    assert_eq!(held["body"], "Buy cheap watches");
    assert_eq!(
        held["hidden_reason"],
        "Marked as spam in the Disqus export."
    );
    // The deleted comment's reply moved up to the top.
    let (_, two) = read_all(&app, "/2013/10/story-two/").await;
    assert_eq!(two.len(), 2);
    assert!(two.iter().all(|c| c.parent_id.is_none()), "{two:#?}");
}

#[tokio::test]
async fn odd_encodings_and_gzip_read_the_same() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let text = disqus_export().replace(r#"encoding="utf-8""#, r#"encoding="ISO-8859-1""#);
    let (latin1, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    let latin = write(dir.path(), "latin1.xml", &latin1);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.replace("ISO-8859-1", "utf-8").as_bytes())
        .expect("gzip");
    let gzipped = write(dir.path(), "news.xml.gz", &gz.finish().expect("gzip"));
    let mut utf16 = vec![0xff, 0xfe];
    for unit in text.replace("ISO-8859-1", "UTF-16").encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let wide = write(dir.path(), "utf16.xml", &utf16);
    for (file, dry) in [(&latin, true), (&gzipped, true), (&wide, false)] {
        let summary = run(
            &app,
            Source::Disqus,
            file,
            &Options {
                dry_run: dry,
                ..options()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(summary.imported, 15, "{}", file.display());
    }
    let (_, one) = read_all(&app, "/2013/10/story-one/").await;
    assert_eq!(
        one[0].author.name, "Ann Ålvarez",
        "the dry runs wrote nothing; UTF-16 read right"
    );
    assert_eq!(read_all(&app, "/2013/10/story-one/").await.0, 12);
}

#[tokio::test]
async fn a_broken_file_is_refused_where_it_breaks_and_nothing_is_kept() {
    let app = spawn_app().await;
    app.comment("/2013/10/story-one/", &reader(), "Already here", None)
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let whole = disqus_export();
    let cut = whole.find(r#"<post dsq:id="7">"#).expect("post 7");
    let broken = format!(
        "{}<post dsq:id=\"7\"><message>unclosed</post>",
        &whole[..cut]
    );
    let file = write(dir.path(), "broken.xml", broken.as_bytes());
    let err = run(&app, Source::Disqus, &file, &options())
        .await
        .expect_err("refused");
    let shown = err.to_string();
    assert!(shown.starts_with("byte "), "{shown}");
    let byte: usize = shown[5..]
        .split(':')
        .next()
        .expect("a position")
        .trim()
        .parse()
        .expect("a number");
    assert!(byte > cut, "{shown} (the break is after byte {cut})");
    assert!(shown.contains("not well-formed XML"), "{shown}");
    let (total, one) = read_all(&app, "/2013/10/story-one/").await;
    assert_eq!((total, one.len()), (1, 1), "only what was there before");
    let not_disqus = write(
        dir.path(),
        "rss.xml",
        b"<?xml version=\"1.0\"?><rss><channel/></rss>",
    );
    let err = run(&app, Source::Disqus, &not_disqus, &options())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("not a Disqus export"), "{err}");
}

/// A WordPress export (WXR 1.2): a post with comments of every kind.
fn wordpress_export(version: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/{version}/">
<channel>
  <title>A blog</title><link>https://blog.example</link>
  <wp:wxr_version>{version}</wp:wxr_version><wp:base_site_url>https://blog.example</wp:base_site_url>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[admin]]></wp:author_login></wp:author>
  <item>
    <title><![CDATA[Hello world]]></title>
    <link>https://blog.example/2014/hello/</link>
    <pubDate>Tue, 14 Jan 2014 17:31:03 +0000</pubDate>
    <dc:creator><![CDATA[admin]]></dc:creator>
    <guid isPermaLink="false">https://blog.example/?p=18</guid>
    <content:encoded><![CDATA[<p>The post</p>]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>18</wp:post_id>
    <wp:post_date><![CDATA[2014-01-14 18:31:03]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[2014-01-14 17:31:03]]></wp:post_date_gmt>
    <wp:comment_status><![CDATA[open]]></wp:comment_status>
    <wp:post_name><![CDATA[hello]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:postmeta><wp:meta_key><![CDATA[_edit_last]]></wp:meta_key><wp:meta_value><![CDATA[1]]></wp:meta_value></wp:postmeta>
    <wp:comment>
      <wp:comment_id>7</wp:comment_id>
      <wp:comment_author><![CDATA[Tester]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[t@blog.example]]></wp:comment_author_email>
      <wp:comment_author_url>https://t.example</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[::ffff:86.56.63.1]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2014-04-29 17:21:35]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[2014-04-29 15:21:35]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[First line
second line with a CDATA end ]]]]><![CDATA[> inside

A new paragraph <strong>bold</strong>]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
      <wp:comment_user_id>0</wp:comment_user_id>
      <wp:commentmeta><wp:meta_key><![CDATA[akismet_result]]></wp:meta_key><wp:meta_value><![CDATA[false]]></wp:meta_value></wp:commentmeta>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>9</wp:comment_id>
      <wp:comment_author><![CDATA[Admin]]></wp:comment_author>
      <wp:comment_author_email></wp:comment_author_email>
      <wp:comment_author_url></wp:comment_author_url>
      <wp:comment_author_IP></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2014-04-30 10:00:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Thanks, Tester!]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[]]></wp:comment_type>
      <wp:comment_parent>7</wp:comment_parent>
      <wp:comment_user_id>1</wp:comment_user_id>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>10</wp:comment_id>
      <wp:comment_author><![CDATA[Waiting]]></wp:comment_author>
      <wp:comment_date_gmt><![CDATA[2014-05-01 10:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Not yet approved]]></wp:comment_content>
      <wp:comment_approved><![CDATA[0]]></wp:comment_approved>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>11</wp:comment_id>
      <wp:comment_author><![CDATA[Spam]]></wp:comment_author>
      <wp:comment_date_gmt><![CDATA[2014-05-01 11:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[cheap pills]]></wp:comment_content>
      <wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>12</wp:comment_id>
      <wp:comment_author><![CDATA[Other blog]]></wp:comment_author>
      <wp:comment_date_gmt><![CDATA[2014-05-01 12:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[[...] a pingback [...]]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[pingback]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
  </item>
  <item>
    <title>A page without comments</title><link>https://blog.example/about/</link>
    <wp:post_id>2</wp:post_id><wp:post_type>page</wp:post_type>
  </item>
</channel>
</rss>
"#
    )
}

#[tokio::test]
async fn a_wordpress_export_of_any_version_reads_as_the_blog_showed_it() {
    for (version, rule, article) in [
        ("1.2", ArticleRule::Path, "/2014/hello/"),
        ("1.0", ArticleRule::Id, "18"),
    ] {
        let app = spawn_app().await;
        let dir = tempfile::tempdir().expect("dir");
        let file = write(
            dir.path(),
            "blog.wordpress.xml",
            wordpress_export(version).as_bytes(),
        );
        let summary = run(
            &app,
            Source::WordPress,
            &file,
            &Options {
                article: rule,
                ..options()
            },
        )
        .await
        .expect("imported");
        assert_eq!(summary.read, 5, "{summary:#?}");
        assert_eq!(summary.not_comments, 1);
        assert_eq!(summary.skipped_spam, 1);
        assert_eq!((summary.visible, summary.held), (2, 1), "{summary:#?}");
        let (total, all) = read_all(&app, article).await;
        assert_eq!(total, 2);
        let first = &all[0];
        assert_eq!(first.author.name, "Tester");
        assert_eq!(
            first.html,
            "<p>First line<br>\nsecond line with a CDATA end ]]&gt; inside</p>\n<p>A new paragraph <strong>bold</strong></p>\n",
        );
        assert_eq!(first.created_at.unix_timestamp(), 1_398_784_895);
        let answer = &all[1];
        assert_eq!(answer.parent_id.as_ref(), Some(&first.id));
        // No UTC time: the site's own is taken.
        assert_eq!(answer.created_at.unix_timestamp(), 1_398_852_000);
    }
}

/// Ten thousand comments on a hundred articles, a third of them replies.
#[tokio::test]
async fn ten_thousand_comments_come_in_whole() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">"#,
    );
    for t in 0..100 {
        xml.push_str(&format!(
            r#"<thread dsq:id="t{t}"><id>a{t}</id><link>https://news.example/a/{t}/</link><title>A{t}</title></thread>"#
        ));
    }
    for i in 0..10_000u32 {
        let thread = i % 100;
        let parent = if i >= 200 && i % 3 == 0 {
            format!(r#"<parent dsq:id="{}"/>"#, i - 100 * (1 + i % 2))
        } else {
            String::new()
        };
        xml.push_str(&format!(
            r#"<post dsq:id="{i}"><message><![CDATA[<p>Comment {i}</p>]]></message><createdAt>2020-01-01T00:{:02}:{:02}Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Reader {}</name><username>r{}</username></author><thread dsq:id="t{thread}"/>{parent}</post>"#,
            (i / 60) % 60,
            i % 60,
            i % 500,
            i % 500
        ));
    }
    xml.push_str("</disqus>");
    let file = write(dir.path(), "big.xml", xml.as_bytes());
    let summary = run(&app, Source::Disqus, &file, &options())
        .await
        .expect("imported");
    assert_eq!(
        (summary.imported, summary.articles),
        (10_000, 100),
        "{summary:#?}"
    );
    println!("{summary}");
    let mut seen = 0;
    for t in 0..100 {
        let (total, all) = read_all(&app, &format!("/a/{t}/")).await;
        assert_eq!(total as usize, all.len());
        seen += all.len();
    }
    assert_eq!(seen, 10_000, "every comment listed once");
}

/// A real Isso (PyPI `isso`, which `./dev test` installs and names in
/// `CHIME_TEST_ISSO`), stopped when dropped.
struct Isso {
    child: std::process::Child,
    url: String,
}

impl Isso {
    async fn start(dir: &Path, database: &Path, moderated: bool) -> Self {
        let program = std::env::var("CHIME_TEST_ISSO")
            .expect("CHIME_TEST_ISSO: the isso program (./dev test installs it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.join(format!("isso-{moderated}.cfg"));
        std::fs::write(
            &config,
            format!(
                "[general]\ndbpath = {}\nhost = http://news.example/\n\
                 [server]\nlisten = http://127.0.0.1:{port}/\n\
                 [moderation]\nenabled = {moderated}\n[guard]\nenabled = false\n",
                database.display()
            ),
        )
        .expect("config");
        let child = std::process::Command::new(program)
            .args(["-c".as_ref(), config.as_os_str(), "run".as_ref()])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("isso.log")).expect("log"))
            .spawn()
            .expect("isso starts");
        let isso = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/info", isso.url)).await.is_ok() {
                return isso;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "Isso did not start: {}",
            std::fs::read_to_string(dir.join("isso.log")).unwrap_or_default()
        );
    }

    /// Posts through Isso's own API; the comment's id and the cookie that
    /// lets its author edit or delete it.
    async fn post(&self, uri: &str, body: serde_json::Value) -> (i64, String) {
        let response = reqwest::Client::new()
            .post(format!("{}/new?uri={uri}", self.url))
            .json(&body)
            .send()
            .await
            .expect("isso answers");
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_owned();
        let json: serde_json::Value = response.json().await.expect("json");
        (json["id"].as_i64().expect("an id"), cookie)
    }

    async fn change(&self, method: Method, id: i64, cookie: &str, body: Option<serde_json::Value>) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/id/{id}", self.url))
            .header("Cookie", cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("isso answers");
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }
}

impl Drop for Isso {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs Isso from PyPI: ./dev test installs it and sets CHIME_TEST_ISSO"]
async fn an_isso_database_written_by_isso_itself() {
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("comments.db");
    {
        let isso = Isso::start(dir.path(), &database, false).await;
        let hello = "/blog/hello/";
        let (first, _) = isso
            .post(
                hello,
                serde_json::json!({"title": "Hello", "text": "Hello *world*! <script>alert(1)</script>",
                    "author": "Tom & Jerry <x>", "email": "tom@example.org", "website": "example.org"}),
            )
            .await;
        let (reply, reply_cookie) = isso
            .post(
                hello,
                serde_json::json!({"text": "A **reply**.", "author": "Bob", "parent": first}),
            )
            .await;
        // Isso flattens this one to the first comment.
        isso.post(
            hello,
            serde_json::json!({"text": "A reply to the reply.", "author": "Cy", "parent": reply}),
        )
        .await;
        isso.change(
            Method::PUT,
            reply,
            &reply_cookie,
            Some(serde_json::json!({"text": "A **reply**, edited."})),
        )
        .await;
        let (gone, gone_cookie) = isso
            .post(
                "/blog/other/",
                serde_json::json!({"title": "Other", "text": "Soon deleted", "author": "Di"}),
            )
            .await;
        isso.post(
            "/blog/other/",
            serde_json::json!({"text": "Still here", "author": "Ed", "parent": gone}),
        )
        .await;
        // It has a reply: Isso keeps it, emptied (mode 4).
        isso.change(Method::DELETE, gone, &gone_cookie, None).await;
    }
    {
        let isso = Isso::start(dir.path(), &database, true).await;
        isso.post(
            "/blog/hello/",
            serde_json::json!({"text": "Waiting for Isso's moderator", "author": "Fay"}),
        )
        .await;
    }

    let app = spawn_app().await;
    let summary = run(&app, Source::Isso, &database, &options())
        .await
        .expect("imported");
    assert_eq!(summary.read, 6, "{summary:#?}");
    assert_eq!(
        (summary.visible, summary.held, summary.deleted_kept),
        (4, 1, 1),
        "{summary:#?}"
    );
    let (total, hello) = read_all(&app, "/blog/hello/").await;
    assert_eq!(total, 3);
    let first = &hello[0];
    assert_eq!(first.author.name, "Tom & Jerry <x>");
    assert_eq!(first.body, "Hello *world*! <script>alert(1)</script>");
    assert_eq!(
        first.html,
        "<p>Hello <em>world</em>! &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    );
    let reply = &hello[1];
    assert_eq!(reply.body, "A **reply**, edited.");
    assert!(reply.edited_at.is_some());
    assert_eq!(reply.parent_id.as_ref(), Some(&first.id));
    assert_eq!(hello[2].parent_id.as_ref(), Some(&first.id));
    let (total, other) = read_all(&app, "/blog/other/").await;
    assert_eq!(total, 1);
    assert_eq!(other[0].state, chime_shared::CommentState::Deleted);
    assert_eq!(other[1].body, "Still here");
    let cookie = app.moderator_cookie("mo").await;
    let queue: serde_json::Value = app.mod_get("/comments?state=pending", &cookie).await;
    assert_eq!(queue["comments"][0]["body"], "Waiting for Isso's moderator");
}
