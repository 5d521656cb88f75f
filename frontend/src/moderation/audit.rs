//! The audit log: who hid or restored what, when and why; and what admins
//! did to moderators and the settings.

use super::{Room, Tab};
use crate::logic::relative_time::{exact_readable, relative};
use crate::logic::settings;
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

pub fn view(room: Room) -> impl IntoView {
    view! {
        <section class="mod-audit" aria-label="Audit log">
            <table data-testid="audit-table">
                <thead>
                    <tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Did"</th><th scope="col">"On"</th><th scope="col">"Why"</th></tr>
                </thead>
                <tbody>
                    {move || room.audit.get().into_iter().map(|e| {
                        let action = match e.action {
                            AuditAction::Hide => "hid",
                            AuditAction::Unhide => "restored",
                            AuditAction::Hold => "held for review",
                            AuditAction::Approve => "approved",
                            AuditAction::Reject => "rejected",
                            AuditAction::ModeratorAdded => "added moderator",
                            AuditAction::ModeratorRemoved => "removed moderator",
                            AuditAction::PasswordReset => "reset the password of",
                            AuditAction::SettingsChanged => "changed",
                            AuditAction::Ban => "banned reader",
                            AuditAction::Suspend => "suspended reader",
                            AuditAction::AlwaysHold => "held every comment of reader",
                            AuditAction::Lift => "lifted a sanction on reader",
                            AuditAction::Close => "closed comments on",
                            AuditAction::Reopen => "reopened comments on",
                            AuditAction::Feature => "featured",
                            AuditAction::Unfeature => "stopped featuring",
                            AuditAction::SurgeHold => "held new comments (surge) on",
                            AuditAction::SurgeEnd => "ended the surge hold on",
                            AuditAction::Erase => "erased the data of reader",
                        };
                        let target = settings::target(&e);
                        let why = match (&e.before, &e.after) {
                            (Some(before), Some(after)) => settings::changes(before, after).join("; "),
                            _ => e.reason.clone().unwrap_or_default(),
                        };
                        view! {
                            <tr data-testid="audit-entry" data-action=e.action.as_str()>
                                <td><time title=exact_readable(e.at)>{relative(room.now.get(), e.at)}</time></td>
                                <td>{e.moderator}</td>
                                <td>{action}</td>
                                <td><code>{target}</code></td>
                                <td>{why}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || (room.audit.with(Vec::is_empty) && !room.loading.get()).then(|| view! { <p class="mod-muted">"Nothing has been hidden or restored yet."</p> })}
            {move || room.audit_cursor.with(Option::is_some).then(|| view! {
                <button type="button" class="mod-secondary" data-testid="audit-more" on:click=move |_| load(room, true)>"Load more"</button>
            })}
        </section>
    }
}
