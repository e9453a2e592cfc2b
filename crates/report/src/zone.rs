//! Time zones by IANA name, without scanning the whole zoneinfo tree.
//!
//! A name is read straight from its TZif file under `$TZDIR` (else `/usr/share/zoneinfo`);
//! only when that fails does it go to jiff's database, which lists every zone on first use
//! (a few milliseconds: most of a cached report run).

use std::path::PathBuf;

use jiff::tz::TimeZone;

fn zoneinfo_dir() -> PathBuf {
    std::env::var_os("TZDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/usr/share/zoneinfo"), PathBuf::from)
}

fn plausible(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name
            .split('/')
            .any(|p| p == ".." || p == "." || p.is_empty())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
}

fn from_file(name: &str) -> Option<TimeZone> {
    if !plausible(name) {
        return None;
    }
    let bytes = std::fs::read(zoneinfo_dir().join(name)).ok()?;
    TimeZone::tzif(name, &bytes).ok()
}

/// The time zone named `name` (IANA, e.g. `Europe/Paris`; `UTC`).
pub fn time_zone(name: &str) -> Result<TimeZone, crate::OptionError> {
    if matches!(name, "UTC" | "Etc/UTC" | "utc" | "Z" | "Etc/Zulu" | "Zulu") {
        return Ok(TimeZone::UTC);
    }
    if let Some(tz) = from_file(name) {
        return Ok(tz);
    }
    TimeZone::get(name).map_err(|source| crate::OptionError::TimeZone {
        name: name.to_owned(),
        source,
    })
}

/// The system's time zone: `$TZ`, else `/etc/localtime`, else UTC.
pub fn system_time_zone() -> TimeZone {
    if let Some(tz) = std::env::var("TZ").ok().filter(|t| !t.is_empty()) {
        let name = tz.trim_start_matches(':');
        if let Ok(t) = time_zone(name) {
            return t;
        }
    }
    let link = std::fs::read_link("/etc/localtime").ok();
    if let Some(name) = link
        .as_ref()
        .and_then(|l| l.to_str())
        .and_then(|l| l.split_once("zoneinfo/").map(|(_, n)| n.to_owned()))
        && let Ok(t) = time_zone(&name)
    {
        return t;
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(time_zone("UTC").unwrap(), TimeZone::UTC);
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(!plausible("../etc/passwd"));
        assert!(plausible("America/Argentina/Buenos_Aires"));
        if let Ok(t) = time_zone("Asia/Kolkata") {
            let at = jiff::Timestamp::from_second(0).unwrap().to_zoned(t);
            assert_eq!(at.offset().seconds(), 19_800);
        }
    }
}
