//! Property tests ("fuzzing") of the markdown renderer and sanitiser: for
//! any body, including the kept corpus (`tests/corpus`), the HTML holds
//! only the allowed tags, `<a>` carries only an http(s) `href` and our
//! `rel`, and nothing else has an attribute: no script, handler, style or
//! other scheme can come through. `PROPTEST_CASES` sets the random cases.

use chime_backend::service::render::render;
use proptest::prelude::*;

const ALLOWED: [&str; 10] = [
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
];

fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut all = Vec::new();
    for file in ["blns.json", "payloads.json"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the corpus is kept");
        let list: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
        all.extend(list);
    }
    all
}

/// `name="value"` pairs of a tag's attribute text, as the sanitiser writes
/// them; `None` if it is not in that shape.
fn attributes(mut rest: &str) -> Option<Vec<(&str, &str)>> {
    let mut found = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest == "/" {
            return Some(found);
        }
        let eq = rest.find("=\"")?;
        let name = &rest[..eq];
        let after = &rest[eq + 2..];
        let end = after.find('"')?;
        found.push((name, &after[..end]));
        rest = &after[end + 1..];
    }
}

/// Every tag in `html` is allowed, with only the allowed attributes.
fn assert_safe(body: &str, html: &str) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .unwrap_or_else(|| panic!("an unclosed tag in {html:?} from {body:?}"));
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        assert!(
            ALLOWED.contains(&name),
            "tag <{name}> in {html:?} from {body:?}"
        );
        let attrs = attributes(&tag[name_end..])
            .unwrap_or_else(|| panic!("odd attributes in <{tag}> from {body:?}"));
        for (attr, value) in attrs {
            match (name, attr) {
                ("a", "href") => assert!(
                    value.starts_with("http://") || value.starts_with("https://"),
                    "href {value:?} from {body:?}"
                ),
                ("a", "rel") => assert_eq!(value, "nofollow ugc noopener"),
                _ => panic!("attribute {attr}={value:?} on <{name}> from {body:?}"),
            }
        }
    }
    assert!(!html.contains("<script"), "{html:?}");
}

fn check(body: &str) {
    assert_safe(body, &render(body));
}

/// Markdown-ish bodies: links, emphasis, raw HTML and entities run together.
fn body() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<",
        ">",
        "\"",
        "'",
        "&",
        "&lt;",
        "&#60;",
        "&#x3C;",
        "<script>",
        "</script>",
        "<img src=x ",
        "onerror=",
        "onload=",
        "style=",
        "javascript:",
        "JaVaScRiPt:",
        "data:",
        "vbscript:",
        "[x](",
        "](",
        ")",
        "![",
        "<https://",
        "http://",
        "https://e.com/",
        "**",
        "*",
        "_",
        "`",
        "```",
        "> ",
        "- ",
        "1. ",
        "# ",
        "\n",
        "\n\n",
        "\t",
        " ",
        "\u{0}",
        "\u{202e}",
        "<a href=",
        "<svg",
        "<style>",
        "</style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "\\",
        "%0a",
        "a",
        "é",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(piece, 0..60).prop_map(|p| p.concat()),
    ]
}

#[test]
fn the_corpus_renders_safely() {
    let corpus = corpus();
    assert!(corpus.len() > 400, "the corpus is whole");
    for body in &corpus {
        check(body);
    }
    // Pairs of entries, too: markup split across two strings.
    for pair in corpus.windows(2) {
        check(&pair.concat());
    }
}

proptest! {
    #[test]
    fn any_body_renders_to_allowed_html_only(body in body()) {
        check(&body);
    }
}

#[test]
fn the_checker_catches_what_it_looks_for() {
    for bad in [
        "<script>alert(1)</script>",
        "<img src=x>",
        "<p onclick=\"x\">a</p>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"https://e.com\" style=\"x\">x</a>",
        "<a href=\"/relative\">x</a>",
        "<p",
    ] {
        let caught = std::panic::catch_unwind(|| assert_safe("test", bad));
        assert!(caught.is_err(), "{bad} passed the checker");
    }
    assert_safe(
        "test",
        "<p><a href=\"https://e.com/\" rel=\"nofollow ugc noopener\">x</a><br></p>",
    );
}
