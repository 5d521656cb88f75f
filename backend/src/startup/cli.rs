//! The `chime` command line: `serve`, `moderator add|list|remove|passwd`,
//! `backup`, `migrate`, `export` and `import`.
//! Every flag also reads a `CHIME_*` variable; flags win.

use crate::clock::{Clock, SystemClock};
use crate::service::admin::{Actor, add_moderator, remove_moderator, set_password};
use crate::startup::config::Settings;
use crate::startup::{Application, open_store, shutdown_signal};
use chime_shared::{Audience, Role};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// Chime: comments and reactions for article pages.
#[derive(Debug, Parser)]
#[command(name = "chime", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Manage moderators.
    Moderator {
        #[command(subcommand)]
        command: ModeratorCommand,
        /// Database URL (sqlite://path) or a path to a SQLite file.
        #[arg(
            long,
            global = true,
            env = "CHIME_DATABASE_URL",
            default_value = "sqlite://chime.db"
        )]
        database: String,
    },
    /// Copy the whole SQLite database to a new file while Chime runs, and
    /// check the copy. Restore by stopping Chime and putting the copy in
    /// the database's place.
    Backup {
        /// The new file (never overwritten).
        path: std::path::PathBuf,
        /// Database URL (sqlite://path) or a path to a SQLite file.
        #[arg(long, env = "CHIME_DATABASE_URL", default_value = "sqlite://chime.db")]
        database: String,
    },
    /// Create or update the database's tables, then exit (servers do it
    /// too when they start; run it once before starting several).
    Migrate {
        /// Database URL (sqlite://path or postgres://…).
        #[arg(long, env = "CHIME_DATABASE_URL", default_value = "sqlite://chime.db")]
        database: String,
    },
    /// Write the whole store to standard output as JSON lines.
    Export {
        /// Database URL (sqlite://path or postgres://…).
        #[arg(long, env = "CHIME_DATABASE_URL", default_value = "sqlite://chime.db")]
        database: String,
    },
    /// Read a Chime export from standard input into a new, empty store;
    /// or, with --from, another system's export FILE into any store.
    Import {
        /// Database URL (sqlite://path or postgres://…).
        #[arg(long, env = "CHIME_DATABASE_URL", default_value = "sqlite://chime.db")]
        database: String,
        /// The system FILE comes from: its comments join the store's.
        #[arg(long, value_enum, requires = "file")]
        from: Option<FromSystem>,
        /// Disqus's XML export (gzipped or not), WordPress's WXR file, or
        /// Isso's comments.db.
        #[arg(requires = "from")]
        file: Option<std::path::PathBuf>,
        /// Which of a page's names becomes its article id: the path of its
        /// URL, or the site's own id for it (disqus_identifier, the
        /// WordPress post id).
        #[arg(long, value_enum, default_value = "path")]
        article: ArticleBy,
        /// Comments the source marks as spam: left out, or held for review.
        #[arg(long, value_enum, default_value = "skip")]
        spam: SpamChoice,
        /// Comments the source marks as deleted: kept as deleted (their
        /// replies keep their place; nothing of their words), or left out
        /// (their replies move up).
        #[arg(long, value_enum, default_value = "keep")]
        deleted: DeletedChoice,
        /// Read and check everything, write it in a transaction, then keep
        /// nothing: the summary says what an import would do.
        #[arg(long)]
        dry_run: bool,
    },
    /// Ask the server running here whether it and its store answer
    /// (`/healthz`); exit 0 if so, 1 if not. For a container's
    /// HEALTHCHECK, where there is no curl.
    Healthcheck {
        /// The address the server listens on (a wildcard address is asked
        /// on loopback).
        #[arg(long, env = "CHIME_ADDR", default_value = "127.0.0.1:3000")]
        addr: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FromSystem {
    Disqus,
    Wordpress,
    Isso,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ArticleBy {
    Path,
    Id,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SpamChoice {
    Skip,
    Hold,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DeletedChoice {
    Keep,
    Skip,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHIME_ADDR", default_value = "127.0.0.1:3000")]
    addr: String,
    /// Database URL (sqlite://path or postgres://…) or a path to a SQLite
    /// file.
    #[arg(long, env = "CHIME_DATABASE_URL", default_value = "sqlite://chime.db")]
    database: String,
    /// A secret the site signs its readers' tokens with (HS256); give it
    /// twice while rotating. None: sign-in with the site's accounts is off.
    #[arg(long = "sso-secret", env = "CHIME_SSO_SECRET", value_delimiter = ',')]
    sso_secrets: Vec<String>,
    /// Site tokens issued longer ago than this are refused.
    #[arg(long, env = "CHIME_SSO_MAX_AGE_SECS", default_value_t = 3600)]
    sso_max_age_secs: u64,
    /// Who may comment: anyone, or only readers signed in with the site's
    /// accounts (signed-in).
    #[arg(long, env = "CHIME_POSTING", default_value = "anyone")]
    posting: String,
    /// Who may react: anyone, or signed-in.
    #[arg(long, env = "CHIME_REACTING", default_value = "anyone")]
    reacting: String,
    /// Connections this server keeps to PostgreSQL (all servers together
    /// must stay under the database's max_connections).
    #[arg(long, env = "CHIME_DATABASE_CONNECTIONS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    database_connections: u32,
    /// Comma-separated origins of sites that may embed the widget.
    #[arg(long, env = "CHIME_ALLOWED_ORIGINS", default_value = "")]
    allowed_origins: String,
    /// The URL readers reach this server at (default http://{addr}).
    #[arg(long, env = "CHIME_PUBLIC_URL")]
    public_url: Option<String>,
    /// Add the demo article's comments to an empty store.
    #[arg(long, env = "CHIME_DEMO")]
    demo: bool,
    /// Directory of the built widget bundle, served under /widget/
    /// (default: the one inside the binary when it has one, else
    /// frontend/dist). For working on the widget.
    #[arg(long, env = "CHIME_WIDGET_DIR")]
    widget_dir: Option<std::path::PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "CHIME_LOG_JSON")]
    log_json: bool,
    /// Writes (posts, edits, reactions, reports) one reader may make a minute.
    #[arg(long, env = "CHIME_WRITES_PER_MINUTE_PER_READER", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    writes_per_minute_per_reader: u32,
    /// Writes one network address may make a minute (all its readers).
    #[arg(long, env = "CHIME_WRITES_PER_MINUTE_PER_ADDRESS", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(1..))]
    writes_per_minute_per_address: u32,
    /// Articles whose first comment page is kept in memory, ready to send
    /// (about 30 KB each); 0 turns the page cache off.
    #[arg(long, env = "CHIME_PAGE_CACHE_ARTICLES", default_value_t = 1_000)]
    page_cache_articles: usize,
    /// Megabytes the kept pages may take together (a page over a quarter
    /// of it is never kept).
    #[arg(long, env = "CHIME_PAGE_CACHE_MB", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(1..))]
    page_cache_mb: u32,
    /// Comma-separated proxies (addresses or networks like 10.0.0.0/8)
    /// whose X-Forwarded-For header names the client; none by default.
    #[arg(long, env = "CHIME_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// Seconds a connection may sit idle after an answer before it is
    /// closed (a connection that never sends a request: 10 seconds).
    #[arg(long, env = "CHIME_IDLE_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: u64,
    /// Connections held open at once (every live stream holds one); past
    /// it, new connections are answered 503. Keep it under the process's
    /// open-file limit (`ulimit -n`).
    #[arg(long, env = "CHIME_MAX_CONNECTIONS", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Connections one client address (IPv6: network) may hold at once;
    /// trusted proxies are not counted. Past it, its new connections are
    /// answered 503.
    #[arg(long, env = "CHIME_CONNECTIONS_PER_ADDRESS", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..))]
    connections_per_address: u32,
    /// IPv6 clients are counted by this prefix in per-address limits (a
    /// household or machine usually has a whole /64).
    #[arg(long, env = "CHIME_IPV6_PREFIX", default_value_t = 64,
          value_parser = clap::value_parser!(u8).range(1..=128))]
    ipv6_prefix: u8,
    /// Live streams (one per open article page) one client address may
    /// hold open.
    #[arg(long, env = "CHIME_STREAMS_PER_ADDRESS", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    streams_per_address: u32,
    /// Reports from different addresses after which a comment is held for
    /// review (readers stop seeing it until a moderator decides); 0 never.
    #[arg(long, env = "CHIME_HOLD_AFTER_REPORTS", default_value_t = 5)]
    hold_after_reports: u32,
    /// Which new comments wait for a moderator: off (only those screening
    /// holds, and articles set to pre-moderation), new-readers (until one
    /// of the reader's comments is approved) or all.
    #[arg(long, env = "CHIME_PREMODERATION", default_value = "off")]
    premoderation: String,
    /// Words and phrases refused in names and comments, separated by
    /// commas or new lines (whole words, any case).
    #[arg(long, env = "CHIME_BANNED_WORDS", default_value = "")]
    banned_words: String,
    /// Words and phrases that hold a comment for review.
    #[arg(long, env = "CHIME_SUSPECT_WORDS", default_value = "")]
    suspect_words: String,
    /// A comment with more links than this is held for review.
    #[arg(long, env = "CHIME_MAX_LINKS", default_value_t = 3)]
    max_links: usize,
    /// Let webhooks point at this machine and private networks (a
    /// receiver beside Chime); without it they are refused there, so that
    /// an admin's account cannot reach what only the server can.
    #[arg(long, env = "CHIME_WEBHOOK_PRIVATE_TARGETS")]
    webhook_private_targets: bool,
    /// Seconds an endpoint has to answer a webhook before the attempt
    /// counts as failed (a server killed mid-send leaves the message to
    /// another after twice this and five seconds).
    #[arg(long, env = "CHIME_WEBHOOK_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    webhook_timeout_secs: u64,
    /// The SMTP server mail goes through: `smtps://user:pass@host:465`
    /// (TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS); none:
    /// Chime sends no e-mail. With --mail-from.
    #[arg(long, env = "CHIME_SMTP_URL")]
    smtp_url: Option<String>,
    /// The address mail comes from, e.g. `Comments <comments@news.example>`.
    #[arg(long, env = "CHIME_MAIL_FROM")]
    mail_from: Option<String>,
    /// Comments on an article close by themselves this many days after its
    /// first comment (0: never); a moderator may set an article's own.
    #[arg(long, env = "CHIME_AUTO_CLOSE_DAYS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(..=i64::from(chime_shared::AUTO_CLOSE_DAYS_MAX)))]
    auto_close_days: u32,
    /// The surge guard holds an article's new comments for review when it
    /// takes this many comments in five minutes, and that is
    /// --surge-factor times its usual rate (0: not by comments).
    #[arg(long, env = "CHIME_SURGE_POSTS", default_value_t = chime_shared::DEFAULT_SURGE_POSTS,
          value_parser = clap::value_parser!(u32).range(..=i64::from(chime_shared::SURGE_LIMIT)))]
    surge_posts: u32,
    /// The same for reports on an article's comments (0: not by reports).
    #[arg(long, env = "CHIME_SURGE_REPORTS", default_value_t = chime_shared::DEFAULT_SURGE_REPORTS,
          value_parser = clap::value_parser!(u32).range(..=i64::from(chime_shared::SURGE_LIMIT)))]
    surge_reports: u32,
    /// How many times its usual rate (the hour before) an article's rate
    /// must be to be a surge.
    #[arg(long, env = "CHIME_SURGE_FACTOR", default_value_t = chime_shared::DEFAULT_SURGE_FACTOR,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(chime_shared::SURGE_LIMIT)))]
    surge_factor: u32,
    /// A comment sent from the widget sooner than this many milliseconds
    /// after its form opened is held for review (0: never).
    #[arg(long, env = "CHIME_MIN_FORM_MS", default_value_t = 2_000)]
    min_form_ms: u64,
    /// The same text from the same reader or address within this many
    /// minutes is held for review (0: never).
    #[arg(long, env = "CHIME_REPEAT_WINDOW_MINUTES", default_value_t = 60)]
    repeat_window_minutes: u32,
}

