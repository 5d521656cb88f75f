//! End-to-end harness: the real backend on a free port, the built widget,
//! a host page on another origin, and headless Chromium driven over
//! WebDriver. Every process started here is killed when its guard drops,
//! browsers included, even when a test panics.

use chime_backend::clock::SystemClock;
use chime_backend::startup::config::Settings;
use chime_backend::state::AppState;
use chime_test_support::server::InProcess;
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Errors of a test step.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Where `trunk build` put the widget.
pub fn widget_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver (and the Chromium it starts) in their own process group,
/// killed whole on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is the driver's pid: this takes Chromium with it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> TestResult<Self> {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                format!("cannot start chromedriver (run ./dev test to install it): {e}")
            })?;
        Ok(Self {
            child,
            port,
            _profile: tempfile::tempdir()?,
        })
    }
}

/// How a test's world differs from the usual one.
#[derive(Clone, Default)]
pub struct Options {
    /// A tall block before the widget, so it starts below the fold.
    pub spacer: bool,
    /// The browser window's width and height (default 1280 × 900).
    pub window: Option<(u32, u32)>,
    /// Changes to the backend's settings (rate limits, say).
    pub tune: Option<fn(&mut Settings)>,
    /// The element's `theme` attribute.
    pub theme: Option<&'static str>,
    /// A style sheet of the host page's own.
    pub host_css: Option<&'static str>,
    /// The site has its own accounts: the backend shares the site's secret
    /// (`chime_test_support::sso::SECRET`), the element has an
    /// `sso-login-url` (the host's `/login`), and the page signs its
    /// reader in and out with `signIn(id, name, badges)` and `signOut()`,
    /// its server signing the token (`/token`).
    pub sso: bool,
}

/// A headless Chromium of its own (`width` × `height`, or a phone's
/// `mobile` metrics): its driver (which takes it down when dropped), the
/// session, and the capabilities it was started with.
pub async fn browser(
    width: u32,
    height: u32,
    mobile: Option<Value>,
) -> TestResult<(Driver, Client, Value)> {
    let driver = Driver::start()?;
    let profile = driver._profile.path().display().to_string();
    let mut capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "prefs": {"intl.accept_languages": "en-US,en"},
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", format!("--window-size={width},{height}"),
                     // The pages follow the browser's language: English
                     // whatever this machine's is.
                     "--lang=en-US",
                     format!("--user-data-dir={profile}")]
        }
    });
    if let Some(mobile) = mobile {
        capabilities["goog:chromeOptions"]["mobileEmulation"] = mobile;
    }
    let kept = capabilities.clone();
    let Value::Object(capabilities) = capabilities else {
        return Err("capabilities are an object".into());
    };
    let webdriver = format!("http://127.0.0.1:{}", driver.port);
    let started = Instant::now();
    let client = loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&webdriver)
            .await;
        match attempt {
            Ok(client) => break client,
            // chromedriver takes a moment to listen.
            Err(_) if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => return Err(format!("cannot reach chromedriver: {e}").into()),
        }
    };
    Ok((driver, client, kept))
}

/// One test's world: backend, host page, browser.
pub struct World {
    pub client: Client,
    pub backend: String,
    pub host: String,
    pub http: reqwest_lite::Http,
    settings: Settings,
    capabilities: Value,
    profiles: std::sync::Mutex<Vec<tempfile::TempDir>>,
    running: std::sync::Mutex<Option<InProcess>>,
    _dir: tempfile::TempDir,
    _driver: Driver,
}

async fn start_backend(settings: Settings) -> TestResult<(String, InProcess)> {
    let backend = InProcess::start(settings, Arc::new(SystemClock)).await?;
    Ok((backend.url.clone(), backend))
}

/// The host page: an article on another origin, embedding the widget the
/// way EMBED.md says, with a hook that records script errors.
fn host_page(backend: &str, article: &str, options: &Options) -> String {
    host_page_in(backend, article, options, "en-GB", "")
}

