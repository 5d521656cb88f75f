//! A locale at work in the browser: its file's texts over the compiled-in
//! English, and `Intl` for plurals, numbers and times.

use super::{English, Message, fill};
use crate::logic::relative_time::Ago;
use js_sys::{Array, Intl, Object, Reflect};
use time::OffsetDateTime;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

pub struct Words {
    tag: String,
    /// The locale file's object (with a site's own laid over it), or
    /// `undefined` for English.
    table: JsValue,
    plurals: Intl::PluralRules,
    numbers: js_sys::Function,
    times: Intl::RelativeTimeFormat,
    /// `format` of a date, and of a date with its time, in UTC.
    dates: [js_sys::Function; 2],
}

#[wasm_bindgen]
extern "C" {
    /// Throws for what is not a language tag, where `Intl`'s constructors
    /// would throw (and js-sys's bindings of them cannot catch).
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = getCanonicalLocales)]
    fn canonical_locales(tag: &str) -> Result<Array, JsValue>;
}

/// An options object from JSON (less code than setting each field).
fn options(json: &str) -> Object {
    js_sys::JSON::parse(json).map_or_else(|_| Object::new(), |v| v.unchecked_into())
}

impl Words {
    /// `tag` as the page asked for it (`Intl` finds the nearest it has;
    /// what is no tag at all is English); `table` as `chime.js` fetched it.
    pub fn new(tag: &str, table: JsValue) -> Self {
        let tag = canonical_locales(tag)
            .ok()
            .and_then(|found| found.get(0).as_string())
            .unwrap_or_else(|| "en".to_owned());
        let locales = Array::of1(&tag.as_str().into());
        let date = |json| Intl::DateTimeFormat::new(&locales, &options(json)).format();
        Self {
            table: if table.is_object() {
                table
            } else {
                JsValue::UNDEFINED
            },
            plurals: Intl::PluralRules::new(&locales, &Object::new()),
            numbers: Intl::NumberFormat::new(&locales, &Object::new()).format(),
            times: Intl::RelativeTimeFormat::new(&locales, &options(r#"{"numeric":"auto"}"#)),
            dates: [
                date(r#"{"day":"numeric","month":"short","year":"numeric","timeZone":"UTC"}"#),
                date(
                    r#"{"day":"numeric","month":"short","year":"numeric","timeZone":"UTC","hour":"2-digit","minute":"2-digit","timeZoneName":"short"}"#,
                ),
            ],
            tag,
        }
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    fn entry(&self, key: &str) -> JsValue {
        if self.table.is_undefined() {
            return JsValue::UNDEFINED;
        }
        Reflect::get(&self.table, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    /// A message's text (a count's `other` form, when asked for without a
    /// number).
    pub fn text(&self, msg: impl Message) -> String {
        if let Some(text) = self.entry(msg.key()).as_string().filter(|t| !t.is_empty()) {
            return text;
        }
        match msg.english() {
            English::Text(text) | English::Plural { other: text, .. } => text.to_owned(),
        }
    }

    /// A message with its `{name}`s filled.
    pub fn fill(&self, msg: impl Message, args: &[(&str, &str)]) -> String {
        fill(&self.text(msg), args)
    }

    /// A count's form for `n` (by the locale's plural rules), with `{count}`
    /// written the locale's way.
    pub fn count(&self, msg: impl Message, n: u64) -> String {
        let category = String::from(self.plurals.select(n as f64));
        let entry = self.entry(msg.key());
        // A site may give one text for every number.
        let form = entry
            .as_string()
            .or_else(|| {
                [category.as_str(), "other"].into_iter().find_map(|c| {
                    Reflect::get(&entry, &c.into())
                        .ok()
                        .and_then(|v| v.as_string())
                })
            })
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| match msg.english() {
                English::Plural { one, .. } if category == "one" => one.to_owned(),
                English::Plural { other, .. } | English::Text(other) => other.to_owned(),
            });
        fill(&form, &[("count", &self.number(n))])
    }

    pub fn number(&self, n: u64) -> String {
        self.numbers
            .call1(&JsValue::NULL, &JsValue::from_f64(n as f64))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| n.to_string())
    }

    /// "3 minutes ago", "yesterday", or the date for older times.
    pub fn ago(&self, now: OffsetDateTime, then: OffsetDateTime) -> String {
        let (value, unit) = match crate::logic::relative_time::ago(now, then) {
            Ago::Now => (0, "second"),
            Ago::Minutes(n) => (-n, "minute"),
            Ago::Hours(n) => (-n, "hour"),
            Ago::Days(n) => (-n, "day"),
            Ago::Long => return self.date(then, false),
        };
        self.times.format(value as f64, unit).into()
    }

    /// The date (and with `time`, the time) of `at` in UTC, as the locale
    /// writes it.
    pub fn date(&self, at: OffsetDateTime, time: bool) -> String {
        let ms = at.unix_timestamp() as f64 * 1000.0;
        self.dates[usize::from(time)]
            .call1(&JsValue::NULL, &js_sys::Date::new(&JsValue::from_f64(ms)))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}
