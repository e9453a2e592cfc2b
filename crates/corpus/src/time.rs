//! UTC calendar arithmetic and timestamp formatting (no dependencies).

use std::fmt;

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (days since 1970-01-01).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix milliseconds of a UTC date at midnight.
pub(crate) fn unix_ms(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400_000
}

/// Broken-down UTC time of unix milliseconds.
pub(crate) struct Parts {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub ms: u32,
}

pub(crate) fn parts(ms: i64) -> Parts {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let secs = (rem / 1000) as u32;
    Parts {
        y,
        mo,
        d,
        h: secs / 3600,
        mi: secs / 60 % 60,
        s: secs % 60,
        ms: (rem % 1000) as u32,
    }
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ` (what Codex writes in `timestamp`).
#[derive(Clone, Copy)]
pub(crate) struct Ts(pub i64);

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = parts(self.0);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            p.y, p.mo, p.d, p.h, p.mi, p.s, p.ms
        )
    }
}

/// `YYYY-MM-DD` of unix milliseconds (UTC).
pub(crate) fn day_key(ms: i64) -> String {
    let p = parts(ms);
    format!("{:04}-{:02}-{:02}", p.y, p.mo, p.d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_format() {
        for z in [-1000i64, 0, 1, 19_000, 20_412, 100_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        // 1795594870147 ms is the fixture's 2026-11-25T08:21:10.147Z.
        assert_eq!(
            Ts(1_795_594_870_147).to_string(),
            "2026-11-25T08:21:10.147Z"
        );
        assert_eq!(day_key(1_795_594_870_147), "2026-11-25");
        assert_eq!(unix_ms(2026, 11, 25), 1_795_564_800_000);
    }
}
