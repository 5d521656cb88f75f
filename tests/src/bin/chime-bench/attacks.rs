//! `chime-bench attacks`: the release server under three attacks a stranger
//! can make without signing in, each measured before and after: made-up
//! HTTP methods (does memory grow?), idle connections (are they closed?),
//! and one thread of 1,200 long replies (how big and slow is the article's
//! first page?). Writes `target/bench/attacks.md`.

use super::{Http, Server, call, reader_token, start};
use hyper::{Method, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Open file descriptors of the server (sockets included).
fn descriptors(server: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", server.child.id()))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

async fn metrics_bytes(http: &Http, base: &str) -> usize {
    call(http, Method::GET, &format!("{base}/metrics"), None, None)
        .await
        .map(|(_, body)| body.len())
        .unwrap_or(0)
}

/// 1,000 requests, each with a new made-up method of ~2 KB.
async fn methods(
    server: &Server,
    http: &Http,
    out: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let base = server.base();
    let (rss_before, _) = server.memory();
    let metrics_before = metrics_bytes(http, &base).await;
    for n in 0..1_000 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await?;
        let method = format!("X{n}{}", "Q".repeat(2_000));
        stream
            .write_all(
                format!("{method} /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    }
    let (rss_after, _) = server.memory();
    let metrics_after = metrics_bytes(http, &base).await;
    out.push_str(&format!(
        "| 1,000 made-up methods of 2 KB | RSS {:.1} → {:.1} MB; /metrics {} → {} bytes |\n",
        mb(rss_before),
        mb(rss_after),
        metrics_before,
        metrics_after
    ));
    Ok(())
}

/// 250 connections: 150 silent, 50 with only HTTP/2's preface, 50 with half
/// a request head; how many the server still holds after 12 s (its limit
/// before a first request is 10 s).
async fn idle(server: &Server, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let fds_before = descriptors(server);
    let (rss_before, _) = server.memory();
    let mut held = Vec::new();
    for n in 0..250 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await?;
        if (150..200).contains(&n) {
            stream
                .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
                .await?;
        } else if n >= 200 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: ben")
                .await?;
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fds_open = descriptors(server);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let fds_after = descriptors(server);
    let (rss_after, _) = server.memory();
    let mut closed = 0;
    for mut stream in held {
        let mut buf = [0u8; 1024];
        let gone = loop {
            match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => break true,
                Ok(Ok(_)) => continue,
                Err(_) => break false,
            }
        };
        closed += usize::from(gone);
    }
    out.push_str(&format!(
        "| 250 idle connections (150 silent, 50 HTTP/2 preface, 50 half a head) | descriptors {fds_before} → {fds_open} open → {fds_after} after {:.0} s; {closed} of 250 closed by the server; RSS {:.1} → {:.1} MB |\n",
        started.elapsed().as_secs_f64(),
        mb(rss_before),
        mb(rss_after)
    ));
    Ok(())
}

/// One top-level comment with 1,200 replies of 4,900 characters: the
/// article's first page, cold (read from the store) and kept.
async fn long_thread(
    server: &Server,
    http: &Http,
    out: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let base = server.base();
    let url = format!("{base}/api/v1/articles/bench%2Fthread/comments");
    let body = json!({"author_name": "Root", "body": "The root"});
    let (status, root) = call(
        http,
        Method::POST,
        &url,
        Some(&reader_token(1)),
        Some(&body),
    )
    .await
    .map_err(|e| e.to_string())?;
    if status != StatusCode::CREATED {
        return Err(format!("the root answered {status}").into());
    }
    let root: serde_json::Value = serde_json::from_slice(&root)?;
    let root_id = root["id"].as_str().unwrap_or_default().to_owned();
    let long = "x".repeat(4_890);
    for n in 0..1_200 {
        // Each its own words: the same text again would be held for review.
        let body =
            json!({"author_name": "Replier", "body": format!("{n} {long}"), "parent_id": root_id});
        let (status, _) = call(
            http,
            Method::POST,
            &url,
            Some(&reader_token(n + 2)),
            Some(&body),
        )
        .await
        .map_err(|e| e.to_string())?;
        if status != StatusCode::CREATED {
            return Err(format!("reply {n} answered {status}").into());
        }
    }
    let (rss_before, _) = server.memory();
    let started = Instant::now();
    let (_, first) = call(http, Method::GET, &url, None, None)
        .await
        .map_err(|e| e.to_string())?;
    let cold = started.elapsed();
    let mut kept = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        call(http, Method::GET, &url, None, None)
            .await
            .map_err(|e| e.to_string())?;
        kept.push(started.elapsed());
    }
    kept.sort();
    let (rss_after, _) = server.memory();
    out.push_str(&format!(
        "| first page of an article whose thread has 1,200 replies of 4,900 characters | {} bytes; {:.2} ms from the store, {:.2} ms kept (median of 50); RSS {:.1} → {:.1} MB |\n",
        first.len(),
        cold.as_secs_f64() * 1000.0,
        kept[kept.len() / 2].as_secs_f64() * 1000.0,
        mb(rss_before),
        mb(rss_after)
    ));
    Ok(())
}

pub async fn run(chime: &Path, out_dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let server = start(chime, &dir.path().join("attacks.db"), &[]).await?;
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let mut table = String::from(
        "| attack (release server, defaults, writes unlimited) | before → after |\n| --- | --- |\n",
    );
    methods(&server, &http, &mut table).await?;
    idle(&server, &mut table).await?;
    long_thread(&server, &http, &mut table).await?;
    print!("{table}");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("attacks.md"), &table)?;
    Ok(())
}
