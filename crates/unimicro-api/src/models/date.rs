//! Dates and date-times as the API writes them.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date (`2024-01-31`) or a date and time, with or without an offset (`2024-01-31T10:20:30`,
/// `2024-01-31T10:20:30.1234567`, `2024-01-31T10:20:30Z`, `2024-01-31T10:20:30+01:00`), as the API
/// writes it.
///
/// The text is kept exactly as received and written back unchanged, so a fetched entity sent back in
/// an update carries the same value. Parsing checks the form and the ranges of each part; the parts
/// are available, and [`to_system_time`](Self::to_system_time) converts when the value has an offset.
///
/// ```
/// use unimicro_api::DateTime;
///
/// let d: DateTime = "2024-02-29T23:30:00+01:00".parse()?;
/// assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
/// assert_eq!(d.offset_seconds(), Some(3600));
/// let naive: DateTime = "2024-02-29".parse()?;
/// assert!(naive.time().is_none() && naive.to_system_time().is_none());
/// # Ok::<(), unimicro_api::ParseDateTimeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    raw: String,
    year: i32,
    month: u8,
    day: u8,
    time: Option<Time>,
    offset_seconds: Option<i32>,
}

/// A time of day: hour, minute, second and nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Time {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–59 (60 for a leap second).
    pub second: u8,
    /// Fraction of the second, in nanoseconds.
    pub nanosecond: u32,
}

/// A text that is not a date or date-time in any form the API uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]): {reason}"
)]
pub struct ParseDateTimeError {
    input: String,
    reason: &'static str,
}