#[derive(Debug, Subcommand)]
enum ModeratorCommand {
    /// Add a moderator; the password is read from the terminal or stdin.
    Add {
        name: String,
        /// admin or moderator.
        #[arg(long, default_value = "moderator")]
        role: String,
    },
    /// List moderators.
    List,
    /// Remove a moderator and end their sessions.
    Remove { name: String },
    /// Set a moderator's password (read from the terminal or stdin) and end their sessions.
    Passwd { name: String },
}

/// Runs the command line; configuration errors exit with status 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}"), 1),
    };
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(*args).await,
            Command::Moderator { command, database } => {
                moderator(command, &database_url(&database)).await
            }
            Command::Backup { path, database } => backup(&path, &database_url(&database)).await,
            Command::Migrate { database } => migrate(&database_url(&database)).await,
            Command::Export { database } => export(&database_url(&database)).await,
            Command::Import {
                database,
                from: None,
                ..
            } => import(&database_url(&database)).await,
            Command::Import {
                database,
                from: Some(from),
                file,
                article,
                spam,
                deleted,
                dry_run,
            } => {
                let source = match from {
                    FromSystem::Disqus => crate::import::Source::Disqus,
                    FromSystem::Wordpress => crate::import::Source::WordPress,
                    FromSystem::Isso => crate::import::Source::Isso,
                };
                let limits = chime_shared::Limits::default();
                let options = crate::import::Options {
                    article: match article {
                        ArticleBy::Path => crate::import::ArticleRule::Path,
                        ArticleBy::Id => crate::import::ArticleRule::Id,
                    },
                    spam: match spam {
                        SpamChoice::Skip => crate::import::Spam::Skip,
                        SpamChoice::Hold => crate::import::Spam::Hold,
                    },
                    deleted: match deleted {
                        DeletedChoice::Keep => crate::import::Deleted::Keep,
                        DeletedChoice::Skip => crate::import::Deleted::Skip,
                    },
                    dry_run,
                    max_depth: i64::from(limits.max_reply_depth),
                    author_name_max_chars: limits.author_name_max_chars,
                };
                let file = file.unwrap_or_default();
                import_from(&database_url(&database), source, &file, &options).await
            }
            Command::Healthcheck { addr } => healthcheck(&addr).await,
        }
    })
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("chime: {message}");
    ExitCode::from(code)
}

