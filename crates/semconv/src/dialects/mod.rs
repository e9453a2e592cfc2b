//! The dialects this crate ships: [`Codex`], [`GenAi`] (v1.41 and latest) and
//! [`OpenInference`]. `docs/mapping.md` has the table of what each records for each event.

mod codex;
mod common;
mod genai;
mod openinference;

pub use codex::Codex;
pub use common::{agent_name, conversation_id, genai_provider, openinference_provider};
pub use genai::{GenAi, GenAiVersion};
pub use openinference::OpenInference;

use crate::Dialect;

/// The dialect named `name` (`codex`, `genai`, `genai-latest`, `openinference`), boxed.
///
/// `genai` follows v1.41 unless `OTEL_SEMCONV_STABILITY_OPT_IN` lists
/// `gen_ai_latest_experimental` (the ecosystem's switch), then it is `genai-latest`.
/// `stability_opt_in` is that variable's value, passed in so the choice stays testable.
pub fn by_name(name: &str, stability_opt_in: Option<&str>) -> Option<Box<dyn Dialect + Send>> {
    let latest = stability_opt_in.is_some_and(|v| {
        v.split(',')
            .any(|s| s.trim() == crate::keys::genai_latest::STABILITY_OPT_IN)
    });
    Some(match name {
        "codex" => Box::new(Codex::new()),
        "genai" if latest => Box::new(GenAi::latest()),
        "genai" => Box::new(GenAi::v1_41()),
        "genai-latest" => Box::new(GenAi::latest()),
        "openinference" => Box::new(OpenInference::new()),
        _ => return None,
    })
}

/// The names [`by_name`] knows.
pub const NAMES: [&str; 4] = ["codex", "genai", "genai-latest", "openinference"];
