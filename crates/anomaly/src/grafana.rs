//! Grafana dashboards over the dialects' metrics in Prometheus: one dashboard per dialect,
//! names translated as [`prometheus`](crate::prometheus) translates them.
//!
//! Each dashboard has a `${datasource}` Prometheus data-source variable, `job` (the
//! session's `service.name`) and, where the metrics carry one, `model`; rows for the
//! overview (sessions, tokens, cost, tool calls and failures, failed requests, critical
//! alerts), tokens (by model, type and job), cost (by model and job, from the
//! `agentobs.cost.usd` counter: priced requests only), tools (calls, failures and p95 by
//! tool), latency (p50 and p95 of model requests and turns) and alerts (by rule and
//! severity). Like the rules, the queries read `max_over_time` of each session's series over
//! the dashboard's range, since a session's series may be written once, at its end.
//!
//! No dialect records the developer or the repository on its metrics, so the dashboards have
//! no developer or repository panels; `agentobs report` has those.
//!
//! ```
//! use agentobs_anomaly::grafana::dashboard;
//! use agentobs_anomaly::prometheus::{DialectMetrics, TranslationStrategy};
//!
//! let m = DialectMetrics::for_dialect("codex").unwrap();
//! let d = dashboard(&m, TranslationStrategy::default()).unwrap();
//! assert_eq!(d["schemaVersion"], 39);
//! assert_eq!(d["templating"]["list"][0]["name"], "datasource");
//! ```

use serde_json::{Value, json};

use agentobs_semconv::keys::agentobs as ao;

use crate::prometheus::{
    DialectMetrics, Latency, Matcher, Part, PromQl, PrometheusError, Series, TranslationStrategy,
};

/// The Grafana dashboard schema version written.
pub const SCHEMA_VERSION: u32 = 39;

/// The data source of every panel: the `${datasource}` variable.
fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

/// Panels laid out left to right, top to bottom, on Grafana's 24-column grid.
#[derive(Debug, Default)]
struct Layout {
    panels: Vec<Value>,
    id: u64,
    x: u64,
    y: u64,
    row_height: u64,
}

/// One query of a panel.
#[derive(Debug)]
struct Target {
    expr: String,
    legend: String,
    instant: bool,
}

impl Target {
    fn instant(expr: String, legend: &str) -> Self {
        Target {
            expr,
            legend: legend.to_owned(),
            instant: true,
        }
    }

    fn range(expr: String, legend: &str) -> Self {
        Target {
            expr,
            legend: legend.to_owned(),
            instant: false,
        }
    }
}

impl Layout {
    fn next_id(&mut self) -> u64 {
        self.id += 1;
        self.id
    }

    fn row(&mut self, title: &str) {
        if self.x > 0 {
            self.y += self.row_height;
        }
        let id = self.next_id();
        self.panels.push(json!({
            "type": "row",
            "id": id,
            "title": title,
            "collapsed": false,
            "gridPos": { "x": 0, "y": self.y, "w": 24, "h": 1 },
            "panels": [],
        }));
        self.y += 1;
        self.x = 0;
        self.row_height = 0;
    }

    fn place(&mut self, w: u64, h: u64) -> Value {
        if self.x + w > 24 {
            self.y += self.row_height;
            self.x = 0;
            self.row_height = 0;
        }
        let pos = json!({ "x": self.x, "y": self.y, "w": w, "h": h });
        self.x += w;
        self.row_height = self.row_height.max(h);
        pos
    }

    fn panel(&mut self, kind: &str, title: &str, unit: &str, targets: Vec<Target>, w: u64) {
        let h = if kind == "stat" { 4 } else { 8 };
        let grid = self.place(w, h);
        let id = self.next_id();
        let targets: Vec<Value> = targets
            .iter()
            .zip(b'A'..)
            .map(|(t, r)| {
                json!({
                    "datasource": datasource(),
                    "refId": (r as char).to_string(),
                    "expr": t.expr,
                    "legendFormat": t.legend,
                    "instant": t.instant,
                    "range": !t.instant,
                })
            })
            .collect();
        let mut options = json!({});
        if kind == "stat" || kind == "bargauge" {
            options = json!({
                "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
                "orientation": "horizontal",
            });
        }
        self.panels.push(json!({
            "type": kind,
            "id": id,
            "title": title,
            "datasource": datasource(),
            "gridPos": grid,
            "fieldConfig": { "defaults": { "unit": unit }, "overrides": [] },
            "options": options,
            "targets": targets,
        }));
    }

