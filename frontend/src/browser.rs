//! The few browser facilities the widget needs: storage, the reader token,
//! the clock, and DOM events on the host element.

use crate::logic::draft::READER_KEY;
use wasm_bindgen::JsValue;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A stored value; `None` when storage is missing or blocked.
pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Stores a value, quietly doing nothing where storage is blocked.
pub fn save(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Forgets a value.
pub fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// `n` random bytes as hex, from the browser's CSPRNG.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes.iter().all(|b| *b == 0) {
        // No CSPRNG: fall back to Math.random, still unique enough for a
        // reader token that only decides "mine".
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This browser's reader token, made once and kept.
pub fn reader_token() -> String {
    if let Some(token) = load(READER_KEY).filter(|t| chime_shared::ReaderToken::parse(t).is_ok()) {
        return token;
    }
    let token = random_hex(16);
    save(READER_KEY, &token);
    token
}

/// Now, from the browser's clock.
pub fn now() -> time::OffsetDateTime {
    let ms = js_sys::Date::now() as i128;
    time::OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Dispatches `chime:{name}` on the host element with a JSON-ish detail;
/// false when a listener canceled it.
pub fn dispatch(host: &web_sys::HtmlElement, name: &str, detail: &[(&str, JsValue)]) -> bool {
    let object = js_sys::Object::new();
    for (key, value) in detail {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&object);
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(true);
    web_sys::CustomEvent::new_with_event_init_dict(&format!("chime:{name}"), &init)
        .and_then(|event| host.dispatch_event(&event))
        .unwrap_or(true)
}

/// Whether the reader asked for less motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Hands `text` to the reader as a file called `name` (a download): a
/// `Blob`, which has no size limit of its own (a `data:` link stops at a
/// few megabytes), through a link in the document, taken away after.
pub fn save_file(name: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let (Ok(link), Some(body)) = (document.create_element("a"), document.body()) else {
        return;
    };
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", name);
    let _ = body.append_child(&link);
    if let Ok(link) = link.clone().dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
    link.remove();
    // The browser reads the file a moment later: the address is freed
    // after that.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
}

/// Asks the reader to confirm, in the browser's own words box.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// The comment the page's address names: `#chime-{id}`, as reply e-mails
/// link to it (an id of letters, digits, `-`, `_` and `.` only: it goes
/// into a selector).
pub fn linked_comment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let id = hash.strip_prefix("#chime-")?;
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| id.to_owned())
}
