//! The surge guard: when an article's comments or reports come far faster
//! than its own usual rate (a link shared in a forum, a brigade), its new
//! comments are held for review until the rush is over, and moderators are
//! told at once. The rates are counted in the store, so with several
//! servers they are the article's, not one server's; the switch is one
//! conditional update, so one server makes it and audits it.

use super::Outcome;
use super::admin::Actor;
use super::lifecycle::AUTOMATIC;
use super::screening::Rules;
use crate::clock::from_millis;
use crate::state::AppState;
use crate::store::{Activity, AdminAudit, SurgeKind, SurgeRecord};
use chime_shared::{ArticleId, AuditAction, SurgeList, SurgeNotice};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window a rate is counted over.
pub const WINDOW_MS: i64 = 5 * 60 * 1000;
/// The time before the window that says what an article's usual rate is.
pub const USUAL_MS: i64 = 60 * 60 * 1000;
/// A surge holds for at least this long, so that a rush with a pause in
/// it does not switch the article back and forth.
pub const SHORTEST_MS: i64 = 10 * 60 * 1000;
/// A moderator who lets an article's comments through during a surge is
/// not overruled for this long.
pub const SNOOZE_MS: i64 = 60 * 60 * 1000;

/// When each article was last counted on this server.
#[derive(Debug, Default)]
pub struct Guard {
    counted: Mutex<HashMap<String, Instant>>,
}

/// Articles remembered before the oldest are forgotten.
const REMEMBERED: usize = 10_000;

impl Guard {
    /// Whether `article` is due a count (at most one per `every`).
    fn due(&self, article: &str, every: Duration) -> bool {
        let now = Instant::now();
        let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
        if counted
            .get(article)
            .is_some_and(|at| now.duration_since(*at) < every)
        {
            return false;
        }
        if counted.len() >= REMEMBERED {
            counted.retain(|_, at| now.duration_since(*at) < every);
        }
        counted.insert(article.to_owned(), now);
        true
    }
}

/// A surge `activity` shows, by the site's thresholds: what set it off,
/// the level it went over, and the words for moderators.
pub fn surge_of(rules: &Rules, activity: &Activity) -> Option<(SurgeKind, i64, String)> {
    let windows = USUAL_MS / WINDOW_MS;
    [
        (
            SurgeKind::Posts,
            rules.surge_posts,
            activity.recent_posts,
            activity.usual_posts,
            "comments",
        ),
        (
            SurgeKind::Reports,
            rules.surge_reports,
            activity.recent_reports,
            activity.usual_reports,
            "reports",
        ),
    ]
    .into_iter()
    .find_map(|(kind, least, recent, usual, word)| {
        if least == 0 {
            return None;
        }
        // `factor` times the usual count per window, rounded up.
        let factor = i64::from(rules.surge_factor.max(1));
        let level = i64::from(least).max((factor * usual + windows - 1) / windows);
        (recent >= level).then(|| {
            let per_window = (usual + windows / 2) / windows;
            (
                kind,
                level,
                format!("{recent} {word} in 5 minutes; usually {per_window}"),
            )
        })
    })
}

/// Whether a surge is over: it has held for `SHORTEST_MS`, and what set it
/// off comes at under half the level it went over.
pub fn is_over(surge: &SurgeRecord, activity: &Activity, now: i64) -> bool {
    let recent = match surge.kind {
        SurgeKind::Posts => activity.recent_posts,
        SurgeKind::Reports => activity.recent_reports,
    };
    now - surge.since >= SHORTEST_MS && recent * 2 < surge.level
}

/// Counts an article's rate after a post or a report there (at most once
/// per `surge_check_every` on this server), and starts a surge when it is
/// one. A failure is logged, never the writer's: their write is stored.
pub async fn observe(state: &AppState, article: &str) {
    let rules = state.screening.rules();
    if rules.surge_posts == 0 && rules.surge_reports == 0 {
        return;
    }
    if !state.surge.due(article, state.settings.surge_check_every) {
        return;
    }
    if let Err(e) = check(state, article, &rules).await {
        tracing::warn!(article, "the surge guard could not count: {e}");
    }
}

async fn check(state: &AppState, article: &str, rules: &Rules) -> Outcome<()> {
    let now = state.now_ms();
    let activity = state
        .store
        .activity(article, now - WINDOW_MS - USUAL_MS, now - WINDOW_MS)
        .await?;
    let Some((kind, level, reason)) = surge_of(rules, &activity) else {
        return Ok(());
    };
    let surge = SurgeRecord {
        since: now,
        kind,
        level,
    };
    let audit = AdminAudit {
        reason: Some(reason.clone()),
        ..Actor {
            name: AUTOMATIC,
            at: now,
        }
        .audit(AuditAction::SurgeHold, Some(article))
    };
    if state.store.start_surge(article, surge, &audit).await? {
        tracing::warn!(article, reason, "surge: new comments held for review");
        state.metrics.moderation_actions.inc();
        tell(state, article, true, now, reason);
    }
    Ok(())
}

