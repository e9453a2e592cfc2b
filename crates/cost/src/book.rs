//! The price book: loading, overlaying and model lookup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use agentobs_schema::TokenUsage;
use serde::Deserialize;

use crate::error::PriceError;
use crate::model::{CostBreakdown, ModelPrice, ServiceTier};
use crate::{PRICE_BOOK_ENV, litellm, normalise};

/// The embedded snapshot, USD per 1M tokens.
const SNAPSHOT_TOML: &str = include_str!("../prices/snapshot.toml");
/// The origin reported for errors in the embedded snapshot.
const SNAPSHOT_ORIGIN: &str = "<embedded>/crates/cost/prices/snapshot.toml";

/// Model prices by key, plus aliases, with the date and source of the prices.
///
/// Keys are kept sorted. See [`resolve`](Self::resolve) for how a model name finds its key.
#[derive(Clone, Debug, Default)]
pub struct PriceBook {
    models: BTreeMap<String, ModelPrice>,
    aliases: BTreeMap<String, String>,
    snapshot_date: String,
    source: String,
    skipped: usize,
}

/// A model name resolved to a price-book entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resolved<'a> {
    /// The price-book key that matched.
    pub key: &'a str,
    /// Its price.
    pub price: &'a ModelPrice,
    /// True when the name was not itself a key: a normalisation step or an alias matched.
    pub normalised: bool,
}

/// Our TOML file format. Prices are USD per 1M tokens.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlBook {
    #[serde(default)]
    snapshot_date: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    models: BTreeMap<String, ModelPrice>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

fn invalid(origin: &str, message: String) -> PriceError {
    PriceError::Invalid {
        path: PathBuf::from(origin),
        message,
    }
}

