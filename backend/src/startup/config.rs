//! Typed settings of `chime serve`, parsed once from flags and `CHIME_*`
//! variables. A bad value stops start-up with one clear line.

use chime_shared::{Audience, Limits};
use std::net::SocketAddr;
use std::time::Duration;
use url::Url;

/// A secret a site signs its readers' tokens with; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SsoSecret(String);

impl SsoSecret {
    /// A secret of at least 32 characters.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() < 32 {
            return Err(format!(
                "an --sso-secret must be at least 32 characters (one has {})",
                raw.chars().count()
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SsoSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsoSecret(…)")
    }
}

/// A setting that may hold a password (an SMTP URL): never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redacted(…)")
    }
}

/// Everything the server needs to know to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Connections each server keeps to PostgreSQL (SQLite: one writer and
    /// eight readers, always).
    pub database_connections: u32,
    /// The public URL, when the operator set one (else `http://{addr}`).
    pub public_url: Option<Origin>,
    /// The backend's own origins, as browsers see them: the public URL, and
    /// on loopback both `127.0.0.1` and `localhost`. Filled in at start,
    /// once the port is known.
    pub own_origins: Vec<Origin>,
    /// Other sites allowed to embed the widget.
    pub allowed_origins: Vec<Origin>,
    /// Size limits.
    pub limits: Limits,
    /// How long after posting an author may edit.
    pub edit_window: Duration,
    /// How long a moderator's session lasts.
    pub session_ttl: Duration,
    /// The secrets a site signs its readers' tokens with (several while
    /// one is rotated); none: sign-in with the site's accounts is off.
    pub sso_secrets: Vec<SsoSecret>,
    /// Site tokens issued longer ago than this are refused, whatever their
    /// `exp`.
    pub sso_max_age: Duration,
    /// How long a signed-in reader's session lasts.
    pub reader_session_ttl: Duration,
    /// Who may comment.
    pub posting: Audience,
    /// Who may react.
    pub reacting: Audience,
    /// How long a client has to send a request's headers before the
    /// connection is closed.
    pub header_read_timeout: Duration,
    /// How long a connection may wait, once answered, before its next
    /// request (it is closed then; a client opens a new one).
    pub idle_timeout: Duration,
    /// Connections held open at once; past it, new ones are answered 503.
    pub max_connections: usize,
    /// Connections one client network may hold at once (trusted proxies
    /// are not counted), so that one client cannot take every place.
    pub connections_per_address: usize,
    /// The prefix by which IPv6 clients are counted in per-address limits:
    /// one household or machine usually gets a whole /64.
    pub ipv6_prefix: u8,
    /// How long a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Writes a minute allowed per reader (also the burst).
    pub writes_per_minute_per_reader: u32,
    /// Writes a minute allowed per client address (also the burst).
    pub writes_per_minute_per_address: u32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::http::client::TrustedProxies,
    /// Reports (from different addresses) after which a comment is held
    /// until a moderator looks; 0: never.
    pub hold_after_reports: u32,
    /// Which new comments are refused or held for review.
    pub screening: crate::service::screening::Rules,
    /// The surge guard counts an article's rate at most this often per
    /// server (on a post or a report there).
    pub surge_check_every: Duration,
    /// How often each server looks whether surges are over.
    pub surge_sweep_every: Duration,
    /// Live streams one client address may hold open.
    pub streams_per_address: usize,
    /// Articles whose first pages are kept in memory (0: none).
    pub page_cache_articles: usize,
    /// Bytes the kept pages may take together.
    pub page_cache_bytes: usize,
    /// Where the built widget bundle is (`trunk build` output); `None`:
    /// inside the binary when it was built with it (`embed-widget`), else
    /// `frontend/dist`.
    pub widget_dir: Option<std::path::PathBuf>,
    /// Webhooks may point at this machine and private networks (a
    /// receiver beside Chime); off, they are refused there.
    pub webhook_private_targets: bool,
    /// How long an endpoint has to answer.
    pub webhook_timeout: Duration,
    /// The waits between a message's attempts; past the last, it is given
    /// up on.
    pub webhook_retry: Vec<Duration>,
    /// Failed attempts in a row after which an endpoint is paused.
    pub webhook_pause_after: u32,
    /// The SMTP server's URL (`smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`); `None`: no e-mail.
    pub smtp_url: Option<Redacted>,
    /// The address mail comes from (`Chime <comments@news.example>`).
    pub mail_from: Option<String>,
    /// How often each server looks for news to hand on and messages due.
    pub outbox_poll_every: Duration,
    /// Make the `admin` moderator when none exists, printing the password.
    pub bootstrap_admin: bool,
    /// Add the demo article's comments to an empty store.
    pub seed_demo: bool,
}