/// Tells every moderator's stream, on every server.
pub fn tell(state: &AppState, article: &str, active: bool, since: i64, reason: String) {
    let Ok(article) = ArticleId::parse(article) else {
        return;
    };
    state.events.publish_surge(SurgeNotice {
        article,
        active,
        since: from_millis(since),
        reason,
    });
}

/// Ends the surges that are over. Each server looks; one ends each.
pub async fn sweep(state: &AppState) -> Outcome<()> {
    let now = state.now_ms();
    for (article, surge) in state.store.surges().await? {
        let activity = state
            .store
            .activity(&article, now - WINDOW_MS - USUAL_MS, now - WINDOW_MS)
            .await?;
        if !is_over(&surge, &activity, now) {
            continue;
        }
        let reason = "The surge is over.".to_owned();
        let audit = AdminAudit {
            reason: Some(reason.clone()),
            ..Actor {
                name: AUTOMATIC,
                at: now,
            }
            .audit(AuditAction::SurgeEnd, Some(&article))
        };
        if state.store.end_surge(&article, surge.since, &audit).await? {
            tracing::info!(article, "surge over: new comments shown again");
            tell(state, &article, false, surge.since, reason);
        }
    }
    Ok(())
}

/// Sweeps every `surge_sweep_every` until the server stops.
pub async fn keep_sweeping(state: AppState) {
    let mut tick = tokio::time::interval(state.settings.surge_sweep_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.shutdown.cancelled() => return,
        }
        if let Err(e) = sweep(&state).await {
            tracing::warn!("the surge guard could not look at its surges: {e}");
        }
    }
}

/// Words for a surge as stored.
fn said(surge: &SurgeRecord) -> String {
    let word = match surge.kind {
        SurgeKind::Posts => "comments",
        SurgeKind::Reports => "reports",
    };
    format!("{} {word} or more in 5 minutes", surge.level)
}

/// The articles in a surge now.
pub async fn list(state: &AppState) -> Outcome<SurgeList> {
    let surges = state.store.surges().await?;
    Ok(SurgeList {
        surges: surges
            .into_iter()
            .filter_map(|(article, surge)| {
                Some(SurgeNotice {
                    article: ArticleId::parse(&article).ok()?,
                    active: true,
                    since: from_millis(surge.since),
                    reason: said(&surge),
                })
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            surge_posts: 20,
            surge_reports: 10,
            surge_factor: 5,
            ..Rules::default()
        }
    }

    #[test]
    fn a_surge_is_a_rate_far_above_the_articles_own_and_above_the_least() {
        let quiet = Activity {
            recent_posts: 19,
            usual_posts: 0,
            ..Activity::default()
        };
        assert_eq!(surge_of(&rules(), &quiet), None, "under the least");
        let rush = Activity {
            recent_posts: 20,
            usual_posts: 12,
            ..Activity::default()
        };
        let (kind, level, words) = surge_of(&rules(), &rush).expect("a surge");
        assert_eq!((kind, level), (SurgeKind::Posts, 20));
        assert_eq!(words, "20 comments in 5 minutes; usually 1");
        // A live blog that always runs at 10 every 5 minutes needs 50.
        let busy = Activity {
            recent_posts: 49,
            usual_posts: 120,
            ..Activity::default()
        };
        assert_eq!(surge_of(&rules(), &busy), None);
        let busier = Activity {
            recent_posts: 50,
            ..busy
        };
        assert_eq!(surge_of(&rules(), &busier).map(|s| s.1), Some(50));
        let reports = Activity {
            recent_reports: 10,
            ..Activity::default()
        };
        assert_eq!(
            surge_of(&rules(), &reports).map(|s| s.0),
            Some(SurgeKind::Reports)
        );
        let off = Rules {
            surge_posts: 0,
            ..rules()
        };
        assert_eq!(surge_of(&off, &rush), None, "0 turns it off");
    }

    #[test]
    fn a_surge_is_over_when_the_rate_halves_after_ten_minutes() {
        let surge = SurgeRecord {
            since: 0,
            kind: SurgeKind::Posts,
            level: 20,
        };
        let calm = Activity {
            recent_posts: 9,
            ..Activity::default()
        };
        assert!(!is_over(&surge, &calm, SHORTEST_MS - 1), "too soon");
        assert!(is_over(&surge, &calm, SHORTEST_MS));
        let still = Activity {
            recent_posts: 10,
            ..Activity::default()
        };
        assert!(!is_over(&surge, &still, SHORTEST_MS));
    }
}
