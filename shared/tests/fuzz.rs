//! Property tests ("fuzzing") of every `parse` in `shared` and of the JSON
//! bodies: any input gives a value or an error, never a panic, and a value
//! only when the rule the type promises holds. Each property also runs the
//! kept corpus (`tests/corpus`: the Big List of Naughty Strings and our own
//! payloads); proptest keeps any failing case in `proptest-regressions/`.
//! `PROPTEST_CASES` sets how many random cases run (CI: the default 256;
//! `./dev fuzz`: many more). Native only: see Cargo.toml.
#![cfg(not(target_arch = "wasm32"))]

use chime_shared::*;
use proptest::prelude::*;
use serde_json::Value;

/// The kept corpus: naughty strings and hostile payloads.
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

/// Random text: any Unicode, or pieces of markup, links and control
/// characters run together.
fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<",
        ">",
        "\"",
        "'",
        "&",
        "&amp;",
        "<script>",
        "</script>",
        "javascript:",
        "[x](",
        ")",
        "![",
        "**",
        "`",
        "\n",
        "\r\n",
        "\t",
        "\u{0}",
        "\u{7f}",
        "\u{202e}",
        "\u{feff}",
        " ",
        "é",
        "👍🏽",
        "a",
        "0",
        "-",
        "_",
        ".",
        "%2F",
        "/",
        "\\",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(piece, 0..40).prop_map(|p| p.concat()),
        "[a-zA-Z0-9_.-]{0,70}",
        "[0-9a-fA-F]{30,34}",
    ]
}