    fn text(&mut self, title: &str, markdown: &str) {
        let grid = self.place(24, 3);
        let id = self.next_id();
        self.panels.push(json!({
            "type": "text",
            "id": id,
            "title": title,
            "gridPos": grid,
            "options": { "mode": "markdown", "content": markdown },
        }));
    }
}

/// Writes one dialect's queries.
struct Queries<'a> {
    q: PromQl,
    m: &'a DialectMetrics,
}

const RANGE: &str = "$__range";
const STEP: &str = "$__rate_interval";

impl Queries<'_> {
    /// The variable matchers a series of this dialect can take.
    fn vars(&self, with_model: bool) -> Vec<Matcher> {
        let mut v = vec![Matcher::re("job", "$job")];
        if with_model && let Some(m) = self.m.model_label {
            v.push(Matcher::re(m, "$model"));
        }
        v
    }

    /// `sum by (by) (max_over_time(series{vars, extra}[range]))`.
    fn total(&self, s: &Series, extra: &[Matcher], by: &[&str], range: &str) -> String {
        let mut ms = self.vars(true);
        ms.extend_from_slice(extra);
        let by = self.q.by(&[], by);
        let inner = format!("max_over_time({}[{range}])", self.q.select(s, &ms));
        if by.is_empty() {
            format!("sum({inner})")
        } else {
            format!("sum by ({by}) ({inner})")
        }
    }

    fn tokens(&self, by: &[&str], range: &str) -> String {
        let parts: Vec<String> = self
            .m
            .tokens
            .iter()
            .map(|s| self.total(s, &[], by, range))
            .collect();
        if parts.len() > 1 {
            format!("({})", parts.join(" + "))
        } else {
            parts.join("")
        }
    }

    fn quantile(&self, q: f64, l: &Latency, by: &[&str], range: &str) -> String {
        let mut keys = vec!["le"];
        keys.extend_from_slice(by);
        let mut ms = self.vars(true);
        ms.extend_from_slice(&l.matchers);
        let s = Series {
            metric: l.metric,
            part: Part::Bucket,
            matchers: Vec::new(),
        };
        let by = self.q.by(&[], &keys);
        format!(
            "histogram_quantile({q}, sum by ({by}) (max_over_time({}[{range}])))",
            self.q.select(&s, &ms)
        )
    }

    fn alerts(&self, extra: &[Matcher], by: &[&str], range: &str) -> String {
        let s = Series {
            metric: self.m.alerts,
            part: Part::Value,
            matchers: Vec::new(),
        };
        let mut ms = self.vars(false);
        ms.extend_from_slice(extra);
        let inner = format!("max_over_time({}[{range}])", self.q.select(&s, &ms));
        let by = self.q.by(&[], by);
        if by.is_empty() {
            format!("sum({inner})")
        } else {
            format!("sum by ({by}) ({inner})")
        }
    }
}

fn unit_of(l: &Latency) -> &'static str {
    if l.per_ms == 1.0 { "ms" } else { "s" }
}

fn overview(p: &mut Layout, qs: &Queries<'_>) {
    let m = qs.m;
    p.row("Overview");
    if let Some(s) = &m.sessions {
        let e = format!(
            "count(count by (job, instance) (max_over_time({}[{RANGE}])))",
            qs.q.select(s, &qs.vars(true))
        );
        p.panel("stat", "Sessions", "short", vec![Target::instant(e, "")], 4);
    }
    if !m.tokens.is_empty() {
        let e = qs.tokens(&[], RANGE);
        p.panel(
            "stat",
            "Tokens (input + output)",
            "short",
            vec![Target::instant(e, "")],
            4,
        );
    }
    if let Some(c) = &m.cost {
        let e = qs.total(c, &[], &[], RANGE);
        p.panel(
            "stat",
            "Cost (priced requests)",
            "currencyUSD",
            vec![Target::instant(e, "")],
            4,
        );
    }
    if let Some(t) = &m.tool_calls {
        let all = qs.total(&t.all, &[], &[], RANGE);
        let failed = qs.total(&t.all, &[t.failed], &[], RANGE);
        p.panel(
            "stat",
            "Tool calls",
            "short",
            vec![Target::instant(all, "")],
            4,
        );
        p.panel(
            "stat",
            "Failed tool calls",
            "short",
            vec![Target::instant(failed, "")],
            4,
        );
    }
    if let Some(a) = &m.api_requests {
        let failed = qs.total(&a.all, &[a.failed], &[], RANGE);
        p.panel(
            "stat",
            "Failed model requests",
            "short",
            vec![Target::instant(failed, "")],
            4,
        );
    }
    let critical = [Matcher::eq(ao::ALERT_SEVERITY, "critical")];
    let e = qs.alerts(&critical, &[], RANGE);
    p.panel(
        "stat",
        "Critical alerts",
        "short",
        vec![Target::instant(e, "")],
        4,
    );
}

