//! The moderation view's WebAssembly, loaded by the backend's `/moderate`
//! page: its own bundle, never fetched by readers.

fn main() {}

/// Mounts the moderation view into `target`, in `locale` (its locale
/// file `table`, `null` for English); `locales` go in its switch.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount(
    target: web_sys::HtmlElement,
    locale: String,
    table: wasm_bindgen::JsValue,
    locales: Vec<String>,
) {
    chime_frontend::moderation::mount(target, locale, table, locales);
}
