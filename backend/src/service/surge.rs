//! The surge guard: when an article's comments or reports come far faster
//! than its own usual rate (a link shared in a forum, a brigade), its new
//! comments are held for review until the rush is over, and moderators are
//! told at once. The rates are counted in the store, so with several
//! servers they are the article's, not one server's; the switch is one
//! conditional update, so one server makes it and audits it.

use super::Outcome;
use super::admin::Actor;
use super::lifecycle::AUTOMATIC;
use super::screening::{Premoderation, Rules};
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

/// When each article was last counted on this server, and which have a
/// count waiting for the end of their second.
#[derive(Debug, Default)]
pub struct Guard {
    counted: Mutex<HashMap<String, (Instant, bool)>>,
}

/// Articles remembered before the oldest are forgotten.
const REMEMBERED: usize = 10_000;

/// Whether to count an article now.
enum Due {
    Now,
    /// After this long: the last count was less than a throttle ago, and
    /// nothing counts at its end yet (so the write that crosses the line
    /// in a burst that then stops is counted all the same).
    Later(Duration),
    /// A count waits already.
    No,
}

impl Guard {
    fn due(&self, article: &str, every: Duration) -> Due {
        let now = Instant::now();
        let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
        if counted.len() >= REMEMBERED {
            counted.retain(|_, (at, waiting)| *waiting || now.duration_since(*at) < every);
        }
        match counted.get_mut(article) {
            Some((at, waiting)) if now.duration_since(*at) < every => {
                if *waiting {
                    Due::No
                } else {
                    *waiting = true;
                    Due::Later(every - now.duration_since(*at))
                }
            }
            _ => {
                counted.insert(article.to_owned(), (now, false));
                Due::Now
            }
        }
    }

    /// A waiting count is being made now.
    fn counting(&self, article: &str) {
        let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
        counted.insert(article.to_owned(), (Instant::now(), false));
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
/// off comes at under half the level it went over; or the site stopped
/// counting what set it off.
pub fn is_over(rules: &Rules, surge: &SurgeRecord, activity: &Activity, now: i64) -> bool {
    let (recent, counted) = match surge.kind {
        SurgeKind::Posts => (activity.recent_posts, rules.surge_posts),
        SurgeKind::Reports => (activity.recent_reports, rules.surge_reports),
    };
    counted == 0 || (now - surge.since >= SHORTEST_MS && recent * 2 < surge.level)
}

/// Counts an article's rate after a post or a report there (at most once
/// per `surge_check_every` on this server), and starts a surge when it is
/// one. A failure is logged, never the writer's: their write is stored.
pub async fn observe(state: &AppState, article: &str) {
    let rules = state.screening.rules();
    // Every comment waits already where the whole site is held.
    if (rules.surge_posts == 0 && rules.surge_reports == 0)
        || rules.premoderation == Premoderation::All
    {
        return;
    }
    match state.surge.due(article, state.settings.surge_check_every) {
        Due::Now => count(state, article, &rules).await,
        Due::Later(after) => {
            let (state, article) = (state.clone(), article.to_owned());
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                state.surge.counting(&article);
                count(&state, &article, &state.screening.rules()).await;
            });
        }
        Due::No => {}
    }
}

/// Counts, and says what went wrong (the write that asked is stored).
async fn count(state: &AppState, article: &str, rules: &Rules) {
    if let Err(e) = check(state, article, rules).await {
        tracing::warn!(article, "the surge guard could not count: {e}");
    }
}

fn activity_at(now: i64) -> (i64, i64) {
    (now - WINDOW_MS - USUAL_MS, now - WINDOW_MS)
}

async fn check(state: &AppState, article: &str, rules: &Rules) -> Outcome<()> {
    let now = state.now_ms();
    let (usual, recent) = activity_at(now);
    let activity = state.store.activity(article, usual, recent, now).await?;
    // On already, held by a moderator, or let through: nothing to start
    // (and no write to try).
    if activity.settled {
        return Ok(());
    }
    let Some((kind, level, reason)) = surge_of(rules, &activity) else {
        return Ok(());
    };
    let surge = SurgeRecord {
        since: now,
        kind,
        level,
        reason: reason.clone(),
    };
    let audit = AdminAudit {
        reason: Some(reason.clone()),
        ..Actor {
            name: AUTOMATIC,
            at: now,
        }
        .audit(AuditAction::SurgeHold, Some(article))
    };
    if state
        .store
        .start_surge(article, surge.clone(), &audit)
        .await?
    {
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

/// Ends the surges that are over. Each server looks; one ends each. One
/// article the store cannot answer for does not stop the others.
pub async fn sweep(state: &AppState) -> Outcome<()> {
    let now = state.now_ms();
    let rules = state.screening.rules();
    for (article, surge) in state.store.surges().await? {
        if let Err(e) = end_if_over(state, &rules, &article, &surge, now).await {
            tracing::warn!(article, "the surge guard could not look at a surge: {e}");
        }
    }
    Ok(())
}

async fn end_if_over(
    state: &AppState,
    rules: &Rules,
    article: &str,
    surge: &SurgeRecord,
    now: i64,
) -> Outcome<()> {
    let (usual, recent) = activity_at(now);
    let activity = state.store.activity(article, usual, recent, now).await?;
    if !is_over(rules, surge, &activity, now) {
        return Ok(());
    }
    let reason = "The surge is over.".to_owned();
    let audit = AdminAudit {
        reason: Some(reason.clone()),
        ..Actor {
            name: AUTOMATIC,
            at: now,
        }
        .audit(AuditAction::SurgeEnd, Some(article))
    };
    if state.store.end_surge(article, surge.since, &audit).await? {
        tracing::info!(article, "surge over: new comments shown again");
        tell(state, article, false, surge.since, reason);
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
                    reason: surge.reason,
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
            reason: String::new(),
        };
        let calm = Activity {
            recent_posts: 9,
            ..Activity::default()
        };
        assert!(
            !is_over(&rules(), &surge, &calm, SHORTEST_MS - 1),
            "too soon"
        );
        assert!(is_over(&rules(), &surge, &calm, SHORTEST_MS));
        let still = Activity {
            recent_posts: 10,
            ..Activity::default()
        };
        assert!(!is_over(&rules(), &surge, &still, SHORTEST_MS));
        // The site stopped counting comments: over at once.
        let off = Rules {
            surge_posts: 0,
            ..rules()
        };
        assert!(is_over(&off, &surge, &still, 0));
    }
}
