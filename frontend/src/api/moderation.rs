//! The moderation view's calls. Same origin as the backend: the session
//! rides in its HttpOnly cookie, which the browser sends by itself.

use super::{Api, ApiFailure, encode_json};
use chime_shared::{
    AlertChange, AlertSettings, ArticleChange, ArticleModeration, AuditList, Erased, HideRequest,
    LoginRequest, MeResponse, ModComment, ModCommentList, ModStateFilter, ModeratorList,
    ModeratorSummary, NewModerator, NewNote, NewPassword, NewSanction, NewWebhook, ReaderNote,
    ReaderProfile, Sanction, ScreeningSettings, SurgeList, Webhook, WebhookChange, WebhookList,
    WebhookSecret,
};
use gloo_net::http::Request;

/// The moderation API of the backend that served the page.
#[derive(Debug, Clone, Default)]
pub struct ModApi {
    base: String,
}

/// What a moderation listing asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModFilter {
    pub state: ModStateFilter,
    pub article: String,
    pub text: String,
    /// One reader's comments (their key), or everyone's.
    pub author: String,
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

impl ModApi {
    /// The client for the page's own origin.
    pub fn new() -> Self {
        Self {
            base: format!("{}/mod", chime_shared::API_BASE),
        }
    }

    /// The URL of the moderation event stream.
    pub fn events_url(&self) -> String {
        format!("{}/events", self.base)
    }