fn tokens(p: &mut Layout, qs: &Queries<'_>) {
    let m = qs.m;
    if m.tokens.is_empty() {
        return;
    }
    p.row("Tokens");
    if let Some(model) = m.model_label {
        let e = qs.tokens(&[model], RANGE);
        let legend = format!("{{{{{}}}}}", qs.q.label(model).trim_matches('"'));
        p.panel(
            "bargauge",
            "Tokens by model",
            "short",
            vec![Target::instant(e, &legend)],
            8,
        );
    }
    let by_type = match &m.token_types {
        Some((s, label)) => {
            let legend = format!("{{{{{}}}}}", qs.q.label(label).trim_matches('"'));
            vec![Target::instant(qs.total(s, &[], &[label], RANGE), &legend)]
        }
        None => m
            .tokens
            .iter()
            .map(|s| Target::instant(qs.total(s, &[], &[], RANGE), s.metric.name))
            .collect(),
    };
    p.panel("bargauge", "Tokens by type", "short", by_type, 8);
    let e = qs.tokens(&["job"], RANGE);
    p.panel(
        "bargauge",
        "Tokens by job (client)",
        "short",
        vec![Target::instant(e, "{{job}}")],
        8,
    );
    let e = qs.tokens(&[], STEP);
    p.panel(
        "timeseries",
        "Tokens of the sessions reporting",
        "short",
        vec![Target::range(e, "tokens")],
        24,
    );
}

fn cost(p: &mut Layout, qs: &Queries<'_>) {
    let m = qs.m;
    let Some(c) = &m.cost else { return };
    p.row("Cost");
    if let Some(model) = m.model_label {
        let legend = format!("{{{{{}}}}}", qs.q.label(model).trim_matches('"'));
        p.panel(
            "bargauge",
            "Cost by model",
            "currencyUSD",
            vec![Target::instant(qs.total(c, &[], &[model], RANGE), &legend)],
            12,
        );
    }
    p.panel(
        "bargauge",
        "Cost by job (client)",
        "currencyUSD",
        vec![Target::instant(
            qs.total(c, &[], &["job"], RANGE),
            "{{job}}",
        )],
        12,
    );
    p.text(
        "Cost, developers, repositories",
        "Cost is the `agentobs.cost.usd` counter: the priced model requests only (an unpriced \
         model adds nothing, never $0; the spans say `agentobs.cost.unpriced`). No dialect \
         records the developer or the repository on its metrics: `agentobs report` groups \
         tokens and cost by day, model, repository and session.",
    );
}

fn tools(p: &mut Layout, qs: &Queries<'_>) {
    let m = qs.m;
    let Some(t) = &m.tool_calls else { return };
    p.row("Tools");
    let by: Vec<&str> = m.tool_label.into_iter().collect();
    let legend = match m.tool_label {
        Some(l) => format!("{{{{{}}}}}", qs.q.label(l).trim_matches('"')),
        None => String::new(),
    };
    let all = qs.total(&t.all, &[], &by, RANGE);
    let failed = qs.total(&t.all, &[t.failed], &by, RANGE);
    p.panel(
        "bargauge",
        "Tool calls by tool",
        "short",
        vec![Target::instant(all, &legend)],
        8,
    );
    p.panel(
        "bargauge",
        "Failed tool calls by tool",
        "short",
        vec![Target::instant(failed, &legend)],
        8,
    );
    if let Some(l) = &m.tool_latency {
        let e = qs.quantile(0.95, l, &by, RANGE);
        p.panel(
            "bargauge",
            "Tool call p95 by tool",
            unit_of(l),
            vec![Target::instant(e, &legend)],
            8,
        );
    }
    let ratio = format!(
        "{} / clamp_min({}, 1)",
        qs.total(&t.all, &[t.failed], &[], STEP),
        qs.total(&t.all, &[], &[], STEP)
    );
    p.panel(
        "timeseries",
        "Tool failure ratio",
        "percentunit",
        vec![Target::range(ratio, "failed / all")],
        24,
    );
}

