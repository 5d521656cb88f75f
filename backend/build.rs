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

    /// Makes `to` a copy of `from`, leaving out the `.gz` and `.br` copies
    /// `./dev` writes for serving from disk (memory-serve compresses by
    /// itself) and the folders named in `skip`. Files already the same are
    /// left alone, and every copy keeps its source's time: cargo watches
    /// these copies, and fresh times would make every build run this again.
    fn sync(from: &Path, to: &Path, skip: &[&str]) {
        std::fs::create_dir_all(to).expect("a folder in OUT_DIR");
        let mut kept = Vec::new();
        for entry in std::fs::read_dir(from).expect("the widget's folder") {
            let path = entry.expect("an entry").path();
            let name = path.file_name().expect("a name").to_owned();
            let text = name.to_string_lossy();
            if path.is_dir() {
                if !skip.contains(&text.as_ref()) {
                    sync(&path, &to.join(&name), &[]);
                    kept.push(name);
                }
            } else if !(text.ends_with(".gz") || text.ends_with(".br")) {
                let target = to.join(&name);
                let bytes = std::fs::read(&path).expect("readable");
                if std::fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
                    std::fs::write(&target, &bytes).expect("written");
                }
                keep_time(&path, &target);
                kept.push(name);
            }
        }
        // What the widget no longer has goes from the copy too.
        for entry in std::fs::read_dir(to).expect("the copy") {
            let path = entry.expect("an entry").path();
            if !kept.iter().any(|k| path.file_name() == Some(k.as_os_str())) {
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
        keep_time(from, to);
    }

    fn keep_time(source: &Path, copy: &Path) {
        let time = std::fs::metadata(source).and_then(|m| m.modified());
        if let (Ok(time), Ok(file)) = (time, std::fs::File::open(copy)) {
            let _ = file.set_modified(time);
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
        sync(&dist, &widget, &["moderate"]);
        sync(&dist.join("moderate"), &moderate, &[]);
        memory_serve::load_names_directories([("widget", widget), ("moderate", moderate)], true);
    }
}