/// Accepts `sqlite://…`, `postgres://…` or a bare file path.
fn database_url(raw: &str) -> String {
    if raw.contains("://") || raw.starts_with("sqlite:") {
        raw.to_owned()
    } else {
        format!("sqlite://{raw}")
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHIME_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn settings_of(args: &ServeArgs) -> Result<Settings, String> {
    let addr: SocketAddr = args.addr.parse().map_err(|_| {
        format!(
            "--addr {:?} is not an address like 127.0.0.1:3000",
            args.addr
        )
    })?;
    let mut settings = Settings::new(addr, database_url(&args.database))
        .with_allowed_origins(&args.allowed_origins)
        .map_err(|e| format!("--allowed-origins: {e}"))?;
    settings.database_connections = args.database_connections;
    settings.sso_secrets = args
        .sso_secrets
        .iter()
        .map(|raw| crate::startup::config::SsoSecret::parse(raw))
        .collect::<Result<_, _>>()?;
    settings.sso_max_age = std::time::Duration::from_secs(args.sso_max_age_secs);
    let audience = |flag: &str, raw: &str| {
        Audience::parse(raw).map_err(|_| format!("--{flag} {raw:?}: say anyone or signed-in"))
    };
    settings.posting = audience("posting", &args.posting)?;
    settings.reacting = audience("reacting", &args.reacting)?;
    if settings.sso_secrets.is_empty()
        && (settings.posting == Audience::SignedIn || settings.reacting == Audience::SignedIn)
    {
        return Err(
            "--posting or --reacting signed-in needs --sso-secret: nobody could sign in".into(),
        );
    }
    if let Some(url) = &args.public_url {
        settings = settings
            .with_public_url(url)
            .map_err(|e| format!("--public-url: {e}"))?;
    }
    settings.widget_dir = args.widget_dir.clone();
    settings.writes_per_minute_per_reader = args.writes_per_minute_per_reader;
    settings.writes_per_minute_per_address = args.writes_per_minute_per_address;
    settings.page_cache_articles = args.page_cache_articles;
    settings.page_cache_bytes = (args.page_cache_mb as usize) << 20;
    settings.trusted_proxies = crate::http::client::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|e| format!("--trusted-proxies: {e}"))?;
    settings.streams_per_address = args.streams_per_address as usize;
    settings.idle_timeout = std::time::Duration::from_secs(args.idle_timeout_secs);
    settings.max_connections = args.max_connections as usize;
    settings.connections_per_address = args.connections_per_address as usize;
    settings.ipv6_prefix = args.ipv6_prefix;
    settings.hold_after_reports = args.hold_after_reports;
    settings.screening = crate::service::screening::Rules {
        premoderation: crate::service::screening::Premoderation::parse(&args.premoderation)
            .map_err(|e| format!("{:?}: {}", args.premoderation, e.message))
            .map_err(|e| format!("--premoderation: {e}"))?,
        banned: crate::service::screening::WordList::parse(&args.banned_words),
        suspect: crate::service::screening::WordList::parse(&args.suspect_words),
        max_links: args.max_links,
        auto_close_days: args.auto_close_days,
        surge_posts: args.surge_posts,
        surge_reports: args.surge_reports,
        surge_factor: args.surge_factor,
        min_form_ms: args.min_form_ms,
        repeat_window_ms: i64::from(args.repeat_window_minutes) * 60_000,
    };
    settings.webhook_private_targets = args.webhook_private_targets;
    settings.webhook_timeout = std::time::Duration::from_secs(args.webhook_timeout_secs);
    settings.smtp_url = args
        .smtp_url
        .clone()
        .filter(|u| !u.is_empty())
        .map(crate::startup::config::Redacted);
    settings.mail_from = args.mail_from.clone().filter(|f| !f.is_empty());
    settings.bootstrap_admin = true;
    settings.seed_demo = args.demo;
    Ok(settings)
}

async fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_json);
    let settings = match settings_of(&args) {
        Ok(s) => s,
        Err(e) => return fail(&e, 2),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = match Application::build(settings, clock).await {
        Ok(app) => app,
        Err(e) => return fail(&e.to_string(), 2),
    };
    if let Some(password) = &app.admin_password {
        show_admin_password(&app.url(), password, &database_url(&args.database));
    }
    println!("Chime is listening on {}", app.url());
    match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("server failed: {e}"), 1),
    }
}