/// An origin (`scheme://host[:port]`), normalised for comparison with the
/// `Origin` header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin or a URL (whose path is ignored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("{raw:?} is not an http or https origin"));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    /// The origin as the `Origin` header spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Settings {
    /// Settings for a server at `addr` on the database at `database_url`,
    /// with every other value at its default.
    pub fn new(addr: SocketAddr, database_url: impl Into<String>) -> Self {
        Self {
            addr,
            database_url: database_url.into(),
            database_connections: 10,
            public_url: None,
            own_origins: Vec::new(),
            allowed_origins: Vec::new(),
            limits: Limits::default(),
            edit_window: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(12 * 60 * 60),
            sso_secrets: Vec::new(),
            sso_max_age: Duration::from_secs(60 * 60),
            posting: Audience::Anyone,
            reacting: Audience::Anyone,
            reader_session_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            request_timeout: Duration::from_secs(15),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 20_000,
            connections_per_address: 256,
            ipv6_prefix: 64,
            writes_per_minute_per_reader: 30,
            writes_per_minute_per_address: 300,
            page_cache_articles: 1_000,
            page_cache_bytes: 128 << 20,
            trusted_proxies: crate::http::client::TrustedProxies::default(),
            streams_per_address: 100,
            hold_after_reports: 5,
            screening: crate::service::screening::Rules::default(),
            surge_check_every: Duration::from_secs(1),
            surge_sweep_every: Duration::from_secs(15),
            widget_dir: None,
            webhook_private_targets: false,
            webhook_timeout: Duration::from_secs(10),
            webhook_retry: crate::service::delivery::RETRY_SCHEDULE.to_vec(),
            webhook_pause_after: 20,
            outbox_poll_every: Duration::from_secs(1),
            smtp_url: None,
            mail_from: None,
            bootstrap_admin: false,
            seed_demo: false,
        }
    }

    /// Sets the public URL (default `http://{addr}`).
    pub fn with_public_url(mut self, raw: &str) -> Result<Self, String> {
        self.public_url = Some(Origin::parse(raw)?);
        Ok(self)
    }

    /// Fills in the own origins once the server is bound to `local`.
    pub fn resolve(&mut self, local: SocketAddr) {
        self.addr = local;
        self.own_origins = match &self.public_url {
            Some(public) => vec![public.clone()],
            None if local.ip().is_loopback() => vec![
                Origin(format!("http://{local}")),
                Origin(format!("http://localhost:{}", local.port())),
            ],
            None => vec![Origin(format!("http://{local}"))],
        };
    }

    /// The URL people open: the public URL, or the address listened on.
    pub fn public_origin(&self) -> &str {
        self.own_origins.first().map_or("", Origin::as_str)
    }

    /// Whether cookies must be `Secure`.
    pub fn https(&self) -> bool {
        self.public_origin().starts_with("https:")
    }

    /// Whether `origin` is one of the backend's own.
    pub fn is_own_origin(&self, origin: &str) -> bool {
        self.own_origins.iter().any(|o| o.as_str() == origin)
    }

    /// Parses a comma-separated list of allowed origins.
    pub fn with_allowed_origins(mut self, raw: &str) -> Result<Self, String> {
        self.allowed_origins = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Origin::parse)
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// Whether a browser on `origin` may call the reader API: the backend's
    /// own origin always may.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.is_own_origin(origin) || self.allowed_origins.iter().any(|o| o.as_str() == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let o = Origin::parse("https://News.Example.com:443/path").expect("valid");
        assert_eq!(o.as_str(), "https://news.example.com");
        assert!(Origin::parse("ftp://x").is_err());
        assert!(Origin::parse("nonsense").is_err());
    }

    #[test]
    fn own_origin_is_always_allowed() {
        let addr = "127.0.0.1:3000".parse().expect("addr");
        let mut s = Settings::new(addr, "sqlite::memory:")
            .with_allowed_origins("https://a.example, https://b.example")
            .expect("valid");
        s.resolve(addr);
        assert!(s.origin_allowed("http://127.0.0.1:3000"));
        assert!(s.origin_allowed("http://localhost:3000"));
        assert!(s.origin_allowed("https://b.example"));
        assert!(!s.origin_allowed("https://c.example"));
        assert!(!s.origin_allowed("null"));
    }
}
