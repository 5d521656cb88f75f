//! The locale files against the catalogues (the reader widget's and the
//! moderation view's): every key in every locale and no other, plural
//! forms where English counts, the same placeholders, no key the code does
//! not use, and `chime.js`'s list of locales the files there are.
//! `CHIME_BLESS=1` writes each `en.json` (the file translators and sites
//! start from) from its catalogue.

#![cfg(not(target_arch = "wasm32"))]

use chime_frontend::i18n::{English, Message, moderation, placeholders, widget};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn frontend() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// One catalogue: its locale files, its English, the script that says
/// its first words before the WebAssembly runs, and where its code is.
struct Catalogue {
    name: &'static str,
    english: Vec<(&'static str, English)>,
    /// The loader, with `const EN = {…};` and `t("Key")` for each key.
    loader: PathBuf,
    code: Vec<PathBuf>,
}

fn catalogues() -> [Catalogue; 2] {
    let src = frontend().join("src");
    [
        Catalogue {
            name: "widget",
            english: widget::Msg::ALL
                .iter()
                .map(|m| (m.key(), m.english()))
                .collect(),
            loader: frontend().join("widget/chime.js"),
            code: vec![src.join("widget")],
        },
        Catalogue {
            name: "moderation",
            english: moderation::Msg::ALL
                .iter()
                .map(|m| (m.key(), m.english()))
                .collect(),
            loader: frontend().join("../backend/pages/moderate.js"),
            code: vec![src.join("moderation"), src.join("logic")],
        },
    ]
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Catalogue {
    fn dir(&self) -> PathBuf {
        frontend().join("locales").join(self.name)
    }

    /// The loader's English (`const EN = {…};`), in its order.
    fn loader_english(&self) -> Vec<(String, String)> {
        let js = read(&self.loader);
        let start = js.find("const EN = ").expect("const EN") + "const EN = ".len();
        let end = start + js[start..].find("};").expect("end of EN") + 1;
        let table: Map<String, Value> = serde_json::from_str(&js[start..end]).expect("EN is JSON");
        let mut keys: Vec<(usize, String, String)> = table
            .into_iter()
            .map(|(k, v)| {
                let at = js[start..end].find(&format!("\"{k}\"")).unwrap_or(0);
                (at, k, v.as_str().expect("text").to_owned())
            })
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, k, v)| (k, v)).collect()
    }

    /// The English file as the catalogue and the loader make it.
    fn english_file(&self) -> String {
        let mut lines = Vec::new();
        let quote = |s: &str| serde_json::to_string(s).expect("a string");
        for (key, text) in self.loader_english() {
            lines.push(format!("  {}: {}", quote(&key), quote(&text)));
        }
        for (key, english) in &self.english {
            let value = match english {
                English::Text(text) => quote(text),
                English::Plural { one, other } => {
                    format!("{{\"one\": {}, \"other\": {}}}", quote(one), quote(other))
                }
            };
            lines.push(format!("  {}: {}", quote(key), value));
        }
        format!("{{\n{}\n}}\n", lines.join(",\n"))
    }

    fn files(&self) -> Vec<(String, Map<String, Value>)> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir())
            .expect("a locales folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let tag = path
                    .file_stem()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned();
                let table = serde_json::from_str(&read(&path))
                    .unwrap_or_else(|e| panic!("{tag}.json is not a JSON object: {e}"));
                (tag, table)
            })
            .collect()
    }

    fn code(&self) -> String {
        let mut code = String::new();
        let mut stack = self.code.clone();
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    code.push_str(&read(&path));
                }
            }
        }
        code
    }
}

#[test]
fn english_files_are_the_catalogues() {
    for catalogue in catalogues() {
        let path = catalogue.dir().join("en.json");
        let made = catalogue.english_file();
        if std::env::var_os("CHIME_BLESS").is_some() {
            std::fs::create_dir_all(catalogue.dir()).expect("a folder");
            std::fs::write(&path, &made).expect("written");
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == made,
            "locales/{}/en.json differs from the catalogue; run \
             `CHIME_BLESS=1 cargo test -p chime-frontend --test locales`",
            catalogue.name
        );
    }
}

