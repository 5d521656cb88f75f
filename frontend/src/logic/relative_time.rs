//! "3 min ago": times relative to now, with the exact time for hover/focus.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A short relative phrase for `then`, seen at `now`.
pub fn relative(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let seconds = (now - then).whole_seconds();
    if seconds < 45 {
        return "just now".into();
    }
    let minutes = (seconds + 30) / 60;
    if minutes < 60 {
        return format!("{minutes} min ago");
    }
    let hours = (minutes + 30) / 60;
    if hours < 24 {
        return format!("{hours} h ago");
    }
    let days = (hours + 12) / 24;
    match days {
        1 => "yesterday".into(),
        2..=6 => format!("{days} days ago"),
        _ => exact_date(then),
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
    fn exact_times_are_utc() {
        let t = datetime!(2026-11-28 10:04:05 UTC);
        assert_eq!(exact(t), "2026-11-28T10:04:05Z");
        assert_eq!(exact_readable(t), "28 Nov 2026, 10:04 UTC");
    }
}
