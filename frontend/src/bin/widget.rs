//! The reader widget's WebAssembly: `chime.js` calls its exported `mount`.
//! Only what this binary exports is kept, so the moderation view, also in
//! the library, never rides in the reader's bundle.

fn main() {}

/// Mounts the widget into `target` (inside the shadow root of `host`);
/// returns what to call when the element's `sso-token` changes.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn mount(
    target: web_sys::HtmlElement,
    host: web_sys::HtmlElement,
    article: String,
    api: String,
    sort: String,
    theme: String,
    lang: String,
    locale: String,
    words: wasm_bindgen::JsValue,
) -> wasm_bindgen::JsValue {
    chime_frontend::widget::mount(target, host, article, api, sort, theme, lang, locale, words)
}