fn latency(p: &mut Layout, qs: &Queries<'_>) {
    let m = qs.m;
    if m.api_latency.is_none() && m.turn_latency.is_none() {
        return;
    }
    p.row("Latency");
    for (title, l) in [
        ("Model request latency", &m.api_latency),
        ("Turn duration", &m.turn_latency),
    ] {
        let Some(l) = l else { continue };
        let targets = vec![
            Target::range(qs.quantile(0.5, l, &[], STEP), "p50"),
            Target::range(qs.quantile(0.95, l, &[], STEP), "p95"),
        ];
        p.panel(
            "timeseries",
            &format!("{title} p50 / p95"),
            unit_of(l),
            targets,
            12,
        );
    }
    if let (Some(a), Some(l)) = (&m.api_requests, &m.api_latency) {
        let ratio = format!(
            "{} / clamp_min({}, 1)",
            qs.total(&a.all, &[a.failed], &[], STEP),
            qs.total(&a.all, &[], &[], STEP)
        );
        p.panel(
            "timeseries",
            "Failed model request ratio",
            "percentunit",
            vec![Target::range(ratio, "failed / all")],
            12,
        );
        let e = qs.quantile(0.95, l, &[], RANGE);
        p.panel(
            "stat",
            "Model request p95 (range)",
            unit_of(l),
            vec![Target::instant(e, "")],
            12,
        );
    }
}

fn alerts(p: &mut Layout, qs: &Queries<'_>) {
    p.row("Alerts");
    let rule = ao::ALERT_RULE;
    let legend = format!("{{{{{}}}}}", qs.q.label(rule).trim_matches('"'));
    let e = qs.alerts(&[], &[rule], RANGE);
    p.panel(
        "bargauge",
        "Alerts by rule",
        "short",
        vec![Target::instant(e, &legend)],
        12,
    );
    let sev = ao::ALERT_SEVERITY;
    let legend_sev = format!("{{{{{}}}}}", qs.q.label(sev).trim_matches('"'));
    let e = qs.alerts(&[], &[sev], RANGE);
    p.panel(
        "bargauge",
        "Alerts by severity",
        "short",
        vec![Target::instant(e, &legend_sev)],
        12,
    );
    let e = qs.alerts(&[], &[rule], STEP);
    p.panel(
        "timeseries",
        "Alerts of the sessions reporting, by rule",
        "short",
        vec![Target::range(e, &legend)],
        24,
    );
}

/// A `label_values` query variable.
fn variable(name: &str, label: &str, query: &str) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": "query",
        "datasource": datasource(),
        "query": query,
        "definition": query,
        "refresh": 2,
        "includeAll": true,
        "multi": true,
        "allValue": ".*",
        "current": { "selected": true, "text": ["All"], "value": ["$__all"] },
        "sort": 1,
        "hide": 0,
    })
}

/// The dashboard of one dialect, names translated by `strategy`.
pub fn dashboard(
    metrics: &DialectMetrics,
    strategy: TranslationStrategy,
) -> Result<Value, PrometheusError> {
    metrics.check(strategy)?;
    let qs = Queries {
        q: PromQl::new(strategy),
        m: metrics,
    };
    let mut p = Layout::default();
    overview(&mut p, &qs);
    tokens(&mut p, &qs);
    cost(&mut p, &qs);
    tools(&mut p, &qs);
    latency(&mut p, &qs);
    alerts(&mut p, &qs);

    let alerts = Series {
        metric: metrics.alerts,
        part: Part::Value,
        matchers: Vec::new(),
    };
    // Sessions, else the cost counter (every priced session has it), else the alerts.
    let anchor = metrics
        .sessions
        .as_ref()
        .or(metrics.cost.as_ref())
        .unwrap_or(&alerts);
    let mut vars = vec![
        json!({
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
            "refresh": 1,
            "regex": "",
            "includeAll": false,
            "multi": false,
        }),
        variable(
            "job",
            "Job",
            &format!("label_values({}, job)", qs.q.select(anchor, &[])),
        ),
    ];
    let model_anchor = metrics.sessions.as_ref().or(metrics.cost.as_ref());
    if let (Some(model), Some(s)) = (metrics.model_label, model_anchor) {
        let label = qs.q.label(model);
        vars.push(variable(
            "model",
            "Model",
            &format!("label_values({}, {label})", qs.q.select(s, &[])),
        ));
    }
    Ok(json!({
        "title": format!("agentobs — {} ({})", metrics.dialect, strategy),
        "uid": format!("agentobs-{}", metrics.dialect),
        "description": format!(
            "Coding-agent sessions as the agentobs {} dialect records them; metric names as \
             Prometheus's {} translation gives them.",
            metrics.dialect, strategy
        ),
        "tags": ["agentobs", metrics.dialect],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": true,
        "graphTooltip": 1,
        "time": { "from": "now-24h", "to": "now" },
        "refresh": "1m",
        "timezone": "",
        "annotations": { "list": [] },
        "links": [],
        "templating": { "list": vars },
        "panels": p.panels,
    }))
}

