//! Isso's SQLite database (`threads` and `comments`, schema version 3 to
//! 5), opened read-only and read in id order, one row at a time. Isso
//! keeps Markdown as its readers typed it, and their names, e-mail
//! addresses and websites HTML-escaped.

use super::{ImportError, Incoming, Status, Text, Writer};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::Path;

pub(super) async fn read(path: &Path, writer: &mut Writer<'_>) -> Result<(), ImportError> {
    if !path.is_file() {
        return Err(ImportError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let refused = |e: sqlx::Error| {
        ImportError::refused(
            &path.display().to_string(),
            format!("not an Isso database it can read: {e}"),
        )
    };
    let mut connection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(refused)?;
    // Isso makes its session key once, when it first starts: it names the
    // installation (the site) the database is of.
    let site: Option<String> =
        sqlx::query_scalar("SELECT value FROM preferences WHERE key = 'session-key'")
            .fetch_optional(&mut connection)
            .await
            .ok()
            .flatten();
    writer.site(site.as_deref().unwrap_or_default());
    {
        let mut rows = sqlx::query(
            "SELECT c.id, c.parent, c.created, c.modified, c.mode, c.remote_addr, c.text, \
             c.author, c.email, t.uri FROM comments c JOIN threads t ON t.id = c.tid \
             ORDER BY c.id",
        )
        .fetch(&mut connection);
        while let Some(row) = rows.try_next().await.map_err(refused)? {
            let id: i64 = row.try_get("id").map_err(refused)?;
            let at = format!("the comments row with id {id}");
            let comment = incoming(&row, id, &at)
                .map_err(|e| ImportError::refused(&at, format!("a column it cannot read: {e}")))?;
            writer.accept(comment).await?;
        }
    }
    connection.close().await.map_err(refused)?;
    Ok(())
}

fn incoming(row: &sqlx::sqlite::SqliteRow, id: i64, at: &str) -> Result<Incoming, sqlx::Error> {
    let created: f64 = row.try_get("created")?;
    let modified: Option<f64> = row.try_get("modified")?;
    let mode: Option<i64> = row.try_get("mode")?;
    let parent: Option<i64> = row.try_get("parent")?;
    let name = unescape(
        &row.try_get::<Option<String>, _>("author")?
            .unwrap_or_default(),
    );
    let email = unescape(
        &row.try_get::<Option<String>, _>("email")?
            .unwrap_or_default(),
    );
    let author = if email.trim().is_empty() {
        format!("name:{name}")
    } else {
        format!("email:{}", email.trim().to_lowercase())
    };
    Ok(Incoming {
        id: id.to_string(),
        parent: parent.map(|p| p.to_string()),
        article: row.try_get("uri")?,
        // Isso closes no single thread.
        closed: false,
        author_name: name,
        author,
        address: row
            .try_get::<Option<String>, _>("remote_addr")?
            .and_then(|a| a.parse().ok()),
        created_at: (created * 1000.0) as i64,
        edited_at: modified.map(|m| (m * 1000.0) as i64),
        text: text(row.try_get("text")?),
        status: match mode {
            Some(2) => Status::Pending,
            Some(4) => Status::Deleted,
            _ => Status::Approved,
        },
        at: at.to_owned(),
    })
}

/// Isso keeps what its readers typed, as Markdown; but its importers
/// (from Disqus and WordPress) keep the HTML they found, which Isso shows
/// as HTML: that is read as HTML.
fn text(raw: String) -> Text {
    const TAGS: [&str; 18] = [
        "p",
        "br",
        "a",
        "b",
        "i",
        "u",
        "s",
        "em",
        "strong",
        "blockquote",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "div",
        "span",
        "img",
    ];
    let html = raw.match_indices('<').any(|(at, _)| {
        let tag = raw[at + 1..].trim_start_matches('/');
        let name_len = tag
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len());
        let after = tag[name_len..].chars().next();
        TAGS.iter()
            .any(|t| t.eq_ignore_ascii_case(&tag[..name_len]))
            && matches!(after, Some('>' | '/' | ' ' | '\n' | '\t'))
    });
    if html {
        Text::Html(super::paragraphs(&raw))
    } else {
        Text::Markdown(raw)
    }
}

/// Isso's escaping undone (`&amp;`, `&lt;`, `&#x27;`, …).
fn unescape(raw: &str) -> String {
    quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_owned(), |s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::{Text, text};

    #[test]
    fn html_its_importers_kept_is_read_as_html_and_markdown_as_markdown() {
        assert!(matches!(
            text("<p>From Disqus, <b>bold</b></p>".into()),
            Text::Html(h) if h == "<p><p>From Disqus, <b>bold</b></p></p>"
        ));
        assert!(matches!(
            text("Line one\n\n<a href=\"x\">a</a>".into()),
            Text::Html(_)
        ));
        for markdown in ["a < b and b > c", "*Typed* by a reader", "<3 this", "x<p"] {
            assert!(
                matches!(text(markdown.into()), Text::Markdown(ref m) if m == markdown),
                "{markdown}"
            );
        }
    }
}
