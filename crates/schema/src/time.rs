//! Timestamps: milliseconds since the Unix epoch, written as RFC 3339 UTC.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with millisecond precision, UTC.
///
/// Serialized as `YYYY-MM-DDThh:mm:ss.mmmZ`, the form Codex writes in rollouts and OTLP.
///
/// ```
/// use agentobs_schema::Timestamp;
/// let t = Timestamp::parse_rfc3339("2026-11-25T08:21:10.485Z").unwrap();
/// assert_eq!(t.to_string(), "2026-11-25T08:21:10.485Z");
/// assert_eq!(t.unix_millis(), 1_795_594_870_485);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// Why a timestamp string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp {input:?}")]
pub struct TimestampError {
    /// The text that was rejected (truncated to 64 bytes).
    pub input: String,
}

impl Timestamp {
    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// The current time (the Unix epoch if the clock is set before it).
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self(ms)
    }

    /// As a `SystemTime`; times before the Unix epoch become the epoch.
    pub fn to_system_time(self) -> std::time::SystemTime {
        let ms = u64::try_from(self.0).unwrap_or(0);
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)
    }

    /// Parses RFC 3339 (`2026-11-25T08:21:10.485Z`, `…+02:00`, any number of fraction digits,
    /// `t`/space separator). Fractions beyond milliseconds are truncated.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        parse(s.as_bytes()).ok_or_else(|| TimestampError {
            input: s.chars().take(64).collect(),
        })
    }

    /// Like [`parse_rfc3339`](Self::parse_rfc3339), from bytes (no UTF-8 check needed: any
    /// non-ASCII byte is simply not a valid timestamp).
    pub fn parse_rfc3339_bytes(s: &[u8]) -> Result<Self, TimestampError> {
        parse(s).ok_or_else(|| TimestampError {
            input: String::from_utf8_lossy(&s[..s.len().min(64)]).into_owned(),
        })
    }

    /// Milliseconds between `self` and an earlier `other` (negative when `other` is later).
    pub fn millis_since(self, other: Timestamp) -> i64 {
        self.0.saturating_sub(other.0)
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn parse(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let min = digits(&b[14..16])?;
    let sec = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut m = 0i64;
        for i in 0..3 {
            m = m * 10
                + frac
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| i64::from(c - b'0'));
        }
        millis = m;
        rest = &frac[n..];
    }
    let offset_secs = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3600 + m * 60;
            if *sign == b'+' { s } else { -s }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
    Some(Timestamp(secs * 1000 + millis))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_codex_forms() {
        let t = Timestamp::parse_rfc3339("1970-01-01T00:00:00Z").unwrap();
        assert_eq!(t.unix_millis(), 0);
        let t = Timestamp::parse_rfc3339("2026-11-25T10:21:10.4859+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-25T08:21:10.485Z");
        assert!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("2026-11-25T08:21:10.Z").is_err());
        assert!(Timestamp::parse_rfc3339("garbage").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(ms in -62_135_596_800_000i64..253_402_300_799_999i64) {
            let t = Timestamp::from_unix_millis(ms);
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
        }
    }
}