#[test]
fn every_locale_has_every_key_with_its_placeholders() {
    let mut problems = Vec::new();
    for catalogue in catalogues() {
        let english: Map<String, Value> =
            serde_json::from_str(&catalogue.english_file()).expect("English is JSON");
        for (tag, table) in catalogue.files() {
            let tag = format!("{}/{tag}", catalogue.name);
            check(&tag, &english, &table, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check(
    tag: &str,
    english: &Map<String, Value>,
    table: &Map<String, Value>,
    problems: &mut Vec<String>,
) {
    for key in english.keys().filter(|k| !table.contains_key(*k)) {
        problems.push(format!("{tag}: {key} is missing"));
    }
    for key in table.keys().filter(|k| !english.contains_key(*k)) {
        problems.push(format!("{tag}: {key} is not in the catalogue"));
    }
    for (key, value) in table {
        let Some(source) = english.get(key) else {
            continue;
        };
        match (source, value) {
            (Value::String(en), Value::String(text)) => {
                let want: BTreeSet<_> = placeholders(en).into_iter().collect();
                let got: BTreeSet<_> = placeholders(text).into_iter().collect();
                if want != got {
                    problems.push(format!("{tag}: {key} has {got:?}, English {want:?}"));
                }
            }
            (Value::Object(en), Value::Object(forms)) => {
                let want: BTreeSet<_> = placeholders(en["other"].as_str().unwrap_or(""))
                    .into_iter()
                    .collect();
                if !forms.contains_key("other") {
                    problems.push(format!("{tag}: {key} has no \"other\" form"));
                }
                for (category, form) in forms {
                    if !["zero", "one", "two", "few", "many", "other"].contains(&category.as_str())
                    {
                        problems.push(format!("{tag}: {key} has a form {category:?}"));
                    }
                    let Some(form) = form.as_str() else {
                        problems.push(format!("{tag}: {key}.{category} is not text"));
                        continue;
                    };
                    let got: BTreeSet<_> = placeholders(form).into_iter().collect();
                    // A form for exactly one (or two) may spell the number
                    // out; "other" always shows it.
                    if !got.is_subset(&want) || (category == "other" && got != want) {
                        problems.push(format!(
                            "{tag}: {key}.{category} has {got:?}, English {want:?}"
                        ));
                    }
                }
            }
            _ => problems.push(format!("{tag}: {key} is not shaped as English's")),
        }
    }
}

#[test]
fn every_key_is_used() {
    for catalogue in catalogues() {
        let code = catalogue.code();
        // `Msg::Reply`, not `Msg::ReplyPosted`.
        let used = |key: &str| {
            let name = format!("Msg::{key}");
            code.match_indices(&name).any(|(at, _)| {
                !code[at + name.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        };
        let unused: Vec<_> = catalogue
            .english
            .iter()
            .map(|(key, _)| *key)
            .filter(|key| !used(key))
            .collect();
        assert!(
            unused.is_empty(),
            "{}: keys no code uses: {unused:?}",
            catalogue.name
        );
        let js = read(&catalogue.loader);
        for (key, _) in catalogue.loader_english() {
            assert!(
                js.contains(&format!("t(\"{key}\")")),
                "{} does not use {key}",
                catalogue.loader.display()
            );
        }
    }
}

#[test]
fn the_loader_lists_every_locale_file() {
    let js = read(&frontend().join("widget/chime.js"));
    let start = js.find("const LOCALES = ").expect("LOCALES") + "const LOCALES = ".len();
    let end = start + js[start..].find(';').expect("end");
    let listed: BTreeSet<String> = serde_json::from_str(&js[start..end]).expect("a JSON list");
    let intl = read(&frontend().join("tests/intl.rs"));
    for catalogue in catalogues() {
        let files: BTreeSet<String> = catalogue
            .files()
            .into_iter()
            .map(|(tag, _)| tag)
            .filter(|tag| tag != "en")
            .collect();
        assert_eq!(
            listed, files,
            "chime.js's LOCALES and locales/{}/",
            catalogue.name
        );
        for tag in files {
            assert!(
                intl.contains(&format!("\"../locales/{}/{tag}.json\"", catalogue.name)),
                "tests/intl.rs does not check {}/{tag}",
                catalogue.name
            );
        }
    }
}

#[test]
fn the_count_script_speaks_the_widgets_english_and_the_apis_limit() {
    let js = read(&frontend().join("widget/count.js"));
    let start = js.find("const EN = ").expect("const EN") + "const EN = ".len();
    let end = start + js[start..].find("};").expect("end of EN") + 1;
    let forms: Map<String, Value> = serde_json::from_str(&js[start..end]).expect("EN is JSON");
    let English::Plural { one, other } = widget::Msg::CommentCount.english() else {
        panic!("CommentCount counts");
    };
    assert_eq!(forms["one"], one);
    assert_eq!(forms["other"], other);
    let max = format!("const MAX = {};", chime_shared::COUNTS_MAX_ARTICLES);
    assert!(
        js.contains(&max),
        "count.js asks for as many articles as /counts takes"
    );
}
