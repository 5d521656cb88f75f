//! Every locale's counts and times against the browser's own `Intl`, for
//! the numbers that pick different forms somewhere (0, 1, 2, 5, 11, 21,
//! 101), in headless Chromium (`wasm-bindgen-test`).

#![cfg(target_arch = "wasm32")]

use chime_frontend::i18n::widget::Msg;
use chime_frontend::i18n::{English, Message, Words};
use js_sys::{Array, Intl, JSON, Object, Reflect};
use time::{Duration, OffsetDateTime};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Every file of `frontend/locales/widget/` (the native `locales` test
/// checks that none is missing here).
const LOCALES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/widget/en.json")),
    ("ar", include_str!("../locales/widget/ar.json")),
    ("de", include_str!("../locales/widget/de.json")),
    ("es", include_str!("../locales/widget/es.json")),
    ("fr", include_str!("../locales/widget/fr.json")),
    ("he", include_str!("../locales/widget/he.json")),
    ("hi", include_str!("../locales/widget/hi.json")),
    ("it", include_str!("../locales/widget/it.json")),
    ("ja", include_str!("../locales/widget/ja.json")),
    ("ko", include_str!("../locales/widget/ko.json")),
    ("nl", include_str!("../locales/widget/nl.json")),
    ("pl", include_str!("../locales/widget/pl.json")),
    ("pt-BR", include_str!("../locales/widget/pt-BR.json")),
    ("ru", include_str!("../locales/widget/ru.json")),
    ("tr", include_str!("../locales/widget/tr.json")),
    ("uk", include_str!("../locales/widget/uk.json")),
    ("zh-CN", include_str!("../locales/widget/zh-CN.json")),
];

/// Every file of `frontend/locales/moderation/`.
const MODERATION: &[(&str, &str)] = &[
    ("en", include_str!("../locales/moderation/en.json")),
    ("ar", include_str!("../locales/moderation/ar.json")),
    ("de", include_str!("../locales/moderation/de.json")),
    ("es", include_str!("../locales/moderation/es.json")),
    ("fr", include_str!("../locales/moderation/fr.json")),
    ("he", include_str!("../locales/moderation/he.json")),
    ("hi", include_str!("../locales/moderation/hi.json")),
    ("it", include_str!("../locales/moderation/it.json")),
    ("ja", include_str!("../locales/moderation/ja.json")),
    ("ko", include_str!("../locales/moderation/ko.json")),
    ("nl", include_str!("../locales/moderation/nl.json")),
    ("pl", include_str!("../locales/moderation/pl.json")),
    ("pt-BR", include_str!("../locales/moderation/pt-BR.json")),
    ("ru", include_str!("../locales/moderation/ru.json")),
    ("tr", include_str!("../locales/moderation/tr.json")),
    ("uk", include_str!("../locales/moderation/uk.json")),
    ("zh-CN", include_str!("../locales/moderation/zh-CN.json")),
];

const NUMBERS: [u64; 7] = [0, 1, 2, 5, 11, 21, 101];

fn locales(tag: &str) -> Array {
    Array::of1(&tag.into())
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).expect("an object")
}

fn format_number(tag: &str, n: u64) -> String {
    let format = Intl::NumberFormat::new(&locales(tag), &Object::new()).format();
    format
        .call1(&JsValue::NULL, &JsValue::from_f64(n as f64))
        .expect("formatted")
        .as_string()
        .expect("text")
}

