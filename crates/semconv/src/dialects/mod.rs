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

/// A dialect with its resources amended: `service.name` replaced, attributes added (what
/// `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` ask for). Everything else is the inner
/// dialect's.
#[derive(Debug)]
pub struct WithResource<D> {
    inner: D,
    service_name: Option<String>,
    extra: Vec<(String, String)>,
}

impl<D: Dialect> WithResource<D> {
    /// `inner` with `service_name` (when `Some`) and the `extra` attributes on every resource.
    /// An extra `service.name` counts only when `service_name` is `None`.
    pub fn new(inner: D, service_name: Option<String>, extra: Vec<(String, String)>) -> Self {
        WithResource {
            inner,
            service_name,
            extra,
        }
    }
}

impl<D: Dialect> Dialect for WithResource<D> {
    fn map(&self, event: &agentobs_schema::Event, cx: &mut crate::MapContext<'_>) {
        self.inner.map(event, cx)
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn scope(&self) -> crate::InstrumentationScope {
        self.inner.scope()
    }
    fn resource(&self, ctx: &agentobs_schema::SessionContext) -> crate::Resource {
        let mut r = self.inner.resource(ctx);
        for (k, v) in &self.extra {
            r.attributes.set(k.clone(), v.clone());
        }
        if let Some(s) = &self.service_name {
            r.attributes
                .set(crate::keys::resource::SERVICE_NAME, s.clone());
        }
        r
    }
    fn temporality(&self) -> crate::Temporality {
        self.inner.temporality()
    }
    fn open_turn(&self, cx: &mut crate::MapContext<'_>) {
        self.inner.open_turn(cx)
    }
    fn close_turn(&self, turn: &crate::TurnState, cx: &mut crate::MapContext<'_>) {
        self.inner.close_turn(turn, cx)
    }
    fn close_session(&self, cx: &mut crate::MapContext<'_>) {
        self.inner.close_session(cx)
    }
}
