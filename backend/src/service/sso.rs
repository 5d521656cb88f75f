//! Single sign-on by a signed token: the site signs a short-lived HS256
//! JWT for its reader on its own server (shaped like Coral's, so sites
//! moving from Coral keep their signing code), and Chime checks it with
//! the site's shared secret. Chime never sees the reader's password.
//!
//! ```text
//! header  {"alg": "HS256", "typ": "JWT"}
//! claims  {"iat": 1764324000, "exp": 1764324300, "jti": "…",
//!          "user": {"id": "42", "username": "Mei", "email": "…",
//!                   "badges": ["Subscriber"], "url": "https://…"}}
//! ```
//!
//! Only HS256 is accepted: a token naming any other `alg` (`none`
//! included) is refused before its signature is looked at, so no key is
//! ever used for an algorithm it was not meant for.

use crate::startup::config::SsoSecret;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chime_shared::Audience;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Why a token is refused, in the rules' words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the token is not a JWT of three base64url parts with JSON inside")]
    Malformed,
    #[error("the token's algorithm is {0:?}; only HS256 is accepted")]
    Algorithm(String),
    #[error("the token's signature does not match any of the site's secrets")]
    Signature,
    #[error("the token expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued more than {max_age_secs} s ago")]
    TooOld { max_age_secs: i64 },
    #[error("the token names no user id")]
    MissingUser,
}

/// Clock slack for tokens signed on another machine.
pub const LEEWAY_SECS: i64 = 60;

/// What the site says about its reader.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SiteUser {
    /// The site's own id for the reader.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub badges: Vec<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// A token's claims, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user: SiteUser,
    /// The site's id for the reader: never empty.
    pub user_id: String,
    pub issued_at: i64,
    pub expires_at: i64,
    /// For refusing a replay (a token with one is accepted once).
    pub jti: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iat: Option<i64>,
    exp: Option<i64>,
    nbf: Option<i64>,
    jti: Option<String>,
    user: Option<SiteUser>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::Text(s)) => Some(s),
        Some(Id::Number(n)) => Some(n.to_string()),
        None => None,
    })
}

