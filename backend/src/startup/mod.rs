//! `Application`: opens the store, binds the port, builds the router, and
//! runs until told to stop.

pub mod cli;
pub mod config;
pub mod demo;
pub mod files;
pub mod transfer;

use crate::clock::Clock;
use crate::http::connections::{Activity, Policy, Slots};
use crate::live::events::postgres::PgBus;
use crate::live::events::{EventBus, LocalBus};
use crate::live::page_cache::PageCache;
use crate::metrics::Metrics;
use crate::readers::ReaderHasher;
use crate::startup::config::Settings;
use crate::state::{AppState, Shared};
use crate::store::CommentStore;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulConnection;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(String),
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

/// Opens the store a database URL names.
pub async fn open_store(
    url: &str,
    connections: u32,
) -> Result<Arc<dyn CommentStore>, StartupError> {
    Ok(open(url, connections).await?.0)
}

/// The store, and on PostgreSQL its pool (for the event bus).
async fn open(
    url: &str,
    connections: u32,
) -> Result<(Arc<dyn CommentStore>, Option<sqlx::PgPool>), StartupError> {
    let failed = |e: crate::store::StoreError| StartupError::Database(e.to_string());
    if url.starts_with("sqlite:") {
        Ok((
            Arc::new(SqliteStore::open(url).await.map_err(failed)?),
            None,
        ))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PgStore::open(url, connections).await.map_err(failed)?;
        let pool = store.pool().clone();
        Ok((Arc::new(store), Some(pool)))
    } else {
        Err(StartupError::Database(format!(
            "{url:?} is neither a sqlite:// nor a postgres:// database URL"
        )))
    }
}

/// A server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The admin password made on first start, to be shown once.
    pub admin_password: Option<String>,
}

/// Reads the site's settings again each time another server changed them.
async fn follow_settings(
    mut changes: tokio::sync::watch::Receiver<u64>,
    store: Arc<dyn crate::store::CommentStore>,
    screening: Arc<crate::service::screening::Screening>,
    pages: Arc<crate::live::page_cache::PageCache>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = shutdown.cancelled() => return,
        }
        let before = screening.settings();
        if let Err(e) = crate::service::admin::reload_screening(store.as_ref(), &screening).await {
            tracing::warn!("could not read the changed settings: {e}");
        }
        // Pages say when their article closes, which the settings decide.
        // Every start and reconnect reads them too (a change may have been
        // missed): the pages kept meanwhile stay when nothing changed.
        if screening.settings() != before {
            pages.clear();
        }
    }
}

