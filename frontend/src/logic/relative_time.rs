//! "3 min ago": times relative to now, with the exact time for hover/focus.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How long ago, in the unit a reader would say it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ago {
    /// Under 45 seconds (or a little in the future: clock skew).
    Now,
    Minutes(i64),
    Hours(i64),
    /// 1 to 6 days.
    Days(i64),
    /// A week or more: the date says it better.
    Long,
}

/// How long before `now` `then` was.
pub fn ago(now: OffsetDateTime, then: OffsetDateTime) -> Ago {
    let seconds = (now - then).whole_seconds();
    if seconds < 45 {
        return Ago::Now;
    }
    let minutes = (seconds + 30) / 60;
    if minutes < 60 {
        return Ago::Minutes(minutes);
    }
    let hours = (minutes + 30) / 60;
    if hours < 24 {
        return Ago::Hours(hours);
    }
    match (hours + 12) / 24 {
        days @ 1..=6 => Ago::Days(days),
        _ => Ago::Long,
    }
}

/// A short relative phrase for `then`, seen at `now`, in English (the
/// reader widget's are its locale's: `i18n::Words::ago`).
pub fn relative(now: OffsetDateTime, then: OffsetDateTime) -> String {
    match ago(now, then) {
        Ago::Now => "just now".into(),
        Ago::Minutes(minutes) => format!("{minutes} min ago"),
        Ago::Hours(hours) => format!("{hours} h ago"),
        Ago::Days(1) => "yesterday".into(),
        Ago::Days(days) => format!("{days} days ago"),
        Ago::Long => exact_date(then),
    }
}

fn exact_date(then: OffsetDateTime) -> String {
    format!(
        "{} {} {}",
        then.day(),
        month_name(then.month()),
        then.year()
    )
}

fn month_name(month: time::Month) -> &'static str {
    use time::Month::*;
    match month {
        January => "Jan",
        February => "Feb",
        March => "Mar",
        April => "Apr",
        May => "May",
        June => "Jun",
        July => "Jul",
        August => "Aug",
        September => "Sep",
        October => "Oct",
        November => "Nov",
        December => "Dec",
    }
}

/// The exact time, for the `title` and `datetime` attributes.
pub fn exact(then: OffsetDateTime) -> String {
    then.format(&Rfc3339).unwrap_or_default()
}

/// A readable exact time in UTC: "28 Nov 2026, 10:04 UTC".
pub fn exact_readable(then: OffsetDateTime) -> String {
    format!(
        "{}, {:02}:{:02} UTC",
        exact_date(then),
        then.hour(),
        then.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn phrases_grow_with_age() {
        let now = datetime!(2026-11-28 12:00 UTC);
        let ago = |d: Duration| relative(now, now - d);
        assert_eq!(ago(Duration::seconds(5)), "just now");
        assert_eq!(ago(Duration::seconds(-30)), "just now", "clock skew");
        assert_eq!(ago(Duration::minutes(3)), "3 min ago");
        assert_eq!(ago(Duration::minutes(59)), "59 min ago");
        assert_eq!(ago(Duration::hours(2)), "2 h ago");
        assert_eq!(ago(Duration::hours(30)), "yesterday");
        assert_eq!(ago(Duration::days(3)), "3 days ago");
        assert_eq!(ago(Duration::days(30)), "29 Oct 2026");
    }

    #[test]
    fn units_are_whole_and_rounded() {
        let now = datetime!(2026-11-28 12:00 UTC);
        let at = |d: Duration| super::ago(now, now - d);
        assert_eq!(at(Duration::seconds(44)), Ago::Now);
        assert_eq!(at(Duration::seconds(45)), Ago::Minutes(1));
        assert_eq!(at(Duration::seconds(89)), Ago::Minutes(1));
        assert_eq!(at(Duration::seconds(90)), Ago::Minutes(2));
        assert_eq!(at(Duration::minutes(90)), Ago::Hours(2));
        assert_eq!(at(Duration::hours(30)), Ago::Days(1));
        assert_eq!(at(Duration::days(6)), Ago::Days(6));
        assert_eq!(at(Duration::days(7)), Ago::Long);
    }

    #[test]
    fn exact_times_are_utc() {
        let t = datetime!(2026-11-28 10:04:05 UTC);
        assert_eq!(exact(t), "2026-11-28T10:04:05Z");
        assert_eq!(exact_readable(t), "28 Nov 2026, 10:04 UTC");
    }
}
