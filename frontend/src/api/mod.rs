//! The typed API client: every call the widget makes, over `shared` types;
//! `moderation` adds the moderation view's calls on the same plumbing.

pub mod moderation;

use chime_shared::{
    Comment, CommentList, EditComment, ErrorCode, IDEMPOTENCY_HEADER, NewComment, NewReport,
    READER_HEADER, ReactionKind, ReactionsResponse, SESSION_HEADER, SortOrder, SsoExchange,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed: the server's error, or no answer at all. The code
/// is kept as the server spelled it (API.md's `code`): the widget only
/// passes it on, and decoding it into `ErrorCode` would put every code's
/// name and decoder into the reader's WebAssembly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    /// No answer at all (the network, not the server).
    pub offline: bool,
}

/// API.md's error body, read with the code as text (see `ApiFailure`).
#[derive(serde::Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(serde::Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

impl ApiFailure {
    /// Whether the server answered with `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.as_str()
    }

    pub(crate) fn offline() -> Self {
        Self {
            code: "unavailable".into(),
            message: "Could not reach the comments server. Check your connection and try again."
                .into(),
            field: None,
            offline: true,
        }
    }
}

/// Where the API is and who is asking: this browser's reader, and the
/// site's signed-in reader when there is one.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    reader: String,
    pub session: Option<String>,
}

fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}

impl Api {
    /// A client for the backend at `origin` acting as `reader`.
    pub fn new(origin: &str, reader: String) -> Self {
        Self {
            base: format!("{}{}", origin.trim_end_matches('/'), chime_shared::API_BASE),
            reader,
            session: None,
        }
    }

    /// The URL of an article's live event stream.
    pub fn events_url(&self, article: &str) -> String {
        format!("{}/articles/{}/events", self.base, encode(article))
    }

    fn with_reader(&self, builder: RequestBuilder) -> RequestBuilder {
        let builder = builder.header(READER_HEADER, &self.reader);
        match &self.session {
            Some(session) => builder.header(SESSION_HEADER, session),
            None => builder,
        }
    }

    /// Exchanges the site's token for a session (API.md, "Signed-in
    /// readers"), keeping `current` when it is the same reader's: the
    /// answer's JSON text, which the widget keeps as it is.
    pub async fn sign_in(&self, token: &str, current: Option<&str>) -> Result<String, ApiFailure> {
        let body = SsoExchange {
            token: token.to_owned(),
        };
        let mut request = Request::post(&format!("{}/sso/session", self.base));
        if let Some(current) = current {
            request = request.header(SESSION_HEADER, current);
        }
        let response = request
            .header("Content-Type", "application/json")
            .body(encode_json(&body))
            .map_err(|_| ApiFailure::offline())?
            .send()
            .await
            .map_err(|_| ApiFailure::offline())?;
        if !response.ok() {
            return Err(Self::failure(response).await);
        }
        response.text().await.map_err(|_| ApiFailure::offline())
    }

    /// Ends a session on the server; a failure only leaves it to expire.
    pub async fn sign_out(&self, session: &str) {
        let url = format!("{}/sso/session", self.base);
        let _ = Request::delete(&url)
            .header(SESSION_HEADER, session)
            .send()
            .await;
    }

    pub(crate) async fn answer<T: DeserializeOwned>(
        sent: Result<Response, gloo_net::Error>,
    ) -> Result<T, ApiFailure> {
        let response = sent.map_err(|_| ApiFailure::offline())?;
        if response.ok() {
            return json_body(&response).await.ok_or_else(ApiFailure::offline);
        }
        Err(Self::failure(response).await)
    }

    pub(crate) async fn failure(response: Response) -> ApiFailure {
        match json_body::<ErrorBody>(&response).await {
            Some(body) => ApiFailure {
                code: body.error.code,
                message: body.error.message,
                field: body.error.field,
                offline: false,
            },
            None => ApiFailure {
                code: ErrorCode::from_status(response.status()).as_str().into(),
                message: "The comments server could not answer. Please try again.".into(),
                field: None,
                offline: false,
            },
        }
    }

    /// The server's limits.
    pub async fn config(&self) -> Result<chime_shared::ConfigResponse, ApiFailure> {
        Self::answer(Request::get(&format!("{}/config", self.base)).send().await).await
    }

    /// One page of an article's thread.
    pub async fn list(
        &self,
        article: &str,
        sort: SortOrder,
        cursor: Option<&str>,
    ) -> Result<CommentList, ApiFailure> {
        let mut url = format!(
            "{}/articles/{}/comments?sort={}",
            self.base,
            encode(article),
            sort.as_str()
        );
        if let Some(cursor) = cursor {
            url.push_str("&cursor=");
            url.push_str(&encode(cursor));
        }
        Self::answer(self.with_reader(Request::get(&url)).send().await).await
    }

