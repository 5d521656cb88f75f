//! The moderation view's WebAssembly, loaded by the backend's `/moderate`
//! page: its own bundle, never fetched by readers.

fn main() {}

/// Mounts the moderation view into `target`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount(target: web_sys::HtmlElement) {
    chime_frontend::moderation::mount(target);
}
