//! What admins manage: moderators (from the moderation view or the
//! command line) and the site's screening settings, which live in the
//! store (the start-up flags are their first values) so that every server
//! applies a change at once. Every change is in the audit log.

use super::auth::hash_password_blocking;
use super::screening::Screening;
use super::{Error, Outcome};
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::{AdminAudit, CommentStore, StoreError};
use chime_shared::{AuditAction, ModeratorList, ModeratorSummary, Role, ScreeningSettings};

/// Who does an admin act, and when: recorded in the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// A moderator's name, or one of the names below.
    pub name: &'a str,
    pub at: i64,
}

impl<'a> Actor<'a> {
    /// `chime moderator …`.
    pub const COMMAND_LINE: &'static str = "(command line)";
    /// The first start of a new installation.
    pub const FIRST_START: &'static str = "(first start)";

    /// An act at `at` from the command line.
    pub fn command_line(at: i64) -> Self {
        Self {
            name: Self::COMMAND_LINE,
            at,
        }
    }

    /// This act in the audit log.
    pub fn audit(&self, action: AuditAction, subject: Option<&str>) -> AdminAudit {
        AdminAudit {
            at: self.at,
            moderator: self.name.to_owned(),
            action,
            subject: subject.map(str::to_owned),
            reason: None,
            settings_before: None,
            settings_after: None,
        }
    }
}

/// Why a moderator could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ModeratorError {
    #[error("a moderator name is 1 to 50 letters, digits, '.', '-' or '_', not only dots")]
    BadName,
    #[error("a password needs at least 10 characters")]
    WeakPassword,
    #[error("there is already a moderator called {0}")]
    Taken(String),
    #[error("there is no moderator called {0}")]
    Unknown(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Hash(String),
}

fn check_name(name: &str) -> Result<(), ModeratorError> {
    // Only dots would be a path segment browsers collapse (`/moderators/..`).
    let ok = !name.bytes().all(|b| b == b'.')
        && name.len() <= 50
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(ModeratorError::BadName)
    }
}

async fn hash_checked(password: String) -> Result<String, ModeratorError> {
    if password.chars().count() < 10 {
        return Err(ModeratorError::WeakPassword);
    }
    hash_password_blocking(password)
        .await
        .map_err(|e| ModeratorError::Hash(e.to_string()))
}

/// Adds a moderator.
pub async fn add_moderator(
    store: &dyn CommentStore,
    name: &str,
    password: String,
    role: Role,
    by: Actor<'_>,
) -> Result<(), ModeratorError> {
    check_name(name)?;
    let hash = hash_checked(password).await?;
    let audit = by.audit(AuditAction::ModeratorAdded, Some(name));
    if store.add_moderator(name, &hash, role, &audit).await? {
        Ok(())
    } else {
        Err(ModeratorError::Taken(name.to_owned()))
    }
}

/// Sets a moderator's password and signs them out everywhere.
pub async fn set_password(
    store: &dyn CommentStore,
    name: &str,
    password: String,
    by: Actor<'_>,
) -> Result<(), ModeratorError> {
    // A name no moderator can have names none (and never reaches the
    // store: PostgreSQL refuses a NUL in text).
    check_name(name).map_err(|_| ModeratorError::Unknown("that name".into()))?;
    let hash = hash_checked(password).await?;
    let audit = by.audit(AuditAction::PasswordReset, Some(name));
    if store.set_moderator_password(name, &hash, &audit).await? {
        Ok(())
    } else {
        Err(ModeratorError::Unknown(name.to_owned()))
    }
}

