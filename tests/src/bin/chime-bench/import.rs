//! `chime-bench import`: the importers on a large generated export, run
//! as an operator runs them (`chime import --from …` on a fresh SQLite
//! store): the file's size, comments a second, and the process's peak
//! memory (VmHWM, read from /proc while it runs). Writes
//! `target/bench/import.md`.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Disqus export: `comments` posts on `comments / 100` threads, a third
/// of them replies, with the HTML and the fields real exports carry.
fn disqus(path: &Path, comments: u64) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let threads = (comments / 100).max(1);
    writeln!(
        out,
        r#"<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">"#
    )?;
    for t in 0..threads {
        writeln!(
            out,
            r#"<thread dsq:id="{}"><id>story-{t}</id><forum>news</forum><link>https://news.example/{t}/story-{t}/</link><title>Story {t}</title><message/><createdAt>2020-01-01T00:00:00Z</createdAt><author><name>Editor</name><isAnonymous>false</isAnonymous><username>editor</username></author><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>"#,
            1_000_000_000 + t
        )?;
    }
    for i in 0..comments {
        let thread = 1_000_000_000 + i % threads;
        let parent = if i >= 2 * threads && i % 3 == 0 {
            format!(r#"<parent dsq:id="{}"/>"#, i - threads * (1 + i % 2))
        } else {
            String::new()
        };
        writeln!(
            out,
            r#"<post dsq:id="{i}"><id/><message><![CDATA[<p>Comment {i}: a reader's view on the story, with <b>some</b> emphasis and <a href="https://example.org/{i}">a link</a>.</p>]]></message><createdAt>2021-{:02}-{:02}T{:02}:{:02}:{:02}Z</createdAt><isDeleted>false</isDeleted><isSpam>{}</isSpam><author><email>reader{}@example.org</email><name>Reader {}</name><isAnonymous>false</isAnonymous><username>reader{}</username></author><ipAddress>10.{}.{}.{}</ipAddress><thread dsq:id="{thread}"/>{parent}</post>"#,
            1 + i % 12,
            1 + i % 28,
            i % 24,
            i % 60,
            (i / 60) % 60,
            i % 97 == 0,
            i % 50_000,
            i % 50_000,
            i % 50_000,
            i % 256,
            (i / 256) % 256,
            i % 251,
        )?;
    }
    writeln!(out, "</disqus>")?;
    out.flush()
}

/// Peak resident memory of a process so far, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub fn run(chime: &Path, out: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let comments: u64 = std::env::var("BENCH_IMPORT_COMMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&out)?;
    let dir = tempfile::tempdir_in(&out)?;
    let file = dir.path().join("disqus.xml");
    disqus(&file, comments)?;
    let bytes = std::fs::metadata(&file)?.len();
    let database = format!("sqlite://{}", dir.path().join("import.db").display());
    let started = Instant::now();
    let mut child = Command::new(chime)
        .args(["import", "--database", &database, "--from", "disqus"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        std::io::Read::read_to_string(&mut stderr, &mut said)?;
    }
    if !status.success() {
        return Err(format!("chime import failed: {said}").into());
    }
    let mb = bytes as f64 / 1e6;
    let mut text = String::new();
    writeln!(
        text,
        "Importing a generated Disqus export (`chime import --from disqus`, release, fresh SQLite store):"
    )?;
    writeln!(text)?;
    writeln!(
        text,
        "| comments | file | time | comments/s | MB/s | peak memory |"
    )?;
    writeln!(text, "| ---: | ---: | ---: | ---: | ---: | ---: |")?;
    writeln!(
        text,
        "| {comments} | {mb:.0} MB | {seconds:.1} s | {:.0} | {:.1} | {:.0} MB |",
        comments as f64 / seconds,
        mb / seconds,
        peak as f64 / 1024.0
    )?;
    writeln!(text)?;
    writeln!(text, "The import's own summary:")?;
    writeln!(text)?;
    writeln!(text, "```")?;
    writeln!(text, "{}", said.trim())?;
    writeln!(text, "```")?;
    print!("{text}");
    std::fs::write(out.join("import.md"), text)?;
    Ok(())
}
