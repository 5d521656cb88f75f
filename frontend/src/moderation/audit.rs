//! The audit log: who hid or restored what, when and why; and what admins
//! did to moderators and the settings.

use super::{Room, Tab};
use crate::i18n::moderation::Msg;
use crate::logic::settings::{self, Change, Target, WordList};
use chime_shared::AuditAction;
use leptos::prelude::*;

/// Loads the log from the start, or its next page.
pub fn load(room: Room, more: bool) {
    let cursor = if more {
        match room.audit_cursor.get_untracked() {
            Some(cursor) => Some(cursor),
            None => return,
        }
    } else {
        None
    };
    room.loading.set(true);
    leptos::task::spawn_local(async move {
        let api = room.api.get_value();
        match api.audit(cursor.as_deref()).await {
            Ok(page) if room.tab.get_untracked() == Tab::Audit => {
                room.audit.update(|entries| {
                    if !more {
                        entries.clear();
                    }
                    entries.extend(page.entries);
                });
                room.audit_cursor.set(page.next_cursor.map(String::from));
            }
            Ok(_) => {}
            Err(failure) => room.failed(&failure),
        }
        room.loading.set(false);
    });
}

/// A settings change in words.
fn said(room: Room, change: &Change) -> String {
    let days = |d: u32| match d {
        0 => room.t(Msg::Never),
        d => room.count(Msg::Days, u64::from(d)),
    };
    let moved = |msg, from: String, to: String| room.fill(msg, &[("from", &from), ("to", &to)]);
    match change {
        Change::Premoderation(from, to) => {
            let mode = |m: &chime_shared::Premoderation| {
                room.t(match m {
                    chime_shared::Premoderation::Off => Msg::PremodOff,
                    chime_shared::Premoderation::NewReaders => Msg::PremodNew,
                    chime_shared::Premoderation::All => Msg::PremodAll,
                })
            };
            moved(Msg::ChangedPremoderation, mode(from), mode(to))
        }
        Change::Words { list, added, words } => {
            let msg = match (list, added) {
                (WordList::Banned, true) => Msg::ChangedBannedAdded,
                (WordList::Banned, false) => Msg::ChangedBannedRemoved,
                (WordList::Suspect, true) => Msg::ChangedSuspectAdded,
                (WordList::Suspect, false) => Msg::ChangedSuspectRemoved,
            };
            room.fill(msg, &[("words", &words.join(", "))])
        }
        Change::Links(from, to) => moved(
            Msg::ChangedLinks,
            room.number(u64::from(*from)),
            room.number(u64::from(*to)),
        ),
        Change::Closing(from, to) => moved(Msg::ChangedClosing, days(*from), days(*to)),
        Change::SurgePosts(from, to) => moved(
            Msg::ChangedSurgePosts,
            room.number(u64::from(*from)),
            room.number(u64::from(*to)),
        ),
        Change::SurgeReports(from, to) => moved(
            Msg::ChangedSurgeReports,
            room.number(u64::from(*from)),
            room.number(u64::from(*to)),
        ),
        Change::SurgeFactor(from, to) => moved(
            Msg::ChangedSurgeFactor,
            room.number(u64::from(*from)),
            room.number(u64::from(*to)),
        ),
        Change::Nothing => room.t(Msg::ChangedNothing),
    }
}

pub fn view(room: Room) -> impl IntoView {
    let t = move |msg| room.t(msg);
    view! {
        <section class="mod-audit" aria-label=t(Msg::TabAudit)>
            <table data-testid="audit-table">
                <thead>
                    <tr><th scope="col">{t(Msg::When)}</th><th scope="col">{t(Msg::Who)}</th><th scope="col">{t(Msg::Did)}</th><th scope="col">{t(Msg::On)}</th><th scope="col">{t(Msg::Why)}</th></tr>
                </thead>
                <tbody>
                    {move || room.audit.get().into_iter().map(|e| {
                        let action = t(match e.action {
                            AuditAction::Hide => Msg::DidHide,
                            AuditAction::Unhide => Msg::DidUnhide,
                            AuditAction::Hold => Msg::DidHold,
                            AuditAction::Approve => Msg::DidApprove,
                            AuditAction::Reject => Msg::DidReject,
                            AuditAction::ModeratorAdded => Msg::DidAddModerator,
                            AuditAction::ModeratorRemoved => Msg::DidRemoveModerator,
                            AuditAction::PasswordReset => Msg::DidResetPassword,
                            AuditAction::SettingsChanged => Msg::DidChangeSettings,
                            AuditAction::Ban => Msg::DidBan,
                            AuditAction::Suspend => Msg::DidSuspend,
                            AuditAction::AlwaysHold => Msg::DidAlwaysHold,
                            AuditAction::Lift => Msg::DidLift,
                            AuditAction::Close => Msg::DidClose,
                            AuditAction::Reopen => Msg::DidReopen,
                            AuditAction::Feature => Msg::DidFeature,
                            AuditAction::Unfeature => Msg::DidUnfeature,
                            AuditAction::SurgeHold => Msg::DidSurgeHold,
                            AuditAction::SurgeEnd => Msg::DidSurgeEnd,
                            AuditAction::Erase => Msg::DidErase,
                        });
                        let target = match settings::target(&e) {
                            Target::Comment(id) => room.fill(Msg::TargetComment, &[("id", &id)]),
                            Target::Named(name) => name,
                            Target::Settings => t(Msg::TargetSettings),
                        };
                        let why = match (&e.before, &e.after) {
                            (Some(before), Some(after)) => settings::changes(before, after)
                                .iter()
                                .map(|c| said(room, c))
                                .collect::<Vec<_>>()
                                .join("; "),
                            _ => e.reason.as_deref().map(|r| room.reason_shown(r)).unwrap_or_default(),
                        };
                        view! {
                            <tr data-testid="audit-entry" data-action=e.action.as_str()>
                                <td><time title=room.date(e.at)>{room.ago(e.at)}</time></td>
                                <td><bdi>{room.actor(&e.moderator)}</bdi></td>
                                <td>{action}</td>
                                <td><code>{target}</code></td>
                                <td><bdi>{why}</bdi></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || (room.audit.with(Vec::is_empty) && !room.loading.get()).then(|| view! { <p class="mod-muted">{t(Msg::AuditEmpty)}</p> })}
            {move || room.audit_cursor.with(Option::is_some).then(|| view! {
                <button type="button" class="mod-secondary" data-testid="audit-more" on:click=move |_| load(room, true)>{t(Msg::LoadMore)}</button>
            })}
        </section>
    }
}