    /// Signs in; the answer sets the session cookie.
    pub async fn sign_in(&self, username: String, password: String) -> Result<(), ApiFailure> {
        let request = Request::post(&format!("{}/session", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(&LoginRequest { username, password }))
            .map_err(|_| ApiFailure::offline())?;
        empty(request.send().await).await
    }

    /// Signs out.
    pub async fn sign_out(&self) -> Result<(), ApiFailure> {
        empty(
            Request::delete(&format!("{}/session", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Who is signed in (401 when nobody is).
    pub async fn me(&self) -> Result<MeResponse, ApiFailure> {
        Api::answer(Request::get(&format!("{}/me", self.base)).send().await).await
    }

    /// One page of a queue.
    pub async fn comments(
        &self,
        filter: &ModFilter,
        cursor: Option<&str>,
    ) -> Result<ModCommentList, ApiFailure> {
        let mut url = format!("{}/comments?state={}", self.base, filter.state.as_str());
        for (name, value) in [
            ("article", filter.article.trim()),
            ("q", filter.text.trim()),
            ("author", filter.author.as_str()),
            ("cursor", cursor.unwrap_or("")),
        ] {
            if !value.is_empty() {
                url.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        Api::answer(Request::get(&url).send().await).await
    }

    /// Hides a comment from readers.
    pub async fn hide(&self, id: &str, reason: Option<String>) -> Result<ModComment, ApiFailure> {
        let request = Request::post(&format!("{}/comments/{}/hide", self.base, encode(id)))
            .header("Content-Type", "application/json")
            .body(encode_json(&HideRequest {
                reason,
                edit_at: None,
            }))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// `unhide`, `approve` or `reject` a comment (the last with a reason;
    /// approving a waiting edit names the one shown).
    pub async fn act(
        &self,
        id: &str,
        action: &str,
        reason: Option<String>,
        edit_at: Option<time::OffsetDateTime>,
    ) -> Result<ModComment, ApiFailure> {
        let url = format!("{}/comments/{}/{action}", self.base, encode(id));
        let request = Request::post(&url)
            .header("Content-Type", "application/json")
            .body(encode_json(&HideRequest { reason, edit_at }))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Whether an article's new comments wait for review.
    pub async fn article(&self, article: &str) -> Result<ArticleModeration, ApiFailure> {
        let url = format!("{}/articles/{}", self.base, encode(article));
        Api::answer(Request::get(&url).send().await).await
    }

    /// Changes an article's controls (what `change` names; the rest stay).
    pub async fn set_article(
        &self,
        article: &str,
        change: &ArticleChange,
    ) -> Result<ArticleModeration, ApiFailure> {
        let url = format!("{}/articles/{}", self.base, encode(article));
        let request = Request::put(&url)
            .header("Content-Type", "application/json")
            .body(encode_json(change))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// A reader's data, as the JSON the server sent (to be saved).
    pub async fn reader_data(&self, key: &str) -> Result<String, ApiFailure> {
        let url = format!("{}/readers/{}/data", self.base, encode(key));
        Api::text(Request::get(&url).send().await).await
    }

    /// Erases a reader's data.
    pub async fn erase_reader_data(&self, key: &str) -> Result<Erased, ApiFailure> {
        let url = format!("{}/readers/{}/data", self.base, encode(key));
        Api::answer(Request::delete(&url).send().await).await
    }

    /// The articles in a surge now.
    pub async fn surges(&self) -> Result<SurgeList, ApiFailure> {
        let url = format!("{}/surges", self.base);
        Api::answer(Request::get(&url).send().await).await
    }

    /// A reader's history.
    pub async fn reader(&self, key: &str) -> Result<ReaderProfile, ApiFailure> {
        let url = format!("{}/readers/{}", self.base, encode(key));
        Api::answer(Request::get(&url).send().await).await
    }

    /// Adds a private note on a reader.
    pub async fn add_note(&self, key: &str, body: String) -> Result<ReaderNote, ApiFailure> {
        let request = Request::post(&format!("{}/readers/{}/notes", self.base, encode(key)))
            .header("Content-Type", "application/json")
            .body(encode_json(&NewNote { body }))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Sanctions a reader.
    pub async fn sanction(&self, key: &str, new: &NewSanction) -> Result<Sanction, ApiFailure> {
        let request = Request::post(&format!("{}/readers/{}/sanctions", self.base, encode(key)))
            .header("Content-Type", "application/json")
            .body(encode_json(new))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Lifts a reader's sanction.
    pub async fn lift(&self, key: &str, id: &str) -> Result<(), ApiFailure> {
        let url = format!(
            "{}/readers/{}/sanctions/{}",
            self.base,
            encode(key),
            encode(id)
        );
        empty(Request::delete(&url).send().await).await
    }

    /// One page of the audit log.
    pub async fn audit(&self, cursor: Option<&str>) -> Result<AuditList, ApiFailure> {
        let mut url = format!("{}/audit", self.base);
        if let Some(cursor) = cursor {
            url.push_str(&format!("?cursor={}", encode(cursor)));
        }
        Api::answer(Request::get(&url).send().await).await
    }
}

/// What admins manage (API.md, "Admin routes").
impl ModApi {
    /// Every moderator.
    pub async fn moderators(&self) -> Result<ModeratorList, ApiFailure> {
        Api::answer(
            Request::get(&format!("{}/moderators", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Adds a moderator.
    pub async fn add_moderator(&self, new: &NewModerator) -> Result<ModeratorSummary, ApiFailure> {
        let request = Request::post(&format!("{}/moderators", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(new))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Gives a moderator a new password (their sessions end).
    pub async fn set_password(&self, name: &str, password: String) -> Result<(), ApiFailure> {
        let url = format!("{}/moderators/{}/password", self.base, encode(name));
        let request = Request::put(&url)
            .header("Content-Type", "application/json")
            .body(encode_json(&NewPassword { password }))
            .map_err(|_| ApiFailure::offline())?;
        empty(request.send().await).await
    }

    /// Removes a moderator (their sessions end).
    pub async fn remove_moderator(&self, name: &str) -> Result<(), ApiFailure> {
        let url = format!("{}/moderators/{}", self.base, encode(name));
        empty(Request::delete(&url).send().await).await
    }

    /// The screening settings in force.
    pub async fn settings(&self) -> Result<ScreeningSettings, ApiFailure> {
        Api::answer(
            Request::get(&format!("{}/settings", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Changes the screening settings (every server).
    pub async fn set_settings(
        &self,
        settings: &ScreeningSettings,
    ) -> Result<ScreeningSettings, ApiFailure> {
        let request = Request::put(&format!("{}/settings", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(settings))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }
}

/// E-mail alerts and webhooks (API.md, "Moderation routes", "Admin
/// routes").
impl ModApi {
    /// The signed-in moderator's alerts.
    pub async fn alerts(&self) -> Result<AlertSettings, ApiFailure> {
        Api::answer(
            Request::get(&format!("{}/me/alerts", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Sets them (no address or no events: off).
    pub async fn set_alerts(&self, change: &AlertChange) -> Result<AlertSettings, ApiFailure> {
        let request = Request::put(&format!("{}/me/alerts", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(change))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// The site's webhooks.
    pub async fn webhooks(&self) -> Result<WebhookList, ApiFailure> {
        Api::answer(
            Request::get(&format!("{}/webhooks", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Adds one; its secret comes back this once.
    pub async fn add_webhook(&self, new: &NewWebhook) -> Result<WebhookSecret, ApiFailure> {
        let request = Request::post(&format!("{}/webhooks", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(new))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Changes one (pauses or resumes it).
    pub async fn change_webhook(
        &self,
        id: i64,
        change: &WebhookChange,
    ) -> Result<Webhook, ApiFailure> {
        let request = Request::patch(&format!("{}/webhooks/{id}", self.base))
            .header("Content-Type", "application/json")
            .body(encode_json(change))
            .map_err(|_| ApiFailure::offline())?;
        Api::answer(request.send().await).await
    }

    /// Gives one a new secret (the old one stops at once).
    pub async fn rotate_secret(&self, id: i64) -> Result<WebhookSecret, ApiFailure> {
        Api::answer(
            Request::post(&format!("{}/webhooks/{id}/secret", self.base))
                .send()
                .await,
        )
        .await
    }

    /// Removes one, with its waiting messages.
    pub async fn remove_webhook(&self, id: i64) -> Result<(), ApiFailure> {
        empty(
            Request::delete(&format!("{}/webhooks/{id}", self.base))
                .send()
                .await,
        )
        .await
    }
}

async fn empty(sent: Result<gloo_net::http::Response, gloo_net::Error>) -> Result<(), ApiFailure> {
    let response = sent.map_err(|_| ApiFailure::offline())?;
    if response.ok() {
        Ok(())
    } else {
        Err(Api::failure(response).await)
    }
}