impl PriceBook {
    /// The price book compiled into the crate (`prices/snapshot.toml`), parsed once.
    pub fn embedded() -> PriceBook {
        static BOOK: OnceLock<PriceBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            PriceBook::from_toml_str(SNAPSHOT_TOML, SNAPSHOT_ORIGIN)
                .unwrap_or_else(|e| panic!("embedded price book is invalid: {e}"))
        })
        .clone()
    }

    /// The embedded book, overlaid with the file named by [`PRICE_BOOK_ENV`] when that
    /// variable is set and not empty (see [`load_file`](Self::load_file) for the formats).
    pub fn from_env() -> Result<PriceBook, PriceError> {
        let mut book = PriceBook::embedded();
        if let Some(path) = std::env::var_os(PRICE_BOOK_ENV).filter(|p| !p.is_empty()) {
            book.overlay(PriceBook::load_file(Path::new(&path))?);
        }
        Ok(book)
    }

    /// A book with no prices: every model is unknown.
    pub fn empty() -> PriceBook {
        PriceBook::default()
    }

    /// The date of the prices (`YYYY-MM-DD`), empty when the source did not say.
    pub fn snapshot_date(&self) -> &str {
        &self.snapshot_date
    }

    /// Where the prices come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many LiteLLM entries were skipped because they have no per-token input and output
    /// cost (`sample_spec`, image models, …).
    pub fn skipped_entries(&self) -> usize {
        self.skipped
    }

    /// Every long-context threshold of the book, with its model.
    pub fn long_context_thresholds(&self) -> impl Iterator<Item = (&str, u64)> {
        self.models.iter().filter_map(|(name, p)| {
            p.long_context
                .as_ref()
                .map(|lc| (name.as_str(), lc.threshold_tokens))
        })
    }

    /// Number of priced models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when no model is priced.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Parses our TOML format. `origin` names the text in errors (usually its path).
    ///
    /// ```toml
    /// snapshot_date = "2026-11-25"   # optional
    /// source = "where the numbers come from"   # optional, defaults to origin
    /// [models."gpt-5.4"]             # USD per 1M tokens
    /// input = 2.50
    /// cached_input = 0.25            # optional, default: input
    /// cache_write = 3.75             # optional, default: input
    /// cache_write_1h = 5.00          # one-hour cache writes, optional, default: cache_write
    /// output = 15.00
    /// context_window = 1050000       # optional
    /// long_context = { threshold_tokens = 272000, input = 5.00, cached_input = 0.50, output = 22.50 }
    /// priority = { input = 5.0, cached_input = 0.5, output = 30.0 }   # also flex, batch
    /// [aliases]
    /// "some-label" = "gpt-5.4"
    /// ```
    ///
    /// Unknown fields, negative or non-finite prices and empty alias names are errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<PriceBook, PriceError> {
        let raw: TomlBook = toml::from_str(text).map_err(|source| PriceError::Toml {
            path: PathBuf::from(origin),
            source,
        })?;
        let mut models = BTreeMap::new();
        for (key, per_million) in raw.models {
            per_million.validate(&key).map_err(|m| invalid(origin, m))?;
            models.insert(key, per_million.divided_by(1_000_000.0));
        }
        for (alias, target) in &raw.aliases {
            if alias.trim().is_empty() || target.trim().is_empty() {
                return Err(invalid(
                    origin,
                    format!("alias {alias:?} = {target:?}: names must not be empty"),
                ));
            }
            if models.contains_key(alias) {
                return Err(invalid(
                    origin,
                    format!("alias {alias:?} is also a model key"),
                ));
            }
        }
        Ok(PriceBook {
            models,
            aliases: raw.aliases,
            snapshot_date: raw.snapshot_date.unwrap_or_default(),
            source: raw.source.unwrap_or_else(|| origin.to_owned()),
            skipped: 0,
        })
    }

    /// Parses LiteLLM's `model_prices_and_context_window.json` shape (USD per token).
    ///
    /// Read per entry: `input_cost_per_token`, `output_cost_per_token`,
    /// `cache_read_input_token_cost`, `cache_creation_input_token_cost`, the
    /// `*_above_128k_tokens` / `*_above_200k_tokens` / `*_above_272k_tokens` long-context keys
    /// (the lowest threshold present wins), the `*_priority`, `*_flex` and `*_batches` keys,
    /// and `max_input_tokens`. A tier key that is missing falls back to the standard key of
    /// the same kind. Entries without an input and an output cost per token are skipped and
    /// counted ([`skipped_entries`](Self::skipped_entries)).
    pub fn from_litellm_json_str(text: &str, origin: &str) -> Result<PriceBook, PriceError> {
        let (models, skipped) = litellm::parse(text, origin)?;
        Ok(PriceBook {
            models,
            aliases: BTreeMap::new(),
            snapshot_date: String::new(),
            source: format!("LiteLLM JSON {origin}"),
            skipped,
        })
    }

    /// Loads a file: LiteLLM JSON when the extension is `.json` (any case), else our TOML.
    pub fn load_file(path: &Path) -> Result<PriceBook, PriceError> {
        let text = std::fs::read_to_string(path).map_err(|source| PriceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            PriceBook::from_litellm_json_str(&text, &origin)
        } else {
            PriceBook::from_toml_str(&text, &origin)
        }
    }

    /// Adds `other`'s entries to this book; on the same key, `other`'s model or alias
    /// replaces ours (a model key and an alias of the same name replace each other).
    /// `other`'s snapshot date replaces ours when it has one; the sources are joined.
    pub fn overlay(&mut self, other: PriceBook) {
        for (key, price) in other.models {
            self.aliases.remove(&key);
            self.models.insert(key, price);
        }
        for (alias, target) in other.aliases {
            self.models.remove(&alias);
            self.aliases.insert(alias, target);
        }
        if !other.snapshot_date.is_empty() {
            self.snapshot_date = other.snapshot_date;
        }
        if self.source.is_empty() {
            self.source = other.source;
        } else if !other.source.is_empty() {
            self.source = format!("{}; overlaid with {}", self.source, other.source);
        }
        self.skipped = self.skipped.saturating_add(other.skipped);
    }

    /// Finds the price-book entry for a model name.
    ///
    /// The exact name is tried first, then each normalisation step in order, each result
    /// tried as an exact key and then as an alias (one hop, to an exact key):
    /// 1. lowercase and trim;
    /// 2. strip a provider prefix up to the last `/` (`openai/`, `openrouter/openai/`, …);
    /// 3. for `claude…` names, dotted versions to dashes (`claude-sonnet-4.5` →
    ///    `claude-sonnet-4-5`);
    /// 4. strip a trailing `-YYYY-MM-DD` or `-YYYYMMDD` date.
    ///
    /// There is no fuzzy or prefix matching: `o3` never finds `o3-mini`, and a first-party
    /// name never finds a regional Bedrock key such as `us.anthropic.…`.
    ///
    /// ```
    /// use agentobs_cost::PriceBook;
    /// let book = PriceBook::embedded();
    /// let r = book.resolve("openai/gpt-4.1-2025-04-14").unwrap();
    /// assert_eq!((r.key, r.normalised), ("gpt-4.1", true));
    /// assert!(book.resolve("codex-mini-latest").is_none());
    /// ```
    pub fn resolve(&self, model: &str) -> Option<Resolved<'_>> {
        if let Some((key, price)) = self.models.get_key_value(model) {
            return Some(Resolved {
                key,
                price,
                normalised: false,
            });
        }
        let lookup = |name: &str| {
            self.models.get_key_value(name).or_else(|| {
                self.aliases
                    .get(name)
                    .and_then(|target| self.models.get_key_value(target.as_str()))
            })
        };
        std::iter::once(model.to_owned())
            .chain(normalise::candidates(model))
            .find_map(|name| lookup(&name))
            .map(|(key, price)| Resolved {
                key,
                price,
                normalised: key != model,
            })
    }

    /// Every priced model, sorted by key.
    pub fn models(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Every alias and its target key, sorted by alias.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &str)> {
        self.aliases.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The cost of `usage` on `model` as one request whose prompt had `prompt_tokens` tokens
    /// (normally `usage.input_tokens` of that request), on service tier `tier`.
    ///
    /// `None` when the model is unknown: an unpriced model is never $0. The formula is
    /// `(input − cached − cache_write)·p_in + cached·p_cached + cache_write·p_write +
    /// output·p_out`; see [`ModelPrice::cost`] for how the rates are chosen.
    ///
    /// ```
    /// use agentobs_cost::{PriceBook, ServiceTier};
    /// use agentobs_schema::TokenUsage;
    ///
    /// let book = PriceBook::embedded();
    /// // gpt-5: $1.25 in, $0.125 cached, $10 out per 1M tokens.
    /// let usage = TokenUsage { input_tokens: 10_000, cached_input_tokens: 8_000,
    ///                          output_tokens: 1_000, reasoning_output_tokens: 600,
    ///                          ..TokenUsage::default() };
    /// let cost = book.price("gpt-5", &usage, usage.input_tokens, ServiceTier::Standard).unwrap();
    /// // 2000·1.25e-6 + 8000·0.125e-6 + 1000·10e-6 = 0.0025 + 0.001 + 0.01
    /// assert!((cost.total_usd() - 0.0135).abs() < 1e-12);
    /// assert!(book.price("gpt-5.9", &usage, 10_000, ServiceTier::Standard).is_none());
    /// ```
    pub fn price(
        &self,
        model: &str,
        usage: &TokenUsage,
        prompt_tokens: u64,
        tier: ServiceTier,
    ) -> Option<CostBreakdown> {
        self.resolve(model)
            .map(|r| r.price.cost(usage, prompt_tokens, tier))
    }
}
