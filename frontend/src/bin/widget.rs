//! The reader widget's WebAssembly: `chime.js` calls its exported `mount`.

fn main() {}

#[cfg(target_arch = "wasm32")]
pub use chime_frontend::widget::mount;
