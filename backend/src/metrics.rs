//! Prometheus metrics, kept in an explicit registry (no global recorder) and
//! served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of one HTTP answer.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

/// Labels of one route's latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_seconds: HistogramFamily,
    pub comments_posted: Counter,
    pub comments_held: Counter,
    pub reactions_changed: Counter,
    pub reports_filed: Counter,
    pub moderation_actions: Counter,
    pub event_streams: Gauge,
    pub webhooks_delivered: Counter,
    pub webhook_failures: Counter,
    pub mails_sent: Counter,
    pub mail_failures: Counter,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to ~4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chime");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_seconds: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let comments_posted = Counter::default();
        let comments_held = Counter::default();
        let reactions_changed = Counter::default();
        let reports_filed = Counter::default();
        let moderation_actions = Counter::default();
        let event_streams = Gauge::default();
        let webhooks_delivered = Counter::default();
        let webhook_failures = Counter::default();
        let mails_sent = Counter::default();
        let mail_failures = Counter::default();
        registry.register(
            "mails_sent",
            "E-mails the SMTP server took",
            mails_sent.clone(),
        );
        registry.register(
            "mail_failures",
            "E-mails that could not be sent (each is tried again, up to its last)",
            mail_failures.clone(),
        );
        registry.register(
            "webhooks_delivered",
            "Webhook messages an endpoint took",
            webhooks_delivered.clone(),
        );
        registry.register(
            "webhook_failures",
            "Webhook attempts that failed (each is tried again, up to its last)",
            webhook_failures.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer",
            http_seconds.clone(),
        );
        registry.register(
            "comments_posted",
            "Comments posted",
            comments_posted.clone(),
        );
        registry.register(
            "comments_held",
            "Comments held for review as they were posted",
            comments_held.clone(),
        );
        registry.register(
            "reactions_changed",
            "Reactions added or taken back",
            reactions_changed.clone(),
        );
        registry.register(
            "reports_filed",
            "Reports filed by readers",
            reports_filed.clone(),
        );
        registry.register(
            "moderation_actions",
            "Hides, restores, approvals, rejections and holds",
            moderation_actions.clone(),
        );
        registry.register(
            "event_streams_open",
            "Live event streams open",
            event_streams.clone(),
        );
        Self {
            registry,
            http_requests,
            http_seconds,
            comments_posted,
            comments_held,
            reactions_changed,
            reports_filed,
            moderation_actions,
            event_streams,
            webhooks_delivered,
            webhook_failures,
            mails_sent,
            mail_failures,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