    /// A thread's further replies, after `cursor`.
    pub async fn replies(&self, id: &str, cursor: &str) -> Result<CommentList, ApiFailure> {
        let url = format!(
            "{}/comments/{}/replies?cursor={}",
            self.base,
            encode(id),
            encode(cursor)
        );
        Self::answer(self.with_reader(Request::get(&url)).send().await).await
    }

    /// Posts a comment or reply; retries reuse `idempotency_key`.
    pub async fn post(
        &self,
        article: &str,
        body: &NewComment,
        idempotency_key: &str,
    ) -> Result<Comment, ApiFailure> {
        let url = format!("{}/articles/{}/comments", self.base, encode(article));
        let request = self
            .with_reader(Request::post(&url))
            .header(IDEMPOTENCY_HEADER, idempotency_key)
            .header("Content-Type", "application/json")
            .body(encode_json(body))
            .map_err(|_| ApiFailure::offline())?;
        Self::answer(request.send().await).await
    }

    /// Edits the reader's own comment.
    pub async fn edit(&self, id: &str, body: &EditComment) -> Result<Comment, ApiFailure> {
        let url = format!("{}/comments/{}", self.base, encode(id));
        let request = self
            .with_reader(Request::patch(&url))
            .header("Content-Type", "application/json")
            .body(encode_json(body))
            .map_err(|_| ApiFailure::offline())?;
        Self::answer(request.send().await).await
    }

    /// Deletes the reader's own comment.
    pub async fn delete(&self, id: &str) -> Result<(), ApiFailure> {
        let url = format!("{}/comments/{}", self.base, encode(id));
        Self::text(self.with_reader(Request::delete(&url)).send().await)
            .await
            .map(drop)
    }

    /// Everything Chime holds about this reader, as the JSON the server
    /// sent (to be saved, not read).
    pub async fn my_data(&self) -> Result<String, ApiFailure> {
        let url = format!("{}/me/data", self.base);
        Self::text(self.with_reader(Request::get(&url)).send().await).await
    }

    /// Erases it.
    pub async fn erase_my_data(&self) -> Result<(), ApiFailure> {
        let url = format!("{}/me/data", self.base);
        Self::text(self.with_reader(Request::delete(&url)).send().await)
            .await
            .map(drop)
    }

    /// A successful answer's body as text, or the failure.
    pub(crate) async fn text(
        sent: Result<Response, gloo_net::Error>,
    ) -> Result<String, ApiFailure> {
        let response = sent.map_err(|_| ApiFailure::offline())?;
        if response.ok() {
            return response.text().await.map_err(|_| ApiFailure::offline());
        }
        Err(Self::failure(response).await)
    }

    /// The article's reactions.
    pub async fn article_reactions(&self, article: &str) -> Result<ReactionsResponse, ApiFailure> {
        let url = format!("{}/articles/{}/reactions", self.base, encode(article));
        Self::answer(self.with_reader(Request::get(&url)).send().await).await
    }

    /// Adds (`on`) or takes back a reaction on the article or on a comment.
    pub async fn react(
        &self,
        target: ReactionTarget<'_>,
        kind: ReactionKind,
        on: bool,
    ) -> Result<ReactionsResponse, ApiFailure> {
        let url = match target {
            ReactionTarget::Article(article) => {
                format!(
                    "{}/articles/{}/reactions/{}",
                    self.base,
                    encode(article),
                    kind.as_str()
                )
            }
            ReactionTarget::Comment(id) => format!(
                "{}/comments/{}/reactions/{}",
                self.base,
                encode(id),
                kind.as_str()
            ),
        };
        let builder = if on {
            Request::put(&url)
        } else {
            Request::delete(&url)
        };
        Self::answer(self.with_reader(builder).send().await).await
    }

    /// Reports a comment.
    pub async fn report(&self, id: &str, report: &NewReport) -> Result<(), ApiFailure> {
        let url = format!("{}/comments/{}/reports", self.base, encode(id));
        let request = self
            .with_reader(Request::post(&url))
            .header("Content-Type", "application/json")
            .body(encode_json(report))
            .map_err(|_| ApiFailure::offline())?;
        let response = request.send().await.map_err(|_| ApiFailure::offline())?;
        if response.ok() {
            Ok(())
        } else {
            Err(Self::failure(response).await)
        }
    }
}

/// What a reaction is on.
#[derive(Debug, Clone, Copy)]
pub enum ReactionTarget<'a> {
    Article(&'a str),
    Comment(&'a str),
}

/// Decodes a JSON text (an event's data) into a `shared` type.
///
/// The browser's own `JSON.parse` does the parsing and serde-wasm-bindgen
/// walks the result: a JSON codec compiled into the bundle would cost more
/// bytes than everything else in this module.
pub fn decode_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

async fn json_body<T: DeserializeOwned>(response: &Response) -> Option<T> {
    decode_json(&response.text().await.ok()?)
}

pub(crate) fn encode_json<T: Serialize>(value: &T) -> String {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}
