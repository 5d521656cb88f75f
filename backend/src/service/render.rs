//! Markdown-lite: a comment body rendered to HTML by pulldown-cmark, then
//! cleaned by ammonia to exactly API.md's allow-list. Anything else the reader
//! typed (raw HTML, images, headings, tables) comes out as text, never markup.

use ammonia::Builder;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The sanitiser, built once: its allow-list is fixed.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "em",
        "strong",
        "code",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
    ]
    .into_iter()
    .collect();
    let mut builder = Builder::default();
    builder
        .tags(tags)
        .clean_content_tags(HashSet::new())
        .generic_attributes(HashSet::new())
        .tag_attributes(std::iter::once(("a", std::iter::once("href").collect())).collect())
        .url_schemes(["http", "https"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow ugc noopener"))
        .strip_comments(true);
    builder
});

/// Renders a body to sanitised HTML.
pub fn render(body: &str) -> String {
    // Strikethrough and friends stay off: only CommonMark's basics.
    let parser = Parser::new_ext(body, Options::empty()).map(lite);
    let mut raw = String::with_capacity(body.len() + body.len() / 4);
    html::push_html(&mut raw, parser);
    SANITIZER.clean(&raw).to_string()
}

/// How many links a body holds as readers meet them, from its rendering
/// (`html`, what `render` made): each link the sanitiser kept, so exactly
/// what can be clicked, and each word of the remaining text that is an
/// address someone can copy (`https:…`, `http:…`, `www.…`).
pub fn links(html: &str) -> usize {
    let html = html.to_lowercase();
    let mut anchors = 0;
    let mut text = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<a ") {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        let open_end = tail.find('>').map_or(tail.len(), |i| i + 1);
        let close = tail.find("</a>").unwrap_or(tail.len());
        if tail[..open_end].contains(" href=") {
            anchors += 1;
        } else {
            // A link the sanitiser emptied: its words are only text.
            text.push(' ');
            text.push_str(&tail[open_end.min(close)..close]);
        }
        text.push(' ');
        rest = tail.get(close + 4..).unwrap_or("");
    }
    text.push_str(rest);
    let addresses = text
        .split(|c: char| c.is_whitespace() || c == '<' || c == '>')
        .filter(|word| word.contains("http:") || word.contains("https:") || word.contains("www."))
        .count();
    anchors + addresses
}

/// Maps markdown that is outside markdown-lite to what a reader meant.
fn lite(event: Event<'_>) -> Event<'_> {
    match event {
        // Raw HTML is shown as the text the reader typed.
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        // A comment's line breaks are the reader's line breaks.
        Event::SoftBreak => Event::HardBreak,
        // Headings, code blocks and HTML blocks read as paragraphs.
        Event::Start(Tag::Heading { .. } | Tag::CodeBlock(_) | Tag::HtmlBlock) => {
            Event::Start(Tag::Paragraph)
        }
        Event::End(TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::HtmlBlock) => {
            Event::End(TagEnd::Paragraph)
        }
        // Images become links to the image (kept only if http/https).
        Event::Start(Tag::Image {
            dest_url,
            title,
            id,
            ..
        }) => Event::Start(Tag::Link {
            link_type: pulldown_cmark::LinkType::Inline,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        Event::Rule => Event::Text(CowStr::Borrowed("---")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_the_allowed_markup() {
        assert_eq!(
            render("*a* **b** `c`"),
            "<p><em>a</em> <strong>b</strong> <code>c</code></p>\n"
        );
        assert!(render("> q").contains("<blockquote>"));
        assert!(render("- a\n- b").contains("<ul>\n<li>a</li>"));
        assert!(render("1. a").contains("<ol>"));
    }

    #[test]
    fn links_are_nofollow_and_http_only() {
        let html = render("[x](https://example.com)");
        assert!(html.contains(r#"href="https://example.com""#), "{html}");
        assert!(html.contains(r#"rel="nofollow ugc noopener""#), "{html}");
        let js = render("[x](javascript:alert(1))");
        assert!(!js.contains("javascript"), "{js}");
        assert!(!render("[x](/relative)").contains("href"));
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script><b>x</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!render("<img src=x onerror=alert(1)>").contains("<img"));
    }

    #[test]
    fn line_breaks_are_kept() {
        assert_eq!(render("a\nb"), "<p>a<br>\nb</p>\n");
    }

    #[test]
    fn headings_and_images_are_downgraded() {
        assert!(!render("# big").contains("<h1"));
        let img = render("![alt](https://e.com/i.png)");
        assert!(!img.contains("<img"), "{img}");
        assert!(img.contains("alt"), "{img}");
    }
}
