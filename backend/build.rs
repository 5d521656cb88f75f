//! With the `embed-widget` feature, the built widget and moderation view
//! (frontend/dist, made by `./dev`) go into the binary: memory-serve keeps
//! them compressed in it and serves them with ETags. Without the feature
//! this does nothing, so that a checkout without a built widget compiles.

fn main() {
    #[cfg(feature = "embed-widget")]
    embed::assets();
}

#[cfg(feature = "embed-widget")]
mod embed {
    use std::path::{Path, PathBuf};

    /// Copies `from` to `to`, leaving out the `.gz` and `.br` copies `./dev`
    /// writes for serving from disk (memory-serve compresses by itself) and
    /// the folders named in `skip`.
    fn copy(from: &Path, to: &Path, skip: &[&str]) {
        std::fs::create_dir_all(to).expect("a folder in OUT_DIR");
        for entry in std::fs::read_dir(from).expect("the widget's folder") {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if !skip.contains(&name.as_str()) {
                    copy(&path, &to.join(&name), &[]);
                }
            } else if !(name.ends_with(".gz") || name.ends_with(".br")) {
                std::fs::copy(&path, to.join(&name)).expect("copied");
            }
        }
    }

    pub fn assets() {
        let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
        let dist = manifest.join("../frontend/dist");
        println!("cargo::rerun-if-changed={}", dist.display());
        assert!(
            dist.join("chime.js").exists() && dist.join("moderate").exists(),
            "the widget is not built in frontend/dist: run ./dev build (or build without --features embed-widget)"
        );
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
        let (widget, moderate) = (out.join("widget"), out.join("moderate"));
        let _ = std::fs::remove_dir_all(&widget);
        let _ = std::fs::remove_dir_all(&moderate);
        copy(&dist, &widget, &["moderate"]);
        copy(&dist.join("moderate"), &moderate, &[]);
        memory_serve::load_names_directories([("widget", widget), ("moderate", moderate)], true);
    }
}
