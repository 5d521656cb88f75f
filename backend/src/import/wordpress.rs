//! WordPress's export (WXR: RSS 2.0 with the `wp:` namespace, versions
//! 1.0 to 1.2): each `<item>` a post or page with its `<wp:comment>`s.
//! Read one item at a time; a comment's id is its item's and its own
//! (some files reuse comment ids across items).

use super::xml::{Node, Record, Xml};
use super::{
    ArticleRule, ImportError, Incoming, Status, Text, Writer, paragraphs, url_path, utc_millis,
};
use std::path::Path;

pub(super) async fn read(
    path: &Path,
    rule: ArticleRule,
    writer: &mut Writer<'_>,
) -> Result<(), ImportError> {
    let mut xml = Xml::new(super::xml::open(path)?);
    let mut seen_rss = false;
    loop {
        let at = xml.position();
        match xml.next()? {
            Node::Start { name, .. } if !seen_rss => {
                if name != "rss" {
                    return Err(ImportError::refused(
                        &format!("byte {at}"),
                        format!("not a WordPress export: its root element is <{name}>, not <rss>"),
                    ));
                }
                seen_rss = true;
            }
            Node::Start {
                name, empty: false, ..
            } if name == "item" => {
                item(&mut xml, at, rule, writer).await?;
            }
            // <channel> is entered; everything else in it is read past,
            // but for the blog's address (the site, in import keys; WXR
            // writes <link>, then the site's and then the blog's base URL,
            // the last the most precise).
            Node::Start {
                name, empty: false, ..
            } if name != "channel" => {
                let record = xml.record()?;
                if matches!(name.as_str(), "link" | "base_site_url" | "base_blog_url")
                    && let Some(site) = record.text("")
                {
                    writer.site(site);
                }
            }
            Node::Eof => {
                if !seen_rss {
                    return Err(ImportError::refused(
                        "the end of the file",
                        "no <rss> element: an empty file?",
                    ));
                }
                return Ok(());
            }
            Node::Start { .. } | Node::End | Node::Text(_) => {}
        }
    }
}

/// One item: its fields, then its comments (WordPress writes them last,
/// but any order is taken).
async fn item(
    xml: &mut Xml,
    at: u64,
    rule: ArticleRule,
    writer: &mut Writer<'_>,
) -> Result<(), ImportError> {
    let mut fields = Record::default();
    let mut comments = Vec::new();
    loop {
        let here = xml.position();
        match xml.next()? {
            Node::Start { name, empty, .. } => {
                if empty {
                    fields.fields.entry(name).or_default();
                } else if name == "comment" {
                    comments.push((here, xml.record()?));
                } else {
                    let record = xml.record()?;
                    // A leaf's text is the record's own (its empty path).
                    let text = record.fields.get("").cloned().unwrap_or_default();
                    fields.fields.insert(name, text);
                }
            }
            Node::End => break,
            Node::Text(_) => {}
            Node::Eof => {
                return Err(ImportError::refused(
                    &format!("byte {at}"),
                    "the file ends inside an <item>",
                ));
            }
        }
    }
    let post_id = fields.text("post_id").unwrap_or_default().to_owned();
    let item_at = format!("byte {at} (the <item> of post {post_id})");
    let page = match rule {
        ArticleRule::Path => fields
            .text("link")
            .and_then(url_path)
            .or_else(|| fields.text("guid").and_then(url_path))
            .ok_or_else(|| ImportError::refused(&item_at, "it has no <link>; try --article id"))?,
        ArticleRule::Id => {
            if post_id.is_empty() {
                return Err(ImportError::refused(
                    &item_at,
                    "it has no <wp:post_id>; try --article path",
                ));
            }
            post_id.clone()
        }
    };
    let closed = fields.text("comment_status") == Some("closed");
    for (here, comment) in comments {
        let at = format!("byte {here} (a <wp:comment> of post {post_id})");
        match incoming(&comment, &post_id, &page, closed, at)? {
            Some(c) => writer.accept(c).await?,
            None => writer.not_a_comment(),
        }
    }
    Ok(())
}

/// A `<wp:comment>`; `None` for a pingback or trackback.
fn incoming(
    comment: &Record,
    post_id: &str,
    page: &str,
    closed: bool,
    at: String,
) -> Result<Option<Incoming>, ImportError> {
    let kind = comment.text("comment_type").unwrap_or("comment");
    if kind != "comment" {
        return Ok(None);
    }
    let own_id = comment
        .text("comment_id")
        .ok_or_else(|| ImportError::refused(&at, "a comment without a <wp:comment_id>"))?;
    let at = format!("{at}, comment {own_id}");
    // The export writes the time in UTC and in the site's zone; where a
    // plugin left the UTC one empty (0000-00-00), the site's is taken.
    let created_at = comment
        .text("comment_date_gmt")
        .and_then(utc_millis)
        .or_else(|| comment.text("comment_date").and_then(utc_millis))
        .ok_or_else(|| ImportError::refused(&at, "no <wp:comment_date_gmt> time it can read"))?;
    let status = match comment.text("comment_approved").unwrap_or("1") {
        "1" | "approve" => Status::Approved,
        "spam" => Status::Spam,
        "trash" | "post-trashed" => Status::Deleted,
        _ => Status::Pending,
    };
    let user = comment.text("comment_user_id").filter(|u| *u != "0");
    let email = comment.text("comment_author_email");
    let name = comment.text("comment_author").unwrap_or_default();
    let author = match (user, email) {
        (Some(user), _) => format!("user:{user}"),
        (None, Some(email)) => format!("email:{}", email.to_lowercase()),
        (None, None) => format!("name:{name}"),
    };
    let content = comment.get("comment_content").unwrap_or_default();
    Ok(Some(Incoming {
        id: format!("{post_id}:{own_id}"),
        parent: comment
            .text("comment_parent")
            .filter(|p| *p != "0")
            .map(|p| format!("{post_id}:{p}")),
        article: page.to_owned(),
        closed,
        author_name: name.to_owned(),
        author,
        address: comment
            .text("comment_author_IP")
            .and_then(|a| a.parse().ok()),
        created_at,
        edited_at: None,
        text: Text::Html(paragraphs(content)),
        status,
        at,
    }))
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn blank_lines_are_paragraphs_and_newlines_are_breaks() {
        assert_eq!(
            paragraphs("One\ntwo\r\n\r\nThree <em>x</em>"),
            "<p>One<br>\ntwo</p><p>Three <em>x</em></p>"
        );
    }
}