/// Every query of a dashboard (panels and variables), in order: for checking them against a
/// Prometheus.
pub fn queries(dashboard: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            if let Some(e) = t["expr"].as_str() {
                out.push(e.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(d: &str) -> Value {
        dashboard(
            &DialectMetrics::for_dialect(d).unwrap(),
            TranslationStrategy::default(),
        )
        .unwrap()
    }

    #[test]
    fn every_dialect_has_a_dashboard() {
        for d in DialectMetrics::NAMES {
            let b = board(d);
            assert_eq!(b["schemaVersion"], 39);
            assert_eq!(b["uid"], format!("agentobs-{d}"));
            let vars = b["templating"]["list"].as_array().unwrap();
            assert_eq!(vars[0]["type"], "datasource");
            assert_eq!(vars[0]["query"], "prometheus");
            for p in b["panels"].as_array().unwrap() {
                if p["type"] != "row" && p["type"] != "text" {
                    assert_eq!(p["datasource"]["uid"], "${datasource}");
                }
            }
            assert!(!queries(&b).is_empty());
        }
    }

    #[test]
    fn panels_and_variables() {
        let b = board("genai");
        let titles: Vec<&str> = b["panels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["title"].as_str())
            .collect();
        for t in [
            "Sessions",
            "Tokens by model",
            "Cost (priced requests)",
            "Cost by model",
            "Tool calls by tool",
            "Failed tool calls by tool",
            "Model request latency p50 / p95",
            "Alerts by rule",
        ] {
            assert!(titles.contains(&t), "{t}: {titles:?}");
        }
        let vars = b["templating"]["list"].as_array().unwrap();
        assert_eq!(vars[2]["name"], "model");
        assert_eq!(
            vars[2]["query"],
            "label_values(gen_ai_client_operation_duration_seconds_count\
             {gen_ai_operation_name=\"invoke_agent\"}, gen_ai_request_model)"
        );
        let q = queries(&b);
        assert!(
            q.iter()
                .any(|e| e.contains("histogram_quantile(0.95, sum by (le) (max_over_time(")),
            "{q:?}"
        );
        assert!(q.iter().all(|e| e.contains("job=~\"$job\"")), "{q:?}");
        assert!(
            q.contains(
                &"sum by (gen_ai_request_model) (max_over_time(agentobs_cost_usd_USD_total\
                  {job=~\"$job\", gen_ai_request_model=~\"$model\"}[$__range]))"
                    .to_owned()
            ),
            "{q:?}"
        );
        // Panels never overlap and stay on the grid.
        let mut cells = std::collections::HashSet::new();
        for p in b["panels"].as_array().unwrap() {
            let g = &p["gridPos"];
            let (x, y, w, h) = (
                g["x"].as_u64().unwrap(),
                g["y"].as_u64().unwrap(),
                g["w"].as_u64().unwrap(),
                g["h"].as_u64().unwrap(),
            );
            assert!(x + w <= 24);
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(cells.insert((cx, cy)), "overlap at {cx},{cy}");
                }
            }
        }
    }

    #[test]
    fn openinference_has_cost_and_alerts_only() {
        let b = board("openinference");
        let vars = b["templating"]["list"].as_array().unwrap();
        assert_eq!(vars.len(), 3);
        assert_eq!(
            vars[1]["query"],
            "label_values(agentobs_cost_usd_USD_total, job)"
        );
        assert_eq!(
            vars[2]["query"],
            "label_values(agentobs_cost_usd_USD_total, llm_model_name)"
        );
        let q = queries(&b);
        assert!(
            q.iter().all(|q| q.contains("agentobs_alerts_total")
                || q.contains("agentobs_cost_usd_USD_total")),
            "{q:?}"
        );
        assert!(
            q.iter().any(|q| q.starts_with("sum by (llm_model_name) (")),
            "{q:?}"
        );
    }
}