impl DateTime {
    /// Parses a date or date-time (see the type's docs for the forms accepted).
    ///
    /// # Errors
    /// [`ParseDateTimeError`] saying which part is wrong.
    pub fn parse(input: &str) -> Result<Self, ParseDateTimeError> {
        let fail = |reason| ParseDateTimeError { input: input.chars().take(64).collect(), reason };
        let b = input.as_bytes();
        let num = |range: std::ops::Range<usize>, what| -> Result<u32, ParseDateTimeError> {
            let part = b.get(range).ok_or_else(|| fail(what))?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(fail(what));
            }
            Ok(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(fail("the date must be YYYY-MM-DD"));
        }
        let year = num(0..4, "bad year")? as i32;
        let month = num(5..7, "bad month")? as u8;
        let day = num(8..10, "bad day")? as u8;
        if !(1..=12).contains(&month) {
            return Err(fail("the month must be 01–12"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(fail("the day does not exist in that month"));
        }
        let mut pos = 10;
        let mut time = None;
        if pos < b.len() && (b[pos] == b'T' || b[pos] == b't' || b[pos] == b' ') {
            pos += 1;
            let hour = num(pos..pos + 2, "bad hour")? as u8;
            if b.get(pos + 2) != Some(&b':') {
                return Err(fail("the time must be HH:MM"));
            }
            let minute = num(pos + 3..pos + 5, "bad minute")? as u8;
            pos += 5;
            let mut second = 0;
            let mut nanosecond = 0;
            if b.get(pos) == Some(&b':') {
                second = num(pos + 1..pos + 3, "bad second")? as u8;
                pos += 3;
                if b.get(pos) == Some(&b'.') || b.get(pos) == Some(&b',') {
                    let start = pos + 1;
                    let mut end = start;
                    while end < b.len() && b[end].is_ascii_digit() {
                        end += 1;
                    }
                    if end == start {
                        return Err(fail("a fraction of a second needs digits"));
                    }
                    // Up to nanoseconds; further digits (rare) are dropped.
                    for (i, d) in b[start..end].iter().take(9).enumerate() {
                        nanosecond += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
                    }
                    pos = end;
                }
            }
            if hour > 23 || minute > 59 || second > 60 {
                return Err(fail("the time is out of range"));
            }
            time = Some(Time { hour, minute, second, nanosecond });
        }
        let mut offset_seconds = None;
        if pos < b.len() {
            if time.is_none() {
                return Err(fail("unexpected text after the date"));
            }
            match b[pos] {
                b'Z' | b'z' if pos + 1 == b.len() => offset_seconds = Some(0),
                sign @ (b'+' | b'-') => {
                    let rest = &b[pos + 1..];
                    let (h, m) = match rest.len() {
                        2 => (num(pos + 1..pos + 3, "bad offset")?, 0),
                        4 => (num(pos + 1..pos + 3, "bad offset")?, num(pos + 3..pos + 5, "bad offset")?),
                        5 if rest[2] == b':' => {
                            (num(pos + 1..pos + 3, "bad offset")?, num(pos + 4..pos + 6, "bad offset")?)
                        }
                        _ => return Err(fail("the offset must be Z, ±HH, ±HHMM or ±HH:MM")),
                    };
                    if h > 23 || m > 59 {
                        return Err(fail("the offset is out of range"));
                    }
                    let secs = (h * 3600 + m * 60) as i32;
                    offset_seconds = Some(if sign == b'-' { -secs } else { secs });
                }
                _ => return Err(fail("unexpected text after the time")),
            }
        }
        Ok(Self { raw: input.to_owned(), year, month, day, time, offset_seconds })
    }

    /// The text exactly as the API wrote it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The time of day, if the value has one.
    pub fn time(&self) -> Option<Time> {
        self.time
    }

    /// The offset from UTC in seconds (`Z` is 0), if the value has one.
    pub fn offset_seconds(&self) -> Option<i32> {
        self.offset_seconds
    }

    /// The instant, when the value has an offset; `None` for a date or a date-time without offset,
    /// whose time zone the API does not say (use [`to_system_time_at`](Self::to_system_time_at)).
    pub fn to_system_time(&self) -> Option<SystemTime> {
        self.offset_seconds.map(|o| self.to_system_time_at(o))
    }

    /// The instant, reading a value without offset as being at `default_offset_seconds` from UTC
    /// (a date alone is its midnight).
    pub fn to_system_time_at(&self, default_offset_seconds: i32) -> SystemTime {
        let offset = i64::from(self.offset_seconds.unwrap_or(default_offset_seconds));
        let t = self.time.unwrap_or(Time { hour: 0, minute: 0, second: 0, nanosecond: 0 });
        let secs = days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(t.hour) * 3600
            + i64::from(t.minute) * 60
            + i64::from(t.second)
            - offset;
        let nanos = Duration::from_nanos(u64::from(t.nanosecond));
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64) + nanos
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + nanos
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl FromStr for DateTime {
    type Err = ParseDateTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({})", self.raw)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        DateTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: &DateTime, default: i32) -> i64 {
        match d.to_system_time_at(default).duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        }
    }

    #[test]
    fn accepts_the_forms_the_api_uses() {
        for (input, offset, nanos) in [
            ("2024-01-31", None, None),
            ("2024-01-31T10:20", None, Some(0)),
            ("2024-01-31T10:20:30", None, Some(0)),
            ("2024-01-31T10:20:30.1234567", None, Some(123_456_700)),
            ("2024-01-31 10:20:30.5", None, Some(500_000_000)),
            ("2024-01-31T10:20:30Z", Some(0), Some(0)),
            ("2024-01-31T10:20:30.123Z", Some(0), Some(123_000_000)),
            ("2024-01-31T10:20:30+01:00", Some(3600), Some(0)),
            ("2024-01-31T10:20:30-0230", Some(-9000), Some(0)),
            ("2024-01-31T10:20:30+02", Some(7200), Some(0)),
        ] {
            let d = DateTime::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((d.year(), d.month(), d.day()), (2024, 1, 31), "{input}");
            assert_eq!(d.offset_seconds(), offset, "{input}");
            assert_eq!(d.time().map(|t| t.nanosecond), nanos, "{input}");
            assert_eq!(d.as_str(), input);
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for (input, why) in [
            ("", "YYYY-MM-DD"),
            ("31.01.2024", "YYYY-MM-DD"),
            ("2024-13-01", "month"),
            ("2023-02-29", "does not exist"),
            ("2024-01-31T25:00", "out of range"),
            ("2024-01-31X", "after the date"),
            ("2024-01-31T10:20:30+1", "offset"),
            ("2024-01-31T10:20:30.Z", "digits"),
            ("2024-01-31T10:20:30 junk", "after the time"),
        ] {
            let e = DateTime::parse(input).unwrap_err();
            assert!(e.to_string().contains(why), "{input}: {e}");
        }
        assert!(DateTime::parse("2024-02-29").is_ok());
    }

    #[test]
    fn converts_to_instants() {
        let d = DateTime::parse("1970-01-02T00:00:00+01:00").unwrap();
        assert_eq!(secs(&d, 0), 86_400 - 3600);
        let naive = DateTime::parse("2000-03-01").unwrap();
        assert!(naive.to_system_time().is_none());
        assert_eq!(secs(&naive, 0), 951_868_800);
        assert_eq!(secs(&naive, 3600), 951_868_800 - 3600);
        assert_eq!(secs(&DateTime::parse("1969-12-31T23:59:59Z").unwrap(), 0), -1);
        let utc = DateTime::parse("2024-01-31T10:20:30Z").unwrap();
        assert_eq!(
            utc.to_system_time().unwrap().duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_706_696_430
        );
    }

    #[test]
    fn serde_keeps_the_text() {
        let d: DateTime = serde_json::from_str(r#""2024-01-31T10:20:30.1234567""#).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""2024-01-31T10:20:30.1234567""#);
        let e = serde_json::from_str::<DateTime>(r#""yesterday""#).unwrap_err();
        assert!(e.to_string().contains("yesterday"), "{e}");
    }
}