/// Tells the operator the first admin password: on their terminal, or,
/// when standard output is not one (a service whose output goes to its
/// logs), in a file only they can read beside the SQLite database, naming
/// the file but not the password. With PostgreSQL and no terminal there is
/// no place of the operator's own to put it: they set one with `chime
/// moderator passwd admin`.
fn show_admin_password(url: &str, password: &str, database: &str) {
    if std::io::stdout().is_terminal() {
        println!("Made the first moderator. Sign in at {url}/moderate as:");
        println!("    user name: admin");
        println!("    password:  {password}");
        println!("(shown only this once; change it with `chime moderator passwd admin`)");
        return;
    }
    let Some(dir) = database
        .strip_prefix("sqlite://")
        .or_else(|| database.strip_prefix("sqlite:"))
        .map(|file| file.split('?').next().unwrap_or(file))
        .map(|file| match std::path::Path::new(file).parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => std::path::PathBuf::from("."),
        })
    else {
        println!(
            "Made the first moderator, admin (sign in at {url}/moderate); set its password with `chime moderator passwd admin`"
        );
        return;
    };
    let path = dir.join("chime-admin-password");
    let written = crate::startup::files::create_private(&path).and_then(|mut file| {
        use std::io::Write;
        writeln!(file, "{password}")
    });
    match written {
        Ok(()) => println!(
            "Made the first moderator, admin (sign in at {url}/moderate); the password is in {} (readable by this user only: delete it once signed in)",
            path.display()
        ),
        Err(e) => println!(
            "Made the first moderator, admin, but could not write its password to {} ({e}): set one with `chime moderator passwd admin`",
            path.display()
        ),
    }
}

