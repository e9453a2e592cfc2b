//! Price-book and service-tier flags shared by the commands that price requests.

use std::path::{Path, PathBuf};

use agentobs_codex::CodexConfig;
use agentobs_cost::{PriceBook, ServiceTier};

/// `--price-book` and `--service-tier`.
#[derive(clap::Args, Debug, Clone)]
pub struct PricingArgs {
    /// Price-book override: TOML, or LiteLLM JSON (`.json`). Also $AGENTOBS_PRICE_BOOK.
    #[arg(long, value_name = "FILE")]
    pub price_book: Option<PathBuf>,
    /// Service tier when neither the session nor Codex's config.toml says: auto (standard),
    /// standard, priority, flex or batch.
    #[arg(long, value_name = "TIER", default_value = "auto")]
    pub service_tier: String,
}

impl PricingArgs {
    /// The book (embedded, overlaid by the override file) and the default tier of a request
    /// whose session names none: Codex's config.toml in one of `roots`, else the flag.
    pub fn resolve(&self, roots: &[PathBuf]) -> Result<(PriceBook, Option<ServiceTier>), String> {
        let mut book = PriceBook::embedded();
        let override_path = self.price_book.clone().or_else(|| {
            std::env::var_os(agentobs_cost::PRICE_BOOK_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        if let Some(p) = override_path {
            book.overlay(PriceBook::load_file(&p).map_err(|e| e.to_string())?);
        }
        let flag = match self.service_tier.as_str() {
            "auto" => None,
            t => Some(t.parse::<ServiceTier>().map_err(|_| {
                format!("unknown service tier {t:?} (auto, standard, priority, flex, batch)")
            })?),
        };
        Ok((book, configured_tier(roots).or(flag)))
    }
}

/// The service tier Codex's config.toml sets in one of `roots` (rollouts don't record it).
fn configured_tier(roots: &[PathBuf]) -> Option<ServiceTier> {
    roots
        .iter()
        .filter_map(|h| CodexConfig::load(Path::new(h)).ok())
        .find_map(|c| c.service_tier)
        .and_then(|t| t.parse::<ServiceTier>().ok())
}
