//! Time on the command line: the host clock, ledger timestamps as RFC 3339
//! UTC text (without a date-time dependency) and token lifetimes (`30m`, `24h`, `7d`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, from the host clock.
pub fn now_ms() -> u64 {
    // A clock before 1970 is a broken host; say 0 rather than refuse to work.
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// Parses a lifetime such as `90s`, `30m`, `24h` or `7d` into milliseconds
/// (clap value parser: the message is shown after the flag name).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let usage = || format!("`{text}` is not a duration; use a whole number and a unit, like 30m, 24h or 7d");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(usage)?;
    let (number, unit) = text.split_at(split);
    let unit_ms: u64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(usage()),
    };
    let number: u64 = number.parse().map_err(|_| usage())?;
    if number == 0 {
        return Err("a token lifetime of zero would expire at once; use at least 1s".into());
    }
    number.checked_mul(unit_ms).ok_or_else(|| format!("`{text}` is too long a duration"))
}

/// `ms` milliseconds since the Unix epoch as RFC 3339 UTC with milliseconds,
/// for example `2023-11-14T22:13:20.000Z`.
pub fn rfc3339_utc(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // u64::MAX ms is about 2.1e11 days: no overflow converting to i64.
    let (year, month, day) = civil_from_days(days as i64);
    let (hour, minute, second) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// The proleptic Gregorian date `(year, month, day)` that is `days` days
/// after 1970-01-01 (Howard Hinnant's `civil_from_days`: counts in 400-year
/// eras of 146 097 days, with years starting on March 1 so the leap day is last).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1, [0, 365]
    let mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days_in_month(y: i64, m: u32) -> u32 {
        match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    #[test]
    fn epoch_is_1970_01_01() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn known_instants_format_exactly() {
        assert_eq!(rfc3339_utc(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339_utc(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(rfc3339_utc(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn every_day_from_1600_to_2400_is_the_next_calendar_day() {
        // 1600-01-01 is 135 140 days before the epoch (146 097 * 370 / 400).
        let (mut y, mut m, mut d) = (1600, 1, 1);
        let mut days = -135_140;
        while y < 2400 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            days += 1;
            d += 1;
            if d > days_in_month(y, m) {
                (m, d) = (m + 1, 1);
            }
            if m > 12 {
                (y, m) = (y + 1, 1);
            }
        }
        assert_eq!(days, 157_054); // 2400-01-01
    }

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(parse_duration("30m"), Ok(30 * 60_000));
        assert_eq!(parse_duration("24h"), Ok(86_400_000));
        assert_eq!(parse_duration("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        for bad in ["", "h", "24", "24 h", "-1h", "1.5h", "1w", "0m", "99999999999999999999d", "3h2m"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_largest_timestamp_does_not_overflow() {
        assert!(rfc3339_utc(u64::MAX).ends_with("Z"));
    }
}
