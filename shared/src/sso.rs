//! Signed-in readers: the site's token exchanged for a session (API.md,
//! "Signed-in readers").

use serde::{Deserialize, Serialize};

/// `POST /sso/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoExchange {
    /// The site's HS256 token.
    pub token: String,
}

/// A signed-in reader, as the site named them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedInReader {
    pub name: String,
    #[serde(default)]
    pub badges: Vec<String>,
    /// Always true: the site vouches for this reader.
    pub verified: bool,
    /// Whether the site gave their e-mail address (reply e-mails go there
    /// without asking for one).
    #[serde(default)]
    pub has_email: bool,
}

/// The answer to `POST /sso/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoSession {
    /// Sent as `X-Chime-Session` from now on.
    pub session: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    pub reader: SignedInReader,
}
