#!/usr/bin/env python3
"""Checks one conformance run of codex.sh: what `agentobs gateway` forwarded upstream
(otlp_sink.py's upstream.jsonl, OTLP/JSON) against the rollouts of the same run read by
`agentobs report --json`, scenario by scenario.

Usage: check_gateway.py WORK AGENTOBS SCENARIO...   (exit 1 when a check fails)
"""

import argparse
import glob
import json
import re
import subprocess
import sys

GENAI_OPERATIONS = {"chat", "execute_tool", "invoke_agent"}
STATUS_ERROR = 2
FAILURES = []


def check(scenario, what, ok, detail=""):
    print(f"  {'ok' if ok else 'FAILED'}: {scenario}: {what}" + ("" if ok else f" ({detail})"))
    if not ok:
        FAILURES.append((scenario, what))


def value(v):
    """An OTLP/JSON AnyValue as Python."""
    for k in ("stringValue", "boolValue", "doubleValue"):
        if k in v:
            return v[k]
    if "intValue" in v:
        return int(v["intValue"])
    if "arrayValue" in v:
        return [value(x) for x in v["arrayValue"].get("values", [])]
    return None


def attrs(kvs):
    return {kv["key"]: value(kv.get("value", {})) for kv in kvs or []}


def upstream(work):
    spans, logs, metrics = [], [], []
    for line in open(f"{work}/upstream.jsonl", encoding="utf-8"):
        entry = json.loads(line)
        body = entry.get("body") or {}
        for rs in body.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    sp["attrs"] = attrs(sp.get("attributes"))
                    for ev in sp.get("events", []):
                        ev["attrs"] = attrs(ev.get("attributes"))
                    spans.append(sp)
        for rl in body.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for rec in sl.get("logRecords", []):
                    rec["attrs"] = attrs(rec.get("attributes"))
                    logs.append(rec)
        for rm in body.get("resourceMetrics", []):
            for sm in rm.get("scopeMetrics", []):
                metrics.extend(sm.get("metrics", []))
    return spans, logs, metrics


def harness_run(doc, harness):
    """The arguments of a harness check (--work, --agentobs), once it checked that the CLI
    exited 0 (`WORK/HARNESS.status`, written by the script's inner part)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--agentobs", required=True)
    a = ap.parse_args()
    status = open(f"{a.work}/{harness}.status").read().strip()
    check(harness, "the CLI exited 0", status == f"{harness} exit status 0",
          status + " " + open(f"{a.work}/{harness}.stderr").read()[-400:])
    return a


def gateway_took_everything(harness, work):
    """The gateway's closing summary (its stderr): records arrived, no request was refused, no
    event dropped, nothing failed upstream."""
    summary = open(f"{work}/gateway.stderr", encoding="utf-8").read().strip().splitlines()[-1:]
    line = summary[0] if summary else ""
    m = re.search(r"\((\d+) records\).*failed (\d+); refused (\d+) bad, (\d+) busy, (\d+) too large;"
                  r" dropped (\d+) events", line)
    check(harness, "the gateway took every request and dropped nothing",
          bool(m) and int(m.group(1)) > 0 and all(int(g) == 0 for g in m.groups()[1:]), line)
    alerts = re.search(r"(\d+) alerts", line)
    check(harness, "the anomaly rules (--alerts) raise nothing on the healthy session",
          bool(alerts) and alerts.group(1) == "0", line)


def harness_report(agentobs, harness, home, *extra):
    """`agentobs report --json` over one harness's home, checked to have run and to have read
    the home without a warning."""
    out = subprocess.run([agentobs, "report", "--harness", harness, f"--{harness}-home", home,
                          "--json", "--no-cache", *extra],
                         capture_output=True, text=True, check=False)
    check(harness, "agentobs report ran", out.returncode == 0, out.stderr[-400:])
    report = json.loads(out.stdout or "{}")
    check(harness, "the home reads without warnings", report.get("warnings") == [],
          report.get("warnings"))
    return report


def mapped_spans(agentobs, harness, home):
    """The spans `agentobs map --dialect genai` makes of one harness's home."""
    out = subprocess.run([agentobs, "map", "--harness", harness, f"--{harness}-home", home,
                          "--dialect", "genai"], capture_output=True, text=True, check=False)
    check(harness, "agentobs map ran", out.returncode == 0, out.stderr[-400:])
    spans = []
    for line in out.stdout.splitlines():
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    sp["attrs"] = attrs(sp.get("attributes"))
                    spans.append(sp)
    return spans


