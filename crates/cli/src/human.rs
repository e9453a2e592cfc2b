//! One readable line per event.

use std::fmt::Write;

use agentobs_schema::{Event, EventKind, Redacted};

fn short(id: Option<&str>) -> &str {
    id.map_or("-", |s| &s[..s.len().min(8)])
}

fn content(r: &Redacted<String>) -> String {
    match r.value() {
        Some(v) => {
            let one_line: String = v
                .chars()
                .take(80)
                .map(|c| if c == '\n' { ' ' } else { c })
                .collect();
            format!("{one_line:?}")
        }
        None => format!("<{} chars>", r.len()),
    }
}

/// Formats one event as a single line.
pub fn line(e: &Event) -> String {
    let mut s = format!(
        "{} {} {:<15}",
        e.at,
        short(e.ctx.thread_or_session_id()),
        e.kind.type_name()
    );
    let _ = match &e.kind {
        EventKind::SessionStarted(x) => write!(
            s,
            " provider={} approval={} sandbox={} model={}{}",
            x.provider.as_deref().unwrap_or("-"),
            x.approval_policy.as_deref().unwrap_or("-"),
            x.sandbox_policy.as_deref().unwrap_or("-"),
            e.ctx.model.as_deref().unwrap_or("-"),
            e.ctx
                .parent_thread_id
                .as_deref()
                .or(e.ctx.forked_from_id.as_deref())
                .map(|p| format!(" parent={}", short(Some(p))))
                .unwrap_or_default()
        ),
        EventKind::TurnStarted(x) => write!(
            s,
            " turn={} trigger={}",
            short(x.turn_id.as_deref()),
            x.trigger.as_deref().unwrap_or("-")
        ),
        EventKind::TurnCompleted(x) => write!(
            s,
            " turn={} duration={}ms{}{}",
            short(x.turn_id.as_deref()),
            x.duration_ms.map_or("-".into(), |d| d.to_string()),
            x.error
                .as_ref()
                .map(|k| format!(" error={k}"))
                .unwrap_or_default(),
            x.aborted
                .as_ref()
                .map(|k| format!(" aborted={k}"))
                .unwrap_or_default()
        ),
        EventKind::UserPrompt(x) => write!(s, " length={} text={}", x.length, content(&x.text)),
        EventKind::TokenUsage(x) => write!(
            s,
            " model={}{} input={} cached={} output={} reasoning={}",
            e.ctx.model.as_deref().unwrap_or("-"),
            if e.ctx.model_inferred {
                "(inferred)"
            } else {
                ""
            },
            x.usage.input_tokens,
            x.usage.cached_input_tokens,
            x.usage.output_tokens,
            x.usage.reasoning_output_tokens
        ),
        EventKind::ToolResult(x) => write!(
            s,
            " tool={} call={} success={} exit={} duration={}ms{} args={} output={}",
            x.tool,
            x.call_id.as_deref().unwrap_or("-"),
            x.success.map_or("?".into(), |b| b.to_string()),
            x.exit_code.map_or("-".into(), |c| c.to_string()),
            x.duration_ms.map_or("-".into(), |d| d.to_string()),
            x.reported_success
                .map(|b| format!(" reported_success={b}"))
                .unwrap_or_default(),
            content(&x.arguments),
            content(&x.output)
        ),
        EventKind::ToolDecision(x) => write!(
            s,
            " tool={} decision={} source={}",
            x.tool,
            x.decision,
            x.source.as_ref().map_or("-".into(), |v| v.to_string())
        ),
        EventKind::Error(x) => write!(
            s,
            " kind={} message={:?}",
            x.kind.as_ref().map_or("-".into(), |k| k.to_string()),
            x.message
        ),
        EventKind::GuardianReview(x) => write!(
            s,
            " decision={} risk={} reviewed_turn={}",
            x.decision,
            x.risk_level.as_deref().unwrap_or("-"),
            short(x.reviewed_turn_id.as_deref())
        ),
        EventKind::Compaction(x) => write!(
            s,
            " summary={}",
            x.summary.as_ref().map_or("-".into(), content)
        ),
        EventKind::RateLimits(x) => write!(
            s,
            " primary={} secondary={}",
            x.primary
                .as_ref()
                .map_or("-".into(), |w| format!("{:.1}%", w.used_percent)),
            x.secondary
                .as_ref()
                .map_or("-".into(), |w| format!("{:.1}%", w.used_percent))
        ),
        EventKind::Other(x) => write!(s, " name={} attributes={}", x.name, x.attributes.len()),
        _ => Ok(()),
    };
    s.trim_end().to_owned()
}
