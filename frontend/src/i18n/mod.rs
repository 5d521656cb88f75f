//! Chime's own words: the reader widget's and the moderation view's, each
//! a catalogue of its own (a reader never downloads a moderator's). English is compiled in (a `catalogue!` enum per bundle, so a key
//! cannot be misspelt); other locales are JSON files fetched only by pages
//! that speak them (one map of key to text, or to plural forms by
//! `Intl.PluralRules` category), and a site may lay its own file over them
//! (EMBED.md, "Languages"). Plurals, numbers, dates and relative times are
//! the browser's `Intl`.

pub mod moderation;
pub mod widget;

#[cfg(target_arch = "wasm32")]
mod words;
#[cfg(target_arch = "wasm32")]
pub use words::Words;

/// A message's English: a text, or the two forms English counts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum English {
    Text(&'static str),
    Plural {
        one: &'static str,
        other: &'static str,
    },
}

/// One catalogue's keys.
pub trait Message: Copy {
    /// The catalogue: entries of key and English (one text, or two forms),
    /// separated by `RECORD` and `UNIT`. One string, not a table of
    /// pointers: it costs the bundle less than either.
    const TABLE: &'static str;

    fn index(self) -> usize;

    /// The key in the locale files.
    fn key(self) -> &'static str {
        entry(Self::TABLE, self.index()).0
    }

    fn english(self) -> English {
        entry(Self::TABLE, self.index()).1
    }
}

/// Between a catalogue's entries, and between the parts of one.
pub const RECORD: char = '\u{1e}';
pub const UNIT: char = '\u{1f}';

fn entry(table: &'static str, index: usize) -> (&'static str, English) {
    let record = table.split(RECORD).nth(index).unwrap_or_default();
    let mut parts = record.split(UNIT);
    let key = parts.next().unwrap_or_default();
    let first = parts.next().unwrap_or_default();
    let english = match parts.next() {
        Some(other) => English::Plural { one: first, other },
        None => English::Text(first),
    };
    (key, english)
}

/// Puts each `{name}` of `template` in place (one pass, by `char`: the
/// substring searcher would cost the bundle 2 KB).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let value = after.find('}').and_then(|end| {
            let name = &after[..end];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (end, *v))
        });
        match value {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text before and after `{name}` (a part the caller draws itself).
pub fn around(template: &str) -> (&str, &str) {
    match template.split_once('{') {
        Some((before, rest)) => (before, rest.split_once('}').map_or("", |(_, after)| after)),
        None => (template, ""),
    }
}

/// The placeholders (`{name}`) a text uses, in order of first use.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !found.contains(&name)
        {
            found.push(name);
        }
        rest = &rest[end + 1..];
    }
    found
}

/// The locale of `locales` that speaks `tag`: itself, else one of its
/// language (as `chime.js` picks a file: `pt-PT` is spoken by `pt-BR`).
pub fn offered<'a>(locales: &'a [String], tag: &str) -> Option<&'a String> {
    let language = |t: &str| t.split('-').next().unwrap_or("").to_ascii_lowercase();
    locales
        .iter()
        .find(|l| l.eq_ignore_ascii_case(tag))
        .or_else(|| locales.iter().find(|l| language(l) == language(tag)))
}

/// Whether a locale is written right to left (by its language subtag).
pub fn right_to_left(tag: &str) -> bool {
    let language = tag.split(['-', '_']).next().unwrap_or("");
    matches!(
        language.to_ascii_lowercase().as_str(),
        "ar" | "he" | "iw" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ckb"
    )
}

/// Declares a catalogue: an enum of keys, each with its English (a text,
/// or `[one, other]` for a count).
macro_rules! catalogue {
    ($(#[$doc:meta])* pub enum $name:ident { $( $key:ident = $en:tt, )* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $( $key, )* }

        impl $name {
            /// Every key, for the locale files' checks.
            pub const ALL: &'static [$name] = &[ $( $name::$key, )* ];
        }

        impl $crate::i18n::Message for $name {
            const TABLE: &'static str =
                concat!( $( $crate::i18n::catalogue!(@entry $key $en), )* );

            fn index(self) -> usize {
                self as usize
            }
        }
    };
    (@entry $key:ident [$one:literal, $other:literal]) => {
        concat!(stringify!($key), "\u{1f}", $one, "\u{1f}", $other, "\u{1e}")
    };
    (@entry $key:ident $text:literal) => {
        concat!(stringify!($key), "\u{1f}", $text, "\u{1e}")
    };
}
pub(crate) use catalogue;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_braces() {
        assert_eq!(placeholders("{count} of {max}, {count}"), ["count", "max"]);
        assert!(placeholders("a { b } {} {x-y}").is_empty());
        assert_eq!(fill("{n}/{max}", &[("n", "3"), ("max", "9")]), "3/9");
        assert_eq!(fill("{a}{a} {b} {", &[("a", "x")]), "xx {b} {");
        assert_eq!(fill("Ünïcode {n}…", &[("n", "٣")]), "Ünïcode ٣…");
        assert_eq!(around("Commenting as {name}!"), ("Commenting as ", "!"));
        assert_eq!(around("{name} kommentiert"), ("", " kommentiert"));
        assert_eq!(around("no name"), ("no name", ""));
    }

    #[test]
    fn a_tag_is_offered_by_itself_else_by_its_language() {
        let locales: Vec<String> = ["en", "es", "pt-BR", "zh-CN"].map(String::from).to_vec();
        let find = |tag| offered(&locales, tag).map(String::as_str);
        assert_eq!(find("pt-BR"), Some("pt-BR"));
        assert_eq!(find("pt-PT"), Some("pt-BR"));
        assert_eq!(find("zh-TW"), Some("zh-CN"));
        assert_eq!(find("es-419"), Some("es"));
        assert_eq!(find("en-US"), Some("en"));
        assert_eq!(find("sw"), None);
    }

    #[test]
    fn arabic_and_hebrew_run_right_to_left() {
        assert!(right_to_left("ar"));
        assert!(right_to_left("he-IL"));
        assert!(right_to_left("fa_IR"));
        assert!(!right_to_left("en"));
        assert!(!right_to_left("arn"));
    }
}
