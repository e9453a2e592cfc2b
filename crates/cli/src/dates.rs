//! `--since`, `--until` and `--timezone`, shared by the commands that select by date; and the
//! one way warnings are printed.

use agentobs_codex::Warning;

/// Date range flags.
#[derive(clap::Args, Debug, Clone)]
pub struct DateArgs {
    /// First date to include (YYYY-MM-DD or YYYYMMDD, in --timezone).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Last date to include (inclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// IANA time zone for days, weeks, months and dates (default: the system's).
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
}

/// The resolved range and zone.
pub struct Dates {
    pub since: Option<jiff::civil::Date>,
    pub until: Option<jiff::civil::Date>,
    pub timezone: jiff::tz::TimeZone,
}

impl DateArgs {
    /// Parses the flags; an error message for a bad date or zone.
    pub fn resolve(&self) -> Result<Dates, String> {
        let since = self.since.as_deref().map(date).transpose()?;
        let until = self.until.as_deref().map(date).transpose()?;
        let timezone = match &self.timezone {
            Some(tz) => agentobs_report::time_zone(tz).map_err(|e| e.to_string())?,
            None => agentobs_report::system_time_zone(),
        };
        Ok(Dates {
            since,
            until,
            timezone,
        })
    }
}

/// A date as `YYYY-MM-DD` or `YYYYMMDD`.
fn date(s: &str) -> Result<jiff::civil::Date, String> {
    let norm = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])
    } else {
        s.to_owned()
    };
    norm.parse::<jiff::civil::Date>()
        .map_err(|e| format!("bad date {s:?}: {e}"))
}

/// Prints a warning (or a notice) on stderr; counts warnings, not notices.
pub fn print_warning(w: &Warning, warnings: &mut u64) {
    let label = if w.is_notice() {
        "notice"
    } else {
        *warnings += 1;
        "warning"
    };
    eprintln!("{label}: {w}");
}