/// Checks `token` against every secret (several, for rotation) at `now`
/// (seconds); tokens issued more than `max_age_secs` ago are refused
/// whatever their `exp` says.
pub fn verify(
    token: &str,
    secrets: &[SsoSecret],
    now: i64,
    max_age_secs: i64,
) -> Result<Verified, Refused> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (Some(raw_header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| Refused::Malformed);
    let header: Header =
        serde_json::from_slice(&decode(raw_header)?).map_err(|_| Refused::Malformed)?;
    match header.alg.as_deref() {
        Some("HS256") => {}
        other => return Err(Refused::Algorithm(other.unwrap_or("").to_owned())),
    }
    let signature = decode(signature)?;
    // What was signed: the header and the claims as sent.
    let signed = &token[..raw_header.len() + 1 + payload.len()];
    let matches = secrets.iter().any(|secret| {
        Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
            .map(|mut mac| {
                mac.update(signed.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
            .unwrap_or(false)
    });
    if !matches {
        return Err(Refused::Signature);
    }
    let claims: Claims =
        serde_json::from_slice(&decode(payload)?).map_err(|_| Refused::Malformed)?;
    let (Some(issued_at), Some(expires_at)) = (claims.iat, claims.exp) else {
        return Err(Refused::Malformed);
    };
    if now > expires_at.saturating_add(LEEWAY_SECS) {
        return Err(Refused::Expired);
    }
    let not_before = claims.nbf.unwrap_or(issued_at);
    if now.saturating_add(LEEWAY_SECS) < not_before {
        return Err(Refused::NotYetValid);
    }
    if now.saturating_sub(issued_at) > max_age_secs {
        return Err(Refused::TooOld { max_age_secs });
    }
    let user = claims.user.ok_or(Refused::MissingUser)?;
    let user_id = user
        .id
        .clone()
        .filter(|id| !id.trim().is_empty())
        .ok_or(Refused::MissingUser)?;
    Ok(Verified {
        user,
        user_id,
        issued_at,
        expires_at,
        jti: claims.jti.filter(|j| !j.is_empty()),
    })
}

/// A reader signed in with the site's account, for this request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The reader they are, on every device.
    pub reader: crate::store::ReaderHash,
    pub account: crate::store::AccountRecord,
}

/// Exchanges a site's token for a reader session: checked, its `jti`
/// spent, the account made or brought up to date, a session started.
///
/// With `current`, a session this browser already holds for the same
/// reader is kept (and renewed) rather than a new one made: a site signs
/// a fresh token for every page, and every tab of the site shares the one
/// session instead of each page view leaving one behind.
pub async fn exchange(
    state: &crate::state::AppState,
    token: &str,
    current: Option<&str>,
) -> super::Outcome<chime_shared::SsoSession> {
    use super::Error;
    let settings = &state.settings;
    if settings.sso_secrets.is_empty() {
        return Err(Error::SsoOff);
    }
    let now_ms = state.now_ms();
    let max_age = i64::try_from(settings.sso_max_age.as_secs()).unwrap_or(i64::MAX);
    let checked = verify(token, &settings.sso_secrets, now_ms / 1000, max_age)?;
    if let Some(jti) = &checked.jti {
        let until = checked
            .expires_at
            .saturating_add(LEEWAY_SECS)
            .saturating_mul(1000);
        if !state.store.claim_site_token(jti, until).await? {
            return Err(Error::TokenReplayed);
        }
    }
    let user = checked.user;
    let longest = settings.limits.author_name_max_chars;
    let name = user
        .username
        .as_deref()
        .map(|n| shown_name(n, longest))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| shown_name(&checked.user_id, longest));
    let account = state
        .store
        .upsert_account(
            &crate::store::SiteAccount {
                site_id: checked.user_id.clone(),
                reader: state.readers.account(&checked.user_id).0,
                name_key: super::names::fold(&name),
                name_key_cased: super::names::fold_cased(&name),
                name,
                email: user.email,
                badges: user.badges,
                url: user.url,
            },
            now_ms,
        )
        .await?;
    let ttl = i64::try_from(settings.reader_session_ttl.as_millis()).unwrap_or(i64::MAX);
    let expires_at = now_ms.saturating_add(ttl);
    let kept = match current {
        Some(raw) => {
            let hash = super::auth::token_hash(raw);
            let held = state.store.reader_session(&hash, now_ms).await?;
            if held.is_some_and(|held| held.id == account.id) {
                state.store.renew_reader_session(&hash, expires_at).await?;
                Some(raw.to_owned())
            } else {
                None
            }
        }
        None => None,
    };
    let session = match kept {
        Some(session) => session,
        None => {
            let session = super::auth::random_token();
            state
                .store
                .create_reader_session(
                    &super::auth::token_hash(&session),
                    account.id,
                    now_ms,
                    expires_at,
                )
                .await?;
            session
        }
    };
    Ok(chime_shared::SsoSession {
        session,
        expires_at: crate::clock::from_millis(expires_at),
        reader: chime_shared::SignedInReader {
            has_email: account.email.is_some(),
            name: account.name,
            badges: account.badges,
            verified: true,
        },
    })
}

/// The signed-in reader of a session header; an unknown or ended session
/// is refused (the widget asks the page for a new token).
pub async fn session(state: &crate::state::AppState, raw: &str) -> super::Outcome<SignedIn> {
    let found = state
        .store
        .reader_session(&super::auth::token_hash(raw), state.now_ms())
        .await?;
    let account = found.ok_or(super::Error::SessionExpired)?;
    Ok(SignedIn {
        reader: state.readers.account(&account.site_id),
        account,
    })
}

/// The name a site's reader is shown under: as the site spelled it, less
/// control characters (a name is one line), cut to the longest name
/// Chime shows, so every account can post.
fn shown_name(raw: &str, longest: usize) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(longest)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// What a site may keep to its signed-in readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Post,
    React,
}

impl std::fmt::Display for Act {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Post => "comment",
            Self::React => "react",
        })
    }
}

/// Whether a reader may `act`, as the site's setting for it says.
pub fn permit(audience: Audience, signed_in: bool, act: Act) -> super::Outcome<()> {
    if audience == Audience::SignedIn && !signed_in {
        return Err(super::Error::SignInRequired(act));
    }
    Ok(())
}