/// On a store with no moderator, makes `admin` with a random password and
/// returns the password (to be printed once).
pub async fn bootstrap_admin(
    store: &dyn CommentStore,
    now: i64,
) -> Result<Option<String>, ModeratorError> {
    if !store.moderators().await?.is_empty() {
        return Ok(None);
    }
    let password = super::auth::random_password();
    let by = Actor {
        name: Actor::FIRST_START,
        at: now,
    };
    match add_moderator(store, "admin", password.clone(), Role::Admin, by).await {
        Ok(()) => Ok(Some(password)),
        // Another server sharing the database made it first.
        Err(ModeratorError::Taken(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes a moderator: their sessions end at once, and so do their open
/// streams (within a second: a stream checks its session). The last admin
/// stays.
pub async fn remove_moderator(
    store: &dyn CommentStore,
    name: &str,
    by: Actor<'_>,
) -> Result<(), ModeratorError> {
    check_name(name).map_err(|_| ModeratorError::Unknown("that name".into()))?;
    let audit = by.audit(AuditAction::ModeratorRemoved, Some(name));
    if store.remove_moderator(name, &audit).await? {
        Ok(())
    } else {
        Err(ModeratorError::Unknown(name.to_owned()))
    }
}

/// Every moderator, by name.
pub async fn moderators(store: &dyn CommentStore) -> Outcome<ModeratorList> {
    Ok(ModeratorList {
        moderators: store
            .moderators()
            .await?
            .into_iter()
            .map(|m| ModeratorSummary {
                username: m.username,
                role: m.role,
                created_at: from_millis(m.created_at),
            })
            .collect(),
    })
}

/// The name the screening settings are stored under.
const SCREENING: &str = "screening";

/// Makes the screening the store's: on a new store, the start-up flags'
/// settings become the first stored ones; after that, what admins set.
pub async fn load_screening(store: &dyn CommentStore, screening: &Screening) -> Outcome<()> {
    let first = encode(&screening.settings())?;
    let stored = store.secret(SCREENING, &move || first.clone()).await?;
    apply(&stored, screening);
    Ok(())
}

/// Reads the stored settings again (another server changed them).
pub async fn reload_screening(store: &dyn CommentStore, screening: &Screening) -> Outcome<()> {
    if let Some(stored) = store.setting(SCREENING).await? {
        apply(&stored, screening);
    }
    Ok(())
}

/// Puts stored settings in force. A setting they lack (stored by a
/// version before it existed) takes the value in force, the flags' on a
/// server just started: an operator's `--surge-posts 0` holds on a store
/// made by an earlier version too.
fn apply(stored: &str, screening: &Screening) {
    let stored = serde_json::from_str::<serde_json::Value>(stored).map(|mut value| {
        if let (Some(stored), Ok(serde_json::Value::Object(in_force))) = (
            value.as_object_mut(),
            serde_json::to_value(screening.settings()),
        ) {
            for (name, setting) in in_force {
                stored.entry(name).or_insert(setting);
            }
        }
        value
    });
    match stored.and_then(serde_json::from_value::<ScreeningSettings>) {
        Ok(settings) => screening.apply(&settings),
        // Never written by Chime like this: keep what is in force, and say.
        Err(e) => tracing::error!(
            "the stored screening settings are unreadable ({e}); kept those in force"
        ),
    }
}

fn encode(settings: &ScreeningSettings) -> Outcome<String> {
    serde_json::to_string(settings).map_err(|e| Error::Internal(e.to_string()))
}

/// The screening settings in force.
pub fn screening(state: &AppState) -> ScreeningSettings {
    state.screening.settings()
}

/// Changes the screening settings: stored with the audit entry (before
/// and after), in force here at once, and on every other server as soon as
/// it hears (within a second on PostgreSQL).
pub async fn set_screening(
    state: &AppState,
    by: Actor<'_>,
    new: ScreeningSettings,
) -> Outcome<ScreeningSettings> {
    let new = new.parse()?;
    let _one_at_a_time = state.screening.changing.lock().await;
    // As stored: another server may have changed them a moment ago.
    let before = match state.store.setting(SCREENING).await? {
        Some(stored) => {
            serde_json::from_str(&stored).unwrap_or_else(|_| state.screening.settings())
        }
        None => state.screening.settings(),
    };
    let after = encode(&new)?;
    let audit = AdminAudit {
        settings_before: Some(encode(&before)?),
        settings_after: Some(after.clone()),
        ..by.audit(AuditAction::SettingsChanged, None)
    };
    state.store.put_setting(SCREENING, &after, &audit).await?;
    state.screening.apply(&new);
    // Pages say when their article closes, which the settings decide.
    state.pages.clear();
    state.events.settings_changed_elsewhere();
    tracing::info!(moderator = by.name, "screening settings changed");
    Ok(new)
}