/// The host page in the language `lang` (its `<html lang>`), the element
/// with `attrs` of its own (`locale`, `messages`).
fn host_page_in(
    backend: &str,
    article: &str,
    options: &Options,
    lang: &str,
    attrs: &str,
) -> String {
    let theme = options
        .theme
        .map(|t| format!(r#" theme="{t}""#))
        .unwrap_or_default();
    let css = options.host_css.unwrap_or_default();
    let sso = if options.sso {
        r#" sso-login-url="/login?from=article""#
    } else {
        ""
    };
    let spacer = if options.spacer {
        r#"<div id="spacer" style="height:4000px">Scroll down</div>"#
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title>
<style>{css}</style>
<script>
window.__errors = [];
window.__dialogs = [];
for (const f of ["alert", "confirm", "prompt"]) window[f] = (m) => {{ window.__dialogs.push(String(m)); }};
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("unhandledrejection", e => window.__errors.push(String(e.reason)));
const err = console.error; console.error = (...a) => {{ window.__errors.push(a.join(" ")); err(...a); }};
window.__events = [];
for (const n of ["chime:loaded", "chime:posted", "chime:error", "chime:signed-in", "chime:signed-out", "chime:login-request"]) document.addEventListener(n, e => window.__events.push([n, e.detail]));
// The site's own sign-in: its server signs a token for its reader.
window.signIn = async (id, name, badges = []) => {{
  const q = new URLSearchParams({{ id, name, badges: badges.join(",") }});
  const token = await (await fetch("/token?" + q)).text();
  document.querySelector("chime-comments").setAttribute("sso-token", token);
}};
window.signOut = () => document.querySelector("chime-comments").removeAttribute("sso-token");
</script></head><body><main>
<h1>A host article</h1><p>Text of the article.</p>
{spacer}
<h2>Public Reaction</h2>
<script type="module" src="{backend}/widget/chime.js"></script>
<chime-comments article="{article}"{theme}{sso}{attrs}></chime-comments>
</main></body></html>"#
    )
}

/// The host site's server signing a token for its reader (as EMBED.md
/// tells a site to): `/token?id=…&name=…&badges=a,b`.
async fn site_token(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let badges: Vec<&str> = q
        .get("badges")
        .map(|b| b.split(',').filter(|b| !b.is_empty()).collect())
        .unwrap_or_default();
    let jti = format!(
        "{now}-{}",
        NEXT_JTI.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    chime_test_support::sso::token(
        now,
        &jti,
        q.get("id").map_or("", String::as_str),
        q.get("name").map_or("", String::as_str),
        &badges,
    )
}

static NEXT_JTI: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl World {
    /// Starts everything; the host page embeds `article`.
    pub async fn start(article: &str) -> TestResult<Self> {
        Self::start_with(article, Options::default()).await
    }

    /// Starts everything as `options` say: driver, backend, host page and
    /// browser, in the order each needs the one before. (Long for that
    /// reason: one start-up, read top to bottom.)
    pub async fn start_with(article: &str, options: Options) -> TestResult<Self> {
        let dir = tempfile::tempdir()?;
        let host_port = free_port();
        let host = format!("http://localhost:{host_port}");
        let url = format!("sqlite://{}", dir.path().join("e2e.db").display());
        // A fixed port rather than 0, so a restart comes back where the
        // widget expects it.
        let addr = format!("127.0.0.1:{}", free_port()).parse()?;
        let mut settings = Settings::new(addr, url).with_allowed_origins(&host)?;
        settings.widget_dir = Some(widget_dir());
        // Tests fill forms faster than people and repeat their words; the
        // tests of screening turn these rules back on.
        settings.screening.min_form_ms = 0;
        settings.screening.repeat_window_ms = 0;
        settings.screening.surge_posts = 0;
        settings.screening.surge_reports = 0;
        if options.sso {
            settings.sso_secrets = vec![
                chime_backend::startup::config::SsoSecret::parse(chime_test_support::sso::SECRET)
                    .map_err(|e| e.to_string())?,
            ];
        }
        if let Some(tune) = options.tune {
            tune(&mut settings);
        }
        let (backend, running) = start_backend(settings.clone()).await?;
        let (width, height) = options.window.unwrap_or((1280, 900));
        // Chromium's windows are at least ~500 px wide; narrower screens are
        // emulated as a phone would report them.
        let mobile = (width < 500).then(|| {
            json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true}})
        });

        let page = host_page(&backend, article, &options);
        // More articles of the same site, `/more/{n}` embedding
        // `{article}-{n}`, for readers who go from one to the next.
        let more = {
            let (backend, article, options) =
                (backend.clone(), article.to_owned(), options.clone());
            move |axum::extract::Path(n): axum::extract::Path<u32>| {
                let page = host_page(&backend, &format!("{article}-{n}"), &options);
                async move { axum::response::Html(page) }
            }
        };
        // The same article page in another language: `/in/{lang}` embeds
        // `{article}-{lang}`; `?locale=` and `?messages=` set the element's
        // attributes of those names.
        let in_language = {
            let (backend, article, options) =
                (backend.clone(), article.to_owned(), options.clone());
            move |axum::extract::Path(lang): axum::extract::Path<String>,
                  axum::extract::Query(q): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| {
                let safe = |v: &str| {
                    v.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || "-_./".contains(*c))
                        .collect::<String>()
                };
                let attrs: String = ["locale", "messages"]
                    .into_iter()
                    .filter_map(|k| q.get(k).map(|v| format!(r#" {k}="{}""#, safe(v))))
                    .collect();
                let lang = safe(&lang);
                let page = host_page_in(
                    &backend,
                    &format!("{article}-{lang}"),
                    &options,
                    &lang,
                    &attrs,
                );
                async move { axum::response::Html(page) }
            }
        };
        // A list of `n` headlines with their comment counts (count.js):
        // `/list/{n}?lang=`, headline `i` being `{article}-{i}`.
        let list = {
            let (backend, article) = (backend.clone(), article.to_owned());
            move |axum::extract::Path(n): axum::extract::Path<u32>,
                  axum::extract::Query(q): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| {
                let lang: String = q
                    .get("lang")
                    .map_or("en", String::as_str)
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                let items: String = (0..n)
                    .map(|i| {
                        format!(
                            r#"<li><a href="/more/{i}">Headline {i}</a> <span class="count" data-chime-count="{article}-{i}"></span></li>"#
                        )
                    })
                    .collect();
                let page = format!(
                    r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Front page</title>
<script>window.__errors = []; window.addEventListener("error", (e) => window.__errors.push(String(e.message))); window.addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason)));</script>
<script type="module" src="{backend}/widget/count.js"></script></head>
<body><main><h1>Front page</h1><ul>{items}</ul></main></body></html>"#
                );
                async move { axum::response::Html(page) }
            }
        };
        let host_app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(move || async move { axum::response::Html(page) }),
            )
            .route("/more/{n}", axum::routing::get(more))
            .route("/in/{lang}", axum::routing::get(in_language))
            .route("/list/{n}", axum::routing::get(list))
            // A site's own words for the widget (EMBED.md, "Languages").
            .route(
                "/site-words.json",
                axum::routing::get(|| async {
                    (
                        [("content-type", "application/json")],
                        r#"{"SortBy": "Order by", "PostComment": "Publish"}"#,
                    )
                }),
            )
            .route("/token", axum::routing::get(site_token))
            .route(
                "/login",
                axum::routing::get(|| async {
                    axum::response::Html(
                        "<!doctype html><title>Sign in</title><h1>The site's sign-in page</h1>",
                    )
                }),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", host_port)).await?;
        tokio::spawn(async move { axum::serve(listener, host_app).await });

        let (driver, client, kept) = browser(width, height, mobile).await?;
        Ok(Self {
            client,
            http: reqwest_lite::Http::new(&backend),
            backend,
            host,
            settings,
            capabilities: kept,
            profiles: std::sync::Mutex::new(Vec::new()),
            running: std::sync::Mutex::new(Some(running)),
            _dir: dir,
            _driver: driver,
        })
    }

    /// The backend's state, for acting as a moderator would.
    pub fn state(&self) -> TestResult<AppState> {
        let running = self.running.lock().map_err(|_| "backend lock poisoned")?;
        let backend = running.as_ref().ok_or("the backend is stopped")?;
        Ok(backend.state.clone())
    }

    /// Stops the backend, ending every event stream; the database stays.
    pub async fn stop_backend(&self) -> TestResult {
        let old = self
            .running
            .lock()
            .map_err(|_| "backend lock poisoned")?
            .take();
        if let Some(mut old) = old {
            tokio::time::timeout(Duration::from_secs(10), old.stop()).await??;
        }
        Ok(())
    }

    /// Starts the backend again on the same port and database.
    pub async fn start_backend(&self) -> TestResult {
        let (_, backend) = start_backend(self.settings.clone()).await?;
        *self.running.lock().map_err(|_| "backend lock poisoned")? = Some(backend);
        Ok(())
    }

    /// Stops the backend and starts it again.
    pub async fn restart_backend(&self) -> TestResult {
        self.stop_backend().await?;
        self.start_backend().await
    }

    /// A second browser (its own profile, so a different reader) on the
    /// same host page, through the same chromedriver.
    pub async fn second_browser(&self) -> TestResult<Client> {
        let profile = tempfile::tempdir()?;
        let mut capabilities = self.capabilities.clone();
        capabilities["goog:chromeOptions"]["args"]
            .as_array_mut()
            .ok_or("args")?
            .retain(|a| {
                !a.as_str()
                    .is_some_and(|a| a.starts_with("--user-data-dir="))
            });
        capabilities["goog:chromeOptions"]["args"]
            .as_array_mut()
            .ok_or("args")?
            .push(json!(format!(
                "--user-data-dir={}",
                profile.path().display()
            )));
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => return Err("capabilities are an object".into()),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self._driver.port))
            .await?;
        client.goto(&self.host).await?;
        self.profiles
            .lock()
            .map_err(|_| "profiles lock poisoned")?
            .push(profile);
        Ok(client)
    }

    /// The address of the site's `n`th other article (`{article}-{n}`).
    pub fn more(&self, n: u32) -> String {
        format!("{}/more/{n}", self.host)
    }

    /// Opens the host page.
    pub async fn open(&self) -> TestResult {
        self.client.goto(&self.host).await?;
        Ok(())
    }

    /// The widget's shadow root, once the element has one.
    pub async fn shadow(&self) -> TestResult<ShadowRoot> {
        let host = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("chime-comments"))
            .await?;
        let root = until(|| async { host.shadow_root().await.ok() }).await?;
        Ok(root)
    }

    /// Waits for a widget part to exist.
    pub async fn find(&self, css: &str) -> TestResult<Element> {
        let root = self.shadow().await?;
        until(|| async { root.find(Locator::Css(css)).await.ok() }).await
    }

    /// All widget parts matching `css`, now.
    pub async fn find_all(&self, css: &str) -> TestResult<Vec<Element>> {
        Ok(self.shadow().await?.find_all(Locator::Css(css)).await?)
    }

    /// Waits until a widget part's text satisfies `check`.
    pub async fn text_until(&self, css: &str, check: impl Fn(&str) -> bool) -> TestResult<String> {
        let root = self.shadow().await?;
        until(|| async {
            let el = root.find(Locator::Css(css)).await.ok()?;
            let text = el.text().await.ok()?;
            check(&text).then_some(text)
        })
        .await
    }

    /// Waits until `count` elements match `css`.
    pub async fn count_until(&self, css: &str, count: usize) -> TestResult {
        let root = self.shadow().await?;
        until(|| async {
            (root.find_all(Locator::Css(css)).await.ok()?.len() == count).then_some(())
        })
        .await
    }

    /// Waits until a widget part's attribute equals `value`.
    pub async fn attr_until(&self, el: &Element, name: &str, value: &str) -> TestResult {
        until(|| async {
            let now = el.attr(name).await.ok().flatten()?;
            (now == value).then_some(())
        })
        .await
    }

    /// Runs `script` in the page and returns its value.
    pub async fn eval(&self, script: &str) -> TestResult<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Presses keys on whatever has the focus, as a keyboard would.
    pub async fn press(&self, keys: &str) -> TestResult {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await?;
        Ok(())
    }

    /// The `data-testid` of the widget part that has the focus.
    pub async fn focused(&self) -> TestResult<String> {
        let value = self
            .eval(
                "const a = document.querySelector('chime-comments').shadowRoot.activeElement; \
                 return a ? (a.dataset.testid || a.tagName.toLowerCase()) : ''",
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Presses Tab until the part with `testid` has the focus (at most
    /// `limit` times), as a keyboard-only reader finds their way.
    pub async fn tab_to(&self, testid: &str, limit: usize) -> TestResult {
        let tab = char::from(fantoccini::key::Key::Tab).to_string();
        for _ in 0..limit {
            self.press(&tab).await?;
            if self.focused().await? == testid {
                return Ok(());
            }
        }
        Err(format!("{testid} not reached in {limit} tabs").into())
    }

    /// Script errors the host page saw.
    pub async fn errors(&self) -> TestResult<Vec<String>> {
        let value = self
            .client
            .execute("return window.__errors || []", vec![])
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Fails when the page logged any script error.
    pub async fn assert_no_errors(&self) -> TestResult {
        let errors = self.errors().await?;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("script errors: {errors:?}").into())
        }
    }

    /// Runs axe-core (installed by `./dev test` into `.tools/npm`) on the
    /// widget, its shadow root included, with axe's default rules; returns
    /// each violation as "rule: what (where)".
    pub async fn axe(&self) -> TestResult<Vec<String>> {
        self.axe_on("{ include: [['chime-comments']] }").await
    }

    /// Runs axe-core on the whole page (the moderation view).
    pub async fn axe_page(&self) -> TestResult<Vec<String>> {
        self.axe_on("document").await
    }

    async fn axe_on(&self, context: &str) -> TestResult<Vec<String>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.tools/npm/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "axe-core is not at {} (./dev test installs it): {e}",
                path.display()
            )
        })?;
        self.client.execute(&source, vec![]).await?;
        let found = self
            .client
            .execute_async(
                &format!(
                    "const done = arguments[arguments.length - 1]; \
                     axe.run({context}, {{ resultTypes: ['violations'] }}).then((r) => done( \
                       r.violations.map((v) => `${{v.id}}: ${{v.help}} (${{v.nodes.map((n) => n.target.join(' ')).join('; ')}})`)), \
                       (e) => done([`axe failed: ${{e}}`]));"
                ),
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }

    /// Saves a screenshot under `target/e2e-screenshots/`.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// Ends the browser session.
    pub async fn close(self) -> TestResult {
        self.client.clone().close().await?;
        Ok(())
    }
}