/// Ends a reader session.
pub async fn sign_out(state: &crate::state::AppState, raw: &str) -> super::Outcome<()> {
    state
        .store
        .delete_reader_session(&super::auth::token_hash(raw))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "a site secret of enough length, 32+";
    const NOW: i64 = 1_764_324_000;

    fn sign(header: serde_json::Value, claims: serde_json::Value, secret: &str) -> String {
        let head = URL_SAFE_NO_PAD.encode(header.to_string());
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
        mac.update(format!("{head}.{body}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{head}.{body}.{sig}")
    }

    fn claims() -> serde_json::Value {
        json!({"iat": NOW - 10, "exp": NOW + 300, "jti": "once",
               "user": {"id": "42", "username": "Mei", "badges": ["Subscriber"]}})
    }

    fn secret(raw: &str) -> SsoSecret {
        SsoSecret::parse(raw).expect("long enough")
    }

    fn check(token: &str) -> Result<Verified, Refused> {
        verify(token, &[secret(SECRET)], NOW, 3600)
    }

    #[test]
    fn a_token_signed_with_any_current_secret_names_its_reader() {
        let token = sign(json!({"alg": "HS256", "typ": "JWT"}), claims(), SECRET);
        let user = check(&token).expect("valid");
        assert_eq!(user.user_id, "42");
        assert_eq!(user.user.badges, vec!["Subscriber"]);
        assert_eq!(user.jti.as_deref(), Some("once"));
        let rotated = verify(
            &token,
            &[
                secret("a newer site secret of enough length"),
                secret(SECRET),
            ],
            NOW,
            3600,
        );
        assert!(rotated.is_ok());
        let mut numeric = claims();
        numeric["user"]["id"] = json!(42);
        let token = sign(json!({"alg": "HS256"}), numeric, SECRET);
        assert_eq!(check(&token).expect("valid").user_id, "42");
    }

    #[test]
    fn every_bad_token_is_refused_for_its_own_reason() {
        let header = json!({"alg": "HS256"});
        assert_eq!(check("not a token"), Err(Refused::Malformed));
        assert_eq!(check("a.b.c.d"), Err(Refused::Malformed));
        let none = sign(json!({"alg": "none"}), claims(), SECRET);
        assert_eq!(check(&none), Err(Refused::Algorithm("none".into())));
        let unsigned = format!("{}.", &none[..none.rfind('.').expect("dot")]);
        assert_eq!(check(&unsigned), Err(Refused::Algorithm("none".into())));
        let rs = sign(json!({"alg": "RS256"}), claims(), SECRET);
        assert_eq!(check(&rs), Err(Refused::Algorithm("RS256".into())));
        let other = sign(header.clone(), claims(), "another secret, also long enough");
        assert_eq!(check(&other), Err(Refused::Signature));
        let mut expired = claims();
        expired["exp"] = json!(NOW - LEEWAY_SECS - 1);
        assert_eq!(
            check(&sign(header.clone(), expired, SECRET)),
            Err(Refused::Expired)
        );
        let mut early = claims();
        early["iat"] = json!(NOW + LEEWAY_SECS + 10);
        assert_eq!(
            check(&sign(header.clone(), early, SECRET)),
            Err(Refused::NotYetValid)
        );
        let mut old = claims();
        old["iat"] = json!(NOW - 7200);
        old["exp"] = json!(NOW + 7200);
        assert_eq!(
            check(&sign(header.clone(), old, SECRET)),
            Err(Refused::TooOld { max_age_secs: 3600 })
        );
        let mut nobody = claims();
        nobody["user"] = json!({"username": "Mei"});
        assert_eq!(
            check(&sign(header.clone(), nobody, SECRET)),
            Err(Refused::MissingUser)
        );
        let mut blank = claims();
        blank["user"]["id"] = json!("  ");
        assert_eq!(
            check(&sign(header.clone(), blank, SECRET)),
            Err(Refused::MissingUser)
        );
        // A changed payload under the old signature.
        let good = sign(header, claims(), SECRET);
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD
            .encode(json!({"iat": NOW, "exp": NOW + 300, "user": {"id": "1"}}).to_string());
        parts[1] = &forged;
        assert_eq!(check(&parts.join(".")), Err(Refused::Signature));
    }
}