impl Application {
    /// Opens the store, binds the address and prepares the state. (Long:
    /// every part of the state is made here, in the order each needs.)
    pub async fn build(
        mut settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let (store, shared_database) =
            open(&settings.database_url, settings.database_connections).await?;
        let listener =
            TcpListener::bind(settings.addr)
                .await
                .map_err(|cause| StartupError::Bind {
                    addr: settings.addr,
                    cause,
                })?;
        let local = listener
            .local_addr()
            .map_err(|e| StartupError::Setup(e.to_string()))?;
        settings.resolve(local);

        let key = store
            .secret("reader_key", &crate::service::auth::random_token)
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?;
        let now = crate::clock::to_millis(clock.now());
        let admin_password = if settings.bootstrap_admin {
            crate::service::admin::bootstrap_admin(store.as_ref(), now)
                .await
                .map_err(|e| StartupError::Setup(e.to_string()))?
        } else {
            None
        };
        if settings.seed_demo {
            crate::startup::demo::seed(store.as_ref(), now)
                .await
                .map_err(|e| StartupError::Database(e.to_string()))?;
        }
        let screening = Arc::new(crate::service::screening::Screening::new(
            settings.screening.clone(),
        ));
        crate::service::admin::load_screening(store.as_ref(), &screening)
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?;
        let shutdown = CancellationToken::new();
        let pages = Arc::new(PageCache::new(
            settings.page_cache_articles,
            settings.page_cache_bytes,
        ));
        // On PostgreSQL other servers may share the database: their events
        // come over LISTEN/NOTIFY.
        let events: Arc<dyn EventBus> = match shared_database {
            Some(pool) => PgBus::start(
                pool,
                store.clone(),
                pages.clone(),
                ReaderHasher::new(key.as_bytes()),
                shutdown.clone(),
            ),
            None => Arc::new(LocalBus::default()),
        };
        let limits = crate::http::ratelimit::WriteLimits::new(
            settings.writes_per_minute_per_reader,
            settings.writes_per_minute_per_address,
            settings.ipv6_prefix,
        );
        let streams = crate::http::ratelimit::StreamLimits::new(
            settings.streams_per_address,
            settings.ipv6_prefix,
        );
        let sign_in_limits =
            crate::http::ratelimit::SignInLimits::new(settings.ipv6_prefix, clock.clone());
        if let Some(changes) = events.settings_changes() {
            tokio::spawn(follow_settings(
                changes,
                store.clone(),
                screening.clone(),
                pages.clone(),
                shutdown.clone(),
            ));
        }
        let mailer = match (&settings.smtp_url, &settings.mail_from) {
            (Some(url), Some(from)) => Some(Arc::new(
                crate::service::mail::Mailer::new(&url.0, from).map_err(StartupError::Setup)?,
            )),
            (None, None) => None,
            _ => {
                return Err(StartupError::Setup(
                    "--smtp-url and --mail-from go together: e-mail needs both".into(),
                ));
            }
        };
        let state = AppState::new(Shared {
            store,
            events,
            clock,
            settings: Arc::new(settings),
            readers: ReaderHasher::new(key.as_bytes()),
            metrics: Arc::new(Metrics::default()),
            write_limits: Arc::new(limits),
            sign_in_limits,
            streams,
            pages,
            screening,
            surge: crate::service::surge::Guard::default(),
            mailer,
            shutdown,
        });
        Ok(Self {
            listener,
            state,
            admin_password,
        })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.state.settings.addr.port()
    }

    /// The URL people open.
    pub fn url(&self) -> String {
        self.state.settings.public_origin().to_owned()
    }

    /// The state handlers share (tests reach the store through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` resolves, then lets requests in flight finish
    /// and ends open event streams.
    ///
    /// The accept loop is hyper-util's rather than `axum::serve` for what
    /// axum does not expose: the connection policy (`connections`): a cap
    /// on open connections, a client that must send its request headers
    /// within `header_read_timeout`, and connections closed when idle.
    /// (Long: the accept loop and its shutdown, kept in one place so the
    /// order of the stopping steps is plain.)
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state;
        let settings = state.settings.clone();
        let policy = Policy {
            max: settings.max_connections,
            first_request: settings.header_read_timeout,
            idle: settings.idle_timeout,
        };
        let slots = Slots::new(policy.max);
        let per_address = crate::http::ratelimit::StreamLimits::new(
            settings.connections_per_address,
            settings.ipv6_prefix,
        );
        let refusals = Arc::new(tokio::sync::Semaphore::new(
            crate::http::connections::REFUSALS_AT_ONCE,
        ));
        let request_timeout = settings.request_timeout;
        let purge = tokio::spawn(purge_loop(state.clone()));
        let surges = tokio::spawn(crate::service::surge::keep_sweeping(state.clone()));
        let deliveries = tokio::spawn(crate::service::delivery::keep_delivering(state.clone()));
        let shutdown = state.shutdown.clone();
        let app = crate::http::routes::app(state);
        let builder = protocols(&settings);
        let connections = TaskTracker::new();
        let closing = CancellationToken::new();
        let mut stop = std::pin::pin!(stop);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, go on.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let counted = (!settings.trusted_proxies.trusts(peer.ip())).then_some(peer.ip());
            let place = per_address.open(counted).ok().zip(slots.take());
            let Some((address_place, slot)) = place else {
                tracing::debug!(%peer, "connection refused: at the connection limit");
                if let Ok(refusing) = refusals.clone().try_acquire_owned() {
                    connections.spawn(async move {
                        crate::http::connections::refuse(stream).await;
                        drop(refusing);
                    });
                }
                continue;
            };
            let _ = stream.set_nodelay(true);
            let activity = Activity::new();
            let service = {
                let app = app.clone();
                let activity = activity.clone();
                tower::service_fn(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let busy = activity.begin();
                    let answer = app.clone().oneshot(request);
                    async move { answer.await.map(|response| Activity::hold(busy, response)) }
                })
            };
            let connection = builder
                .serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    TowerToHyperService::new(service),
                )
                .into_owned();
            let closing = closing.clone();
            connections.spawn(async move {
                let _places = (slot, address_place);
                let ending = Ending {
                    activity,
                    policy,
                    closing,
                    request_timeout,
                };
                serve_until_done(connection, ending, peer).await;
            });
        }
        // Event streams end, so the connections holding them can close.
        shutdown.cancel();
        closing.cancel();
        connections.close();
        connections.wait().await;
        purge.abort();
        surges.abort();
        deliveries.abort();
        Ok(())
    }
}