/// Reads a password: twice from a terminal, once from piped stdin.
fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn backup(path: &std::path::Path, database: &str) -> ExitCode {
    if !database.starts_with("sqlite:") {
        return fail(
            "backup copies SQLite stores; back PostgreSQL up with its own tools (pg_dump)",
            2,
        );
    }
    let store = match crate::store::sqlite::SqliteStore::open(database).await {
        Ok(store) => store,
        Err(e) => return fail(&e.to_string(), 2),
    };
    match store.backup(path).await {
        Ok(copy) => {
            println!(
                "Backed up {} comments on {} articles to {} ({} bytes); the copy passed SQLite's integrity check.",
                copy.comments,
                copy.articles,
                path.display(),
                copy.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string(), 1),
    }
}

async fn moderator(command: ModeratorCommand, database: &str) -> ExitCode {
    let store = match open_store(database, 2).await {
        Ok(store) => store,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let by = Actor::command_line(crate::clock::to_millis(SystemClock.now()));
    match command {
        ModeratorCommand::Add { name, role } => {
            let role = match Role::parse(&role) {
                Ok(role) => role,
                Err(e) => return fail(&e.message, 2),
            };
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return fail(&format!("cannot read the password: {e}"), 2),
            };
            match add_moderator(store.as_ref(), &name, password, role, by).await {
                Ok(()) => {
                    println!("Added {} {name}.", role.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string(), 1),
            }
        }
        ModeratorCommand::Passwd { name } => {
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return fail(&format!("cannot read the password: {e}"), 2),
            };
            match set_password(store.as_ref(), &name, password, by).await {
                Ok(()) => {
                    println!("Changed the password of {name}; their sessions have ended.");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string(), 1),
            }
        }
        ModeratorCommand::List => match store.moderators().await {
            Ok(list) => {
                for m in list {
                    let since = crate::clock::from_millis(m.created_at).date();
                    println!("{}\t{}\tsince {since}", m.username, m.role.as_str());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string(), 1),
        },
        ModeratorCommand::Remove { name } => {
            match remove_moderator(store.as_ref(), &name, by).await {
                Ok(()) => {
                    println!("Removed {name}.");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string(), 1),
            }
        }
    }
}

/// `GET /healthz` by hand (the image has no HTTP client): 0 for a 200.
async fn healthcheck(addr: &str) -> ExitCode {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut addr) = addr.parse::<std::net::SocketAddr>() else {
        // 1, not 2: Docker keeps 2 for itself in a HEALTHCHECK.
        return fail(&format!("{addr} is not an address (host:port)"), 1);
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        // The status line, however the answer comes in pieces.
        let mut head = Vec::new();
        stream.take(64).read_to_end(&mut head).await?;
        std::io::Result::Ok(String::from_utf8_lossy(&head).into_owned())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), ask).await {
        Ok(Ok(head)) if head.starts_with("HTTP/1.1 200") => {
            println!("healthy");
            ExitCode::SUCCESS
        }
        Ok(Ok(head)) => fail(
            &format!(
                "not healthy: {}",
                head.lines().next().unwrap_or("no answer")
            ),
            1,
        ),
        Ok(Err(e)) => fail(&format!("no server at {addr}: {e}"), 1),
        Err(_) => fail(&format!("{addr} did not answer within 5 seconds"), 1),
    }
}