fn is_ascii_word(raw: &str, extra: &[u8], max: usize) -> bool {
    !raw.is_empty()
        && raw.len() <= max
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

/// What each id type promises, checked against its parser.
fn check_ids(raw: &str) {
    let chars = raw.chars().count();
    let article_ok = (1..=ARTICLE_ID_MAX_CHARS).contains(&chars)
        && !raw.chars().any(char::is_control)
        && raw.trim() == raw;
    match ArticleId::parse(raw) {
        Ok(id) => {
            assert!(article_ok, "article id accepted: {raw:?}");
            assert_eq!(id.as_str(), raw);
        }
        Err(_) => assert!(!article_ok, "article id refused: {raw:?}"),
    }
    assert_eq!(
        CommentId::parse(raw).is_ok(),
        is_ascii_word(raw, b"-_", 64),
        "{raw:?}"
    );
    assert_eq!(
        Cursor::parse(raw).is_ok(),
        is_ascii_word(raw, b".-_", 200),
        "{raw:?}"
    );
    match ReaderToken::parse(raw) {
        Ok(token) => {
            assert!(raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(token.as_str(), raw.to_ascii_lowercase());
        }
        Err(_) => assert!(raw.len() != 32 || !raw.bytes().all(|b| b.is_ascii_hexdigit())),
    }
    let key_ok =
        !raw.is_empty() && raw.len() <= 64 && raw.bytes().all(|b| (0x20..0x7f).contains(&b));
    assert_eq!(IdempotencyKey::parse(raw).is_ok(), key_ok, "{raw:?}");
    // Through serde the same rule holds: a bad id never becomes a value.
    let json = serde_json::to_string(raw).expect("a string serialises");
    assert_eq!(
        serde_json::from_str::<ArticleId>(&json).is_ok(),
        article_ok,
        "{raw:?}"
    );
    assert_eq!(
        serde_json::from_str::<CommentId>(&json).is_ok(),
        is_ascii_word(raw, b"-_", 64)
    );
}

/// Typed text: kept exactly, and only within its length and characters.
fn check_text(raw: &str) {
    let trimmed = raw.trim().chars().count();
    if let Ok(body) = CommentBody::parse(raw, BODY_MAX_CHARS) {
        assert_eq!(body.as_str(), raw);
        assert!((1..=BODY_MAX_CHARS).contains(&trimmed), "{raw:?}");
        assert!(
            raw.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')),
            "{raw:?}"
        );
    }
    if let Ok(name) = AuthorName::parse(raw, AUTHOR_NAME_MAX_CHARS) {
        assert_eq!(name.as_str(), raw);
        assert!((1..=AUTHOR_NAME_MAX_CHARS).contains(&trimmed), "{raw:?}");
        assert!(!raw.chars().any(char::is_control), "{raw:?}");
    }
    match Note::parse_optional("note", Some(raw)) {
        Ok(Some(note)) => {
            assert_eq!(note.as_str(), raw);
            assert!(raw.chars().count() <= NOTE_MAX_CHARS);
        }
        Ok(None) => assert!(raw.trim().is_empty()),
        Err(_) => {}
    }
}

/// Each word list parses its own words back and nothing it would not
/// print.
fn check_words(raw: &str) {
    fn round_trip<T: PartialEq + std::fmt::Debug>(
        raw: &str,
        parse: impl Fn(&str) -> Result<T, ParseError>,
        print: impl Fn(&T) -> String,
    ) {
        if let Ok(value) = parse(raw) {
            let again = parse(&print(&value)).expect("its own word parses");
            assert_eq!(again, value, "{raw:?}");
        }
    }
    round_trip(raw, SortOrder::parse, |v| v.as_str().to_owned());
    round_trip(raw, CommentState::parse, |v| v.as_str().to_owned());
    round_trip(raw, ReportReason::parse, |v| v.as_str().to_owned());
    round_trip(raw, ReactionKind::parse, |v| v.as_str().to_owned());
    round_trip(raw, Role::parse, |v| v.as_str().to_owned());
    round_trip(raw, ModStateFilter::parse, |v| v.as_str().to_owned());
    round_trip(raw, AuditAction::parse, |v| v.as_str().to_owned());
}

/// A body decoded from `bytes` as the server decodes it, when it is one:
/// then `bytes` were a JSON object, and the body prints to JSON that
/// decodes to itself.
fn body<T>(bytes: &[u8]) -> Option<(T, serde_json::Map<String, Value>)>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let JsonObject(decoded) = serde_json::from_slice::<JsonObject<T>>(bytes).ok()?;
    let Ok(Value::Object(sent)) = serde_json::from_slice::<Value>(bytes) else {
        panic!("a body decoded from what is not a JSON object: {bytes:?}");
    };
    let printed = serde_json::to_string(&decoded).expect("a body prints");
    let JsonObject(again) =
        serde_json::from_str::<JsonObject<T>>(&printed).expect("a printed body decodes");
    assert_eq!(again, decoded, "{printed}");
    Some((decoded, sent))
}

/// Any JSON, or any bytes, as each request body: a value or an error, and
/// a value holds exactly the fields that were sent.
fn check_bodies(bytes: &[u8]) {
    let text = |sent: &serde_json::Map<String, Value>, key: &str| {
        sent.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    if let Some((comment, sent)) = body::<NewComment>(bytes) {
        assert_eq!(text(&sent, "author_name"), Some(comment.author_name));
        assert_eq!(text(&sent, "body"), Some(comment.body));
        assert_eq!(text(&sent, "parent_id"), comment.parent_id);
    }
    if let Some((edit, sent)) = body::<EditComment>(bytes) {
        assert_eq!(text(&sent, "body"), Some(edit.body));
    }
    if let Some((report, sent)) = body::<NewReport>(bytes) {
        assert_eq!(text(&sent, "reason"), Some(report.reason));
        assert_eq!(text(&sent, "note"), report.note);
    }
    if let Some((login, sent)) = body::<LoginRequest>(bytes) {
        assert_eq!(text(&sent, "username"), Some(login.username));
        assert_eq!(text(&sent, "password"), Some(login.password));
    }
    if let Some((hide, sent)) = body::<HideRequest>(bytes) {
        assert_eq!(text(&sent, "reason"), hide.reason);
    }
    if let Ok(limit) = serde_json::from_slice::<PageLimit>(bytes) {
        assert!((1..=100).contains(&limit.get()));
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "author_name".to_owned(),
                    "body".to_owned(),
                    "parent_id".to_owned(),
                    "reason".to_owned(),
                    "note".to_owned(),
                    "username".to_owned(),
                    "password".to_owned(),
                    "x".to_owned(),
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn the_corpus_passes_every_parser() {
    for raw in corpus() {
        check_ids(&raw);
        check_text(&raw);
        check_words(&raw);
        check_bodies(raw.as_bytes());
        let body = serde_json::json!({"author_name": raw, "body": raw, "parent_id": raw});
        check_bodies(body.to_string().as_bytes());
    }
}

proptest! {
    #[test]
    fn ids_hold_their_rules(raw in text()) {
        check_ids(&raw);
    }

    #[test]
    fn typed_text_holds_its_rules(raw in text()) {
        check_text(&raw);
    }

    #[test]
    fn word_lists_round_trip(raw in text()) {
        check_words(&raw);
    }

    #[test]
    fn page_limits_hold_their_rule(n in any::<u32>()) {
        prop_assert_eq!(PageLimit::parse(n).is_ok(), (1..=100).contains(&n));
    }

    #[test]
    fn any_json_body_is_a_value_or_an_error(value in json_value()) {
        check_bodies(value.to_string().as_bytes());
    }

    #[test]
    fn any_bytes_are_a_value_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_bodies(&bytes);
    }
}
