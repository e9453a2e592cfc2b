//! Timestamps for the generated files, through the schema's `Timestamp` (RFC 3339, UTC, ms).

use std::fmt;

use agentobs_schema::Timestamp;

/// Unix milliseconds of a UTC date at midnight.
pub(crate) fn unix_ms(y: i64, m: u32, d: u32) -> i64 {
    Timestamp::parse_rfc3339(&format!("{y:04}-{m:02}-{d:02}T00:00:00Z"))
        .expect("a valid calendar date")
        .unix_millis()
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ` (what Codex writes in `timestamp`).
#[derive(Clone, Copy)]
pub(crate) struct Ts(pub i64);

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Timestamp::from_unix_millis(self.0), f)
    }
}

/// `YYYY-MM-DD` of unix milliseconds (UTC).
pub(crate) fn day_key(ms: i64) -> String {
    let mut s = Ts(ms).to_string();
    s.truncate(10);
    s
}

/// `(YYYY/MM/DD, YYYY-MM-DDThh-mm-ss)`: Codex's folder and file-name forms of a time.
pub(crate) fn path_parts(ms: i64) -> (String, String) {
    let s = Ts(ms).to_string(); // 2026-11-25T08:21:10.147Z
    (s[..10].replace('-', "/"), s[..19].replace(':', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 1795594870147 ms is the fixture's 2026-11-25T08:21:10.147Z.
        assert_eq!(
            Ts(1_795_594_870_147).to_string(),
            "2026-11-25T08:21:10.147Z"
        );
        assert_eq!(day_key(1_795_594_870_147), "2026-11-25");
        assert_eq!(unix_ms(2026, 11, 25), 1_795_564_800_000);
        assert_eq!(
            path_parts(1_795_594_870_147),
            ("2026/11/25".to_owned(), "2026-11-25T08-21-10".to_owned())
        );
    }
}