def trace_view(spans):
    """What one trace view shows of a session's spans, sorted: each span's name and operation,
    a request's model, tokens and cost, a tool's call id, an agent's model."""
    def row(s):
        a = s["attrs"]
        return (a.get("gen_ai.operation.name"), s["name"], a.get("gen_ai.request.model"),
                a.get("gen_ai.usage.input_tokens"), a.get("gen_ai.usage.output_tokens"),
                a.get("gen_ai.usage.cache_read.input_tokens"),
                round(a["agentobs.cost.usd"], 12) if "agentobs.cost.usd" in a else None,
                a.get("gen_ai.tool.call.id"))
    return sorted((row(s) for s in spans), key=repr)


def thread_id(rollout):
    m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$", rollout)
    return m.group(1) if m else None


def report(agentobs, rollouts):
    out = subprocess.run([agentobs, "report", "--json", *rollouts], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["totals"]


def chat_sums(chats):
    keys = {"input": "gen_ai.usage.input_tokens", "output": "gen_ai.usage.output_tokens",
            "cached": "gen_ai.usage.cache_read.input_tokens"}
    sums = {k: sum(int(s["attrs"].get(a, 0)) for s in chats) for k, a in keys.items()}
    sums["cost"] = sum(float(s["attrs"].get("agentobs.cost.usd", 0.0)) for s in chats)
    return sums


def is_error(span):
    return (span.get("status") or {}).get("code") == STATUS_ERROR


def check_scenario(scenario, work, agentobs, spans, logs):
    rollouts = sorted(glob.glob(f"{work}/{scenario}/home/sessions/**/rollout-*.jsonl",
                                recursive=True))
    if not rollouts:
        check(scenario, "Codex wrote a rollout", False, "none found")
        return
    ids = {thread_id(r) for r in rollouts}
    mine = [s for s in spans if s["attrs"].get("gen_ai.conversation.id") in ids]
    ops = {s["attrs"].get("gen_ai.operation.name") for s in mine}
    chats = [s for s in mine if s["attrs"].get("gen_ai.operation.name") == "chat"]
    ok_chats = [s for s in chats if "gen_ai.usage.input_tokens" in s["attrs"]]
    failed_chats = [s for s in chats if is_error(s)]
    tools = [s for s in mine if s["attrs"].get("gen_ai.operation.name") == "execute_tool"]
    totals = report(agentobs, rollouts)
    rc = open(f"{work}/{scenario}/rc").read().strip()
    print(f" {scenario}: codex exit {rc}; {len(mine)} spans upstream ({len(ok_chats)} chat with "
          f"usage, {len(failed_chats)} failed chat, {len(tools)} tool); rollout: "
          f"{totals['input_tokens']} in / {totals['output_tokens']} out, ${totals['cost_usd']}")
    if scenario == "ctx_window":
        # Codex exits without flushing its exporters when the turn fails: whatever got
        # through must still be well-formed; the rollout carries the overflow.
        check(scenario, "only GenAI operations upstream", ops <= GENAI_OPERATIONS, ops)
        check(scenario, "no request is billed upstream that the rollout does not bill",
              chat_sums(ok_chats)["input"] <= totals["input_tokens"],
              (chat_sums(ok_chats), totals))
        out = subprocess.run([agentobs, "check", "--json", "--fail-on", "never", *rollouts],
                             capture_output=True, text=True).stdout
        rules = {a["rule"] for a in json.loads(out.split("\n")[0] or "{}").get("alerts", [])}
        check(scenario, "the rollout shows the context-window overflow (context_exhaustion)",
              "context_exhaustion" in rules, rules)
        if not mine:
            print(f"  note: {scenario}: Codex exited (code {rc}) without flushing its OTLP "
                  "exporters; nothing of this session reached the gateway")
        return
    check(scenario, "spans arrived upstream", bool(mine), "none for " + ", ".join(ids))
    check(scenario, "only GenAI operations upstream", ops <= GENAI_OPERATIONS, ops)
    check(scenario, "each request's chat span has tokens and cost",
          bool(ok_chats) and all("gen_ai.usage.output_tokens" in s["attrs"]
                                 and "agentobs.cost.usd" in s["attrs"] for s in ok_chats),
          [s["attrs"] for s in ok_chats][:1])
    sums = chat_sums(ok_chats)
    same = (sums["input"] == totals["input_tokens"] and sums["output"] == totals["output_tokens"]
            and sums["cached"] == totals["cached_input_tokens"])
    check(scenario, "tokens upstream equal the rollout's (agentobs report)", same, (sums, totals))
    check(scenario, "cost upstream equals the rollout's",
          totals["cost_usd"] is not None and abs(sums["cost"] - totals["cost_usd"]) < 1e-9,
          (sums["cost"], totals["cost_usd"]))
    if scenario in ("tool", "http500", "tool_escalate"):
        check(scenario, "a successful tool call", any(not is_error(t) for t in tools),
              [t["attrs"] for t in tools])
    if scenario == "tool_fail":
        check(scenario, "the failing command is a failed tool span",
              any(is_error(t) for t in tools), [(t["attrs"], t.get("status")) for t in tools])
        rules = [r["attrs"].get("agentobs.alert.rule") for r in logs
                 if r.get("eventName") == "agentobs.alert"
                 and r["attrs"].get("gen_ai.conversation.id") in ids]
        check(scenario, "the anomaly rules flagged the failure Codex called a success",
              "false_success" in rules, rules)
    if scenario == "http500":
        check(scenario, "the HTTP 500 is a failed chat span",
              any(s["attrs"].get("http.response.status_code") == 500 for s in failed_chats),
              [s["attrs"] for s in failed_chats])
        check(scenario, "then the retry succeeded", bool(ok_chats))
    if scenario == "tool_escalate":
        decisions = [e["attrs"] for t in mine for e in t.get("events", [])
                     if e.get("name") == "agentobs.tool.decision"]
        check(scenario, "the approval is a tool decision event",
              any("approved" in str(d.get("agentobs.tool.decision", "")) or
                  any("approved" in str(v) for v in d.values()) for d in decisions), decisions)


def main():
    work, agentobs, scenarios = sys.argv[1], sys.argv[2], sys.argv[3:]
    spans, logs, metrics = upstream(work)
    print(f" upstream: {len(spans)} spans, {len(logs)} log records, {len(metrics)} metrics")
    cost_metric = [m for m in metrics if m.get("name") == "agentobs.cost.usd"]
    check("all", "the agentobs.cost.usd counter arrived upstream", bool(cost_metric))
    check("all", "GenAI token metric arrived upstream",
          any(m.get("name") == "gen_ai.client.token.usage" for m in metrics))
    for scenario in scenarios:
        check_scenario(scenario, work, agentobs, spans, logs)
    stats = json.load(open(f"{work}/stats.json")) if open(f"{work}/stats.json").read() else {}
    print(f" gateway /stats before shutdown: {json.dumps(stats)}")
    check("all", "the gateway refused nothing Codex sent",
          stats.get("rejected_bad", 1) == 0 and stats.get("rejected_busy", 1) == 0, stats)
    alerts = [r for r in logs if r.get("eventName") == "agentobs.alert"]
    final = re.findall(r"(\d+) alerts;", open(f"{work}/gateway.stderr").read())
    raised = int(final[-1]) if final else -1
    check("all", "every alert the gateway raised arrived upstream", len(alerts) == raised,
          (len(alerts), raised))
    check("all", "the gateway exited cleanly", open(f"{work}/gateway.rc").read().strip() == "0")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