/// Each count of `all` in each of `files` has the forms `Intl` has for
/// its language, and takes the one `Intl` picks.
fn counts_follow_intl<M: Message>(files: &[(&str, &str)], all: &[M]) {
    for (tag, file) in files {
        let table = JSON::parse(file).expect("JSON");
        // English is compiled in: the views run it with no table.
        let words = Words::new(
            tag,
            if *tag == "en" {
                JsValue::NULL
            } else {
                table.clone()
            },
        );
        let rules = Intl::PluralRules::new(&locales(tag), &Object::new());
        let categories: Vec<String> =
            Array::from(&get(&rules.resolved_options(), "pluralCategories"))
                .iter()
                .filter_map(|c| c.as_string())
                .collect();
        for msg in all.iter().copied() {
            if !matches!(msg.english(), English::Plural { .. }) {
                continue;
            }
            let entry = get(&table, msg.key());
            let mut forms: Vec<String> = Object::keys(&entry.clone().into())
                .iter()
                .filter_map(|k| k.as_string())
                .collect();
            forms.sort();
            let mut wanted = categories.clone();
            wanted.sort();
            assert_eq!(
                forms,
                wanted,
                "{tag}: {} has the forms Intl.PluralRules has",
                msg.key()
            );
            for n in NUMBERS {
                let category = String::from(rules.select(n as f64));
                let form = get(&entry, &category).as_string().expect("a form");
                let expected = form.replace("{count}", &format_number(tag, n));
                assert_eq!(
                    words.count(msg, n),
                    expected,
                    "{tag}: {} for {n}",
                    msg.key()
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn counts_take_the_form_intl_picks_in_every_locale() {
    counts_follow_intl(LOCALES, Msg::ALL);
    counts_follow_intl(MODERATION, chime_frontend::i18n::moderation::Msg::ALL);
}

#[wasm_bindgen_test]
fn relative_times_are_intls_in_every_locale() {
    let now = OffsetDateTime::from_unix_timestamp(1_795_000_000).expect("a time");
    for (tag, file) in LOCALES {
        let words = Words::new(tag, JSON::parse(file).expect("JSON"));
        let options = Object::new();
        Reflect::set(&options, &"numeric".into(), &"auto".into()).expect("set");
        let intl = Intl::RelativeTimeFormat::new(&locales(tag), &options);
        let said = |value: f64, unit: &str| String::from(intl.format(value, unit));
        assert_eq!(
            words.ago(now, now - Duration::seconds(10)),
            said(0.0, "second"),
            "{tag}"
        );
        for n in NUMBERS.into_iter().filter(|n| *n > 0) {
            let n = n as i64;
            if n < 60 {
                let minutes = words.ago(now, now - Duration::minutes(n));
                assert_eq!(minutes, said(-(n as f64), "minute"), "{tag}: {n} minutes");
            }
            if n < 24 {
                let hours = words.ago(now, now - Duration::hours(n));
                assert_eq!(hours, said(-(n as f64), "hour"), "{tag}: {n} hours");
            }
            if n < 7 {
                let days = words.ago(now, now - Duration::days(n));
                assert_eq!(days, said(-(n as f64), "day"), "{tag}: {n} days");
            }
        }
        // Older than a week: the date, written the locale's way.
        let then = now - Duration::days(101);
        let date = words.ago(now, then);
        assert_eq!(date, words.date(then, false), "{tag}");
        assert!(
            !date.is_empty() && date != said(-101.0, "day"),
            "{tag}: {date}"
        );
    }
}

#[wasm_bindgen_test]
fn a_sites_own_words_win_and_missing_ones_fall_back_to_english() {
    let table = JSON::parse(
        r#"{"SortBy": "Trier", "CommentCount": {"one": "{count} avis", "other": "{count} avis"}}"#,
    )
    .expect("JSON");
    let words = Words::new("fr", table);
    assert_eq!(words.text(Msg::SortBy), "Trier");
    assert_eq!(words.text(Msg::LoadMore), "Load more comments");
    assert_eq!(words.count(Msg::CommentCount, 2), "2 avis");
    // A form the file lacks ("many" for a million in French): "other".
    assert_eq!(
        words.count(Msg::CommentCount, 1_000_000),
        format!("{} avis", format_number("fr", 1_000_000))
    );
    let english = Words::new("en", JsValue::NULL);
    assert_eq!(english.count(Msg::CommentCount, 1), "1 comment");
    assert_eq!(english.count(Msg::CommentCount, 1001), "1,001 comments");
}

#[wasm_bindgen_test]
fn what_is_no_language_tag_speaks_english_instead_of_throwing() {
    for tag in ["x", "", "en_US", "de-DE ", "-"] {
        let words = Words::new(tag, JsValue::NULL);
        assert_eq!(words.tag(), "en", "{tag:?}");
        assert_eq!(words.count(Msg::CommentCount, 2), "2 comments");
    }
    assert_eq!(Words::new("fr-fr", JsValue::NULL).tag(), "fr-FR");
}

#[wasm_bindgen_test]
fn a_count_given_as_one_text_is_that_text_for_every_number() {
    let table =
        JSON::parse(r#"{"CommentCount": "Kommentare: {count}", "SortBy": ""}"#).expect("JSON");
    let words = Words::new("de", table);
    assert_eq!(words.count(Msg::CommentCount, 1), "Kommentare: 1");
    assert_eq!(words.count(Msg::CommentCount, 1000), "Kommentare: 1.000");
    // An empty text is no text: English.
    assert_eq!(words.text(Msg::SortBy), "Sort by");
}