/// HTTP/1.1 and HTTP/2, with the timers the connection policy needs.
fn protocols(settings: &Settings) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    // A peer that stops answering pings is gone; its connection closes.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(10))
        .max_concurrent_streams(Some(200));
    builder
}

/// What ends a connection before its peer does.
struct Ending {
    activity: Activity,
    policy: Policy,
    /// The server is stopping.
    closing: CancellationToken,
    request_timeout: Duration,
}

/// Serves one connection until its peer closes it, it idles too long, or
/// the server stops; then closes it gracefully, and cuts it off when the
/// peer does not go.
async fn serve_until_done<C>(connection: C, ending: Ending, peer: SocketAddr)
where
    C: GracefulConnection,
    C::Error: std::fmt::Display,
{
    let Ending {
        activity,
        policy,
        closing,
        request_timeout,
    } = ending;
    let mut connection = std::pin::pin!(connection);
    let (why, grace) = tokio::select! {
        ended = connection.as_mut() => {
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended");
            }
            return;
        }
        // Nothing in flight: a peer that does not answer the goodbye
        // (HTTP/2 waits for a ping's answer) is cut off.
        () = activity.idle_too_long(policy) => ("idle", Duration::from_secs(1)),
        () = closing.cancelled() => ("shutting down", request_timeout),
    };
    tracing::trace!(%peer, why, "closing a connection");
    // Finishes what is in flight and closes; HTTP/2 peers are told with
    // GOAWAY.
    connection.as_mut().graceful_shutdown();
    match tokio::time::timeout(grace, connection).await {
        Ok(Err(e)) => tracing::debug!(error = %e, "connection ended"),
        Ok(Ok(())) => {}
        Err(_) => tracing::debug!(%peer, why, "connection cut off"),
    }
}

/// Forgets idle rate-limit keys every minute and expired idempotency keys
/// and sessions every hour.
async fn purge_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    for minute in 0u64.. {
        tick.tick().await;
        state.write_limits.forget_idle();
        state.sign_in_limits.forget_idle();
        if minute % 60 != 0 {
            continue;
        }
        let now = state.now_ms();
        if let Err(e) = state.store.purge_expired(now - 24 * 3600 * 1000, now).await {
            tracing::warn!(error = %e, "purge failed");
        }
        // Where comments came from is kept only as long as a reader's
        // history looks back for others at the same address.
        let window = crate::service::history::ADDRESS_WINDOW_MS;
        if let Err(e) = state.store.forget_addresses(now - window).await {
            tracing::warn!(error = %e, "forgetting old addresses failed");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
