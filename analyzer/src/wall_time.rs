//! Wall-clock times in files (`meta.started` of a trace, Saleae's ISO-8601 time cells): the one
//! date/time parser of the project, on the `jiff` crate.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Parses an RFC 3339 / ISO-8601 date-time (`2024-05-01T12:00:00.5Z`, `…+02:00`,
/// `2022-06-29T04:05:27.591152100+00:00`) into nanoseconds since the Unix epoch. A time without
/// an offset is read as UTC when `assume_utc`, else refused. `None` for anything else, and for
/// times whose nanoseconds do not fit 64 bits (before 1677 or after 2262).
pub fn parse_ns(s: &str, assume_utc: bool) -> Option<i64> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    let ts = match s.parse::<Timestamp>() {
        Ok(ts) => ts,
        Err(_) if assume_utc => TimeZone::UTC.to_timestamp(s.parse::<DateTime>().ok()?).ok()?,
        Err(_) => return None,
    };
    i64::try_from(ts.as_nanosecond()).ok()
}

/// A wall-clock time (nanoseconds since the Unix epoch) as RFC 3339 UTC to the second
/// (`2026-11-29T20:50:01Z`): a recording's `meta.started`.
pub fn rfc3339_seconds(ns: i64) -> String {
    match Timestamp::from_second(ns.div_euclid(1_000_000_000)) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "0000-00-00T00:00:00Z".into(),
    }
}

/// A wall-clock time (nanoseconds since the Unix epoch) as a terminal program stamps a log
/// line, in UTC to the millisecond: `2026-11-29 20:50:01.123` ([`crate::log::stamp`]).
pub fn log_stamp(ns: i64) -> String {
    match Timestamp::from_nanosecond(i128::from(ns)) {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        Err(_) => "0000-00-00 00:00:00.000".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_time_is_rfc_3339_to_the_second_and_reads_back() {
        let ns = 1_795_000_201_923_000_000;
        assert_eq!(rfc3339_seconds(ns), "2026-11-18T11:10:01Z", "as Python's datetime gives it");
        assert_eq!(parse_ns(&rfc3339_seconds(ns), false), Some(1_795_000_201_000_000_000));
        assert_eq!(rfc3339_seconds(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_log_stamp_reads_back_as_the_same_millisecond() {
        let ns = 1_795_000_201_123_000_000;
        let s = log_stamp(ns);
        assert_eq!(s.len(), 23, "{s}");
        assert_eq!(parse_ns(&s, true), Some(ns));
    }

    #[test]
    fn offsets_fractions_and_out_of_range_years() {
        assert_eq!(parse_ns("1970-01-01T00:00:01Z", true), Some(1_000_000_000));
        assert_eq!(parse_ns("1970-01-01T02:00:01.5+02:00", true), Some(1_500_000_000));
        assert_eq!(parse_ns("1970-01-01T00:00:00.000000001", true), Some(1));
        assert_eq!(parse_ns("1970-01-01T00:00:00.000000001", false), None);
        assert_eq!(
            parse_ns("2022-06-29T04:05:27.591152100+00:00", true),
            parse_ns("2022-06-29T06:05:27.591152100+02:00", true)
        );
        // Valid dates whose nanoseconds do not fit 64 bits: no overflow, no time.
        assert_eq!(parse_ns("9999-12-31T23:59:59Z", true), None);
        assert_eq!(parse_ns("0001-01-01T00:00:00Z", true), None);
        assert_eq!(parse_ns("2024-13-01T00:00:00Z", true), None);
        assert_eq!(parse_ns("soon", true), None);
        assert_eq!(parse_ns("2024-05-01T12:00:00\u{e9}", true), None);
        // An offset with a multi-byte character where the hand-written parser sliced it.
        assert_eq!(parse_ns("2024-05-01T12:00:00+0\u{e9}:00", false), None);
        assert_eq!(parse_ns("2024-05-01T12:00:00.\u{e9}+00:00", false), None);
    }
}
