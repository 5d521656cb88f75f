//! Disqus's XML export (`<disqus>` with `<category>`, `<thread>` and
//! `<post>` side by side). Threads may come after the posts on them, so
//! the file is read twice: first the threads (a page's names: small), then
//! the posts, one at a time. Posts and threads are known by their
//! `dsq:id` attribute (the `<id>` elements are often empty).

use super::xml::{Node, Record, Xml};
use super::{ArticleRule, ImportError, Incoming, Status, Text, Writer, url_path, utc_millis};
use std::collections::HashMap;
use std::path::Path;

/// A thread's page, by the rule, and whether it is closed; or why it has
/// no page.
type Pages = HashMap<String, Result<(String, bool), String>>;

pub(super) async fn read(
    path: &Path,
    rule: ArticleRule,
    writer: &mut Writer<'_>,
) -> Result<(), ImportError> {
    let (pages, forum) = threads(path, rule)?;
    writer.site(&forum);
    let mut xml = Xml::new(super::xml::open(path)?);
    root(&mut xml)?;
    while let Some(child) = next_child(&mut xml)? {
        if child.name != "post" {
            continue;
        }
        let here = format!("byte {} (a <post>)", child.at);
        match post(child.id, &child.record, &pages, &here)? {
            Some(comment) => writer.accept(comment).await?,
            None => writer.on_no_page(),
        }
    }
    Ok(())
}

/// One of the root's children, read whole.
struct Child {
    name: String,
    /// Its `dsq:id`.
    id: Option<String>,
    record: Record,
    at: u64,
}

/// The root's next child with content (empty ones are passed); `None` at
/// the root's end.
fn next_child(xml: &mut Xml) -> Result<Option<Child>, ImportError> {
    loop {
        let at = xml.position();
        match xml.next()? {
            Node::Start {
                name,
                attributes,
                empty: false,
            } => {
                let record = xml.record()?;
                let id = attributes
                    .into_iter()
                    .find(|(k, _)| k == "id")
                    .map(|(_, v)| v);
                return Ok(Some(Child {
                    name,
                    id,
                    record,
                    at,
                }));
            }
            Node::End | Node::Eof => return Ok(None),
            Node::Start { .. } | Node::Text(_) => {}
        }
    }
}

/// Reads past the root element's start; refuses a file that is not a
/// Disqus export.
fn root(xml: &mut Xml) -> Result<(), ImportError> {
    loop {
        match xml.next()? {
            Node::Start { name, .. } if name == "disqus" => return Ok(()),
            Node::Start { name, .. } => {
                return Err(ImportError::refused(
                    &format!("byte {}", xml.position()),
                    format!("not a Disqus export: its root element is <{name}>, not <disqus>"),
                ));
            }
            Node::Eof => {
                return Err(ImportError::refused(
                    "the end of the file",
                    "no <disqus> element: an empty file?",
                ));
            }
            Node::End | Node::Text(_) => {}
        }
    }
}

/// The first pass: every thread's page, and the forum (the site) of the
/// first thread that names one.
fn threads(path: &Path, rule: ArticleRule) -> Result<(Pages, String), ImportError> {
    let mut xml = Xml::new(super::xml::open(path)?);
    root(&mut xml)?;
    let mut pages = Pages::new();
    let mut forum = String::new();
    while let Some(child) = next_child(&mut xml)? {
        let (true, Some(id)) = (child.name == "thread", child.id) else {
            continue;
        };
        let record = child.record;
        if forum.is_empty() {
            forum = record.text("forum").unwrap_or_default().to_owned();
        }
        let page = match rule {
            ArticleRule::Path => record
                .text("link")
                .and_then(url_path)
                .ok_or_else(|| format!("its thread {id} has no <link>; try --article id")),
            ArticleRule::Id => record
                .text("id")
                .map(str::to_owned)
                .ok_or_else(|| format!("its thread {id} has an empty <id>; try --article path")),
        };
        pages.insert(id, page.map(|page| (page, record.flag("isClosed"))));
    }
    Ok((pages, forum))
}

/// A post; `None` for one whose thread is not in the file (real exports
/// have them: a thread deleted from the forum keeps its posts).
fn post(
    id: Option<String>,
    record: &Record,
    pages: &Pages,
    at: &str,
) -> Result<Option<Incoming>, ImportError> {
    let id = id
        .filter(|id| !id.trim().is_empty())
        .or_else(|| record.text("id").map(str::to_owned))
        .ok_or_else(|| ImportError::refused(at, "a post without a dsq:id"))?;
    let at = format!("{at}, post {id}");
    // The thread's dsq:id; an old form writes it as the element's text.
    let thread = record
        .text("thread@id")
        .or_else(|| record.text("thread"))
        .ok_or_else(|| ImportError::refused(&at, "it names no thread"))?;
    let (article, closed) = match pages.get(thread) {
        Some(Ok(page)) => page.clone(),
        Some(Err(why)) => return Err(ImportError::refused(&at, why.clone())),
        None => return Ok(None),
    };
    let created_at = record
        .text("createdAt")
        .and_then(utc_millis)
        .ok_or_else(|| ImportError::refused(&at, "no <createdAt> time it can read"))?;
    let status = if record.flag("isDeleted") {
        Status::Deleted
    } else if record.flag("isSpam") {
        Status::Spam
    } else {
        Status::Approved
    };
    let username = record
        .text("author/username")
        .filter(|_| !record.flag("author/isAnonymous"));
    let email = record.text("author/email");
    let name = record.text("author/name").unwrap_or_default();
    let author = match (username, email) {
        (Some(user), _) => format!("user:{user}"),
        (None, Some(email)) => format!("email:{}", email.to_lowercase()),
        (None, None) => format!("name:{name}"),
    };
    Ok(Some(Incoming {
        id,
        parent: record
            .get("parent@id")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        article,
        closed,
        author_name: name.to_owned(),
        author,
        address: record.text("ipAddress").and_then(|a| a.parse().ok()),
        created_at,
        edited_at: None,
        text: Text::Html(record.get("message").unwrap_or_default().to_owned()),
        status,
        at,
    }))
}