/// Types a name and a text into a comment (or reply) form and sends it, as
/// a reader would.
pub async fn fill_and_send(form: &Element, name: &str, body: &str) -> TestResult {
    form.find(Locator::Css("[data-testid=author-name-input]"))
        .await?
        .send_keys(name)
        .await?;
    form.find(Locator::Css("[data-testid=comment-body-input]"))
        .await?
        .send_keys(body)
        .await?;
    form.find(Locator::Css("[data-testid=submit-comment]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Polls `probe` until it yields, for up to 10 s.
pub async fn until<T, F, Fut>(probe: F) -> TestResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    until_within(Duration::from_secs(10), probe).await
}

/// Like [`until`], waiting up to `limit`: for what waits on a browser's
/// own pace (a background tab coming back, a stream's back-off).
pub async fn until_within<T, F, Fut>(limit: Duration, probe: F) -> TestResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if started.elapsed() > limit {
            return Err("timed out waiting for the page".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a test against a fresh world; keeps a screenshot if it fails.
pub async fn e2e<F, Fut>(name: &str, article: &str, spacer: bool, test: F)
where
    F: FnOnce(Arc<World>) -> Fut,
    Fut: Future<Output = TestResult>,
{
    let options = Options {
        spacer,
        ..Options::default()
    };
    e2e_with(name, article, options, test).await
}

/// Like [`e2e`], with a world shaped by `options`.
pub async fn e2e_with<F, Fut>(name: &str, article: &str, options: Options, test: F)
where
    F: FnOnce(Arc<World>) -> Fut,
    Fut: Future<Output = TestResult>,
{
    let world = Arc::new(
        World::start_with(article, options)
            .await
            .unwrap_or_else(|e| panic!("{name}: set-up failed: {e}")),
    );
    let outcome = test(world.clone()).await;
    if let Err(e) = outcome {
        world.screenshot(name).await;
        panic!("{name}: {e}");
    }
    let _ = world.client.clone().close().await;
}

pub mod reqwest_lite {
    //! A tiny HTTP client for setting up data through the API, on hyper.

    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use serde_json::Value;

    type Body = Full<bytes::Bytes>;

    /// JSON over HTTP to the backend.
    #[derive(Clone)]
    pub struct Http {
        base: String,
        client: Client<HttpConnector, Body>,
    }

    impl Http {
        pub fn new(base: &str) -> Self {
            Self {
                base: base.to_owned(),
                client: Client::builder(TokioExecutor::new()).build_http(),
            }
        }

        /// Sends `method path` with optional JSON and headers; returns the
        /// status and the JSON answer (Null when empty).
        pub async fn call(
            &self,
            method: &str,
            path: &str,
            body: Option<Value>,
            headers: &[(&str, &str)],
        ) -> Result<(u16, Value), Box<dyn std::error::Error + Send + Sync>> {
            let mut request = hyper::Request::builder()
                .method(method)
                .uri(format!("{}{path}", self.base))
                .header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let body = body.map(|b| b.to_string()).unwrap_or_default();
            let response = self
                .client
                .request(request.body(Full::new(bytes::Bytes::from(body)))?)
                .await?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await?.to_bytes();
            let json = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes)?
            };
            Ok((status, json))
        }
    }
}