async fn migrate(database: &str) -> ExitCode {
    match open_store(database, 1).await {
        Ok(_) => {
            println!("The database at {} is up to date.", redacted(database));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string(), 2),
    }
}

/// A database URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn summary(rows: &[(String, u64)]) -> String {
    rows.iter()
        .map(|(table, n)| format!("{n} {table}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn export(database: &str) -> ExitCode {
    let db = match crate::startup::transfer::Database::open(database).await {
        Ok(db) => db,
        Err(e) => return fail(&e, 2),
    };
    // An export holds the reader key: a file it is written to is private.
    if let Err(e) = crate::startup::files::private_stdout() {
        eprintln!("chime: could not make the export file private: {e}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match crate::startup::transfer::export(&db, &mut out).await {
        Ok(rows) => {
            eprintln!("Exported {}.", summary(&rows));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("export failed: {e}"), 1),
    }
}

async fn import_from(
    database: &str,
    source: crate::import::Source,
    file: &std::path::Path,
    options: &crate::import::Options,
) -> ExitCode {
    // A dry run changes nothing: not the schema of a store this build
    // would migrate, and not a store that does not exist yet (it imports
    // into a new one of its own instead, deleted afterwards).
    let scratch = if options.dry_run {
        match dry_run_store(database).await {
            Ok(scratch) => scratch,
            Err(e) => return fail(&e, 2),
        }
    } else {
        None
    };
    let url = scratch.as_ref().map_or(database.to_owned(), |dir| {
        format!("sqlite://{}", dir.path().join("dry-run.db").display())
    });
    let store = match open_store(&url, 2).await {
        Ok(store) => store,
        Err(e) => return fail(&e.to_string(), 2),
    };
    // The reader key is the store's; a dry run need not make one (its
    // reader keys are thrown away with everything else).
    let key = if options.dry_run {
        crate::service::auth::random_token()
    } else {
        match store
            .secret("reader_key", &crate::service::auth::random_token)
            .await
        {
            Ok(key) => key,
            Err(e) => return fail(&format!("cannot read the store: {e}"), 1),
        }
    };
    let hasher = crate::readers::ReaderHasher::new(key.as_bytes());
    if scratch.is_some() {
        eprintln!(
            "There is no store at {} yet: the dry run imports into an empty one of its own.",
            redacted(database)
        );
    }
    match crate::import::run(store.as_ref(), &hasher, source, file, options).await {
        Ok(summary) => {
            eprintln!(
                "{} export {} into {}:\n{summary}",
                source.name(),
                file.display(),
                redacted(database)
            );
            if options.dry_run {
                eprintln!("A dry run: nothing was written.");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("import stopped, nothing was written: {e}"), 1),
    }
}

/// For a dry run: a scratch directory when the SQLite store does not
/// exist yet, nothing when the store can be used as it is, and a refusal
/// when its schema would first have to change.
async fn dry_run_store(database: &str) -> Result<Option<tempfile::TempDir>, String> {
    let pending = if database.starts_with("sqlite:") {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(database)
            .map_err(|e| format!("bad database URL: {e}"))?;
        if !options.get_filename().exists() {
            return tempfile::tempdir()
                .map(Some)
                .map_err(|e| format!("cannot make a scratch directory for the dry run: {e}"));
        }
        crate::store::sqlite::pending_migrations(database).await
    } else {
        crate::store::postgres::PgStore::pending_migrations(database).await
    }
    .map_err(|e| format!("cannot open the database: {e}"))?;
    if pending > 0 {
        return Err(format!(
            "the store at {} lacks {pending} of this version's schema changes, and a dry run changes nothing: run `chime migrate` first",
            redacted(database)
        ));
    }
    Ok(None)
}

async fn import(database: &str) -> ExitCode {
    let db = match crate::startup::transfer::Database::open(database).await {
        Ok(db) => db,
        Err(e) => return fail(&e, 2),
    };
    let stdin = std::io::stdin();
    match crate::startup::transfer::import(&db, stdin.lock()).await {
        Ok(rows) => {
            eprintln!(
                "Imported {} into {}; every table holds what the export announced.",
                summary(&rows),
                redacted(database)
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("import failed: {e}"), 1),
    }
}
