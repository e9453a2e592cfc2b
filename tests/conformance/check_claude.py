#!/usr/bin/env python3
"""Checks one conformance run of the real Claude Code CLI (tests/conformance/claude.sh).

- the CLI ran, and the scripted API answered at least one request;
- the transcript has the `Bash` call the API asked for (`--allowedTools Bash`), with the API's
  call id, run successfully with its output; upstream it is an `execute_tool` span with that
  call id and the CLI's approval (`approved`, by `config`) as a tool-decision event;
- `agentobs map` of the transcript gives the gateway's spans: names, models, tokens, cost and
  call ids, span for span;
- `agentobs report --harness claude` on the run's home: no warning, and the tokens the API sent
  (Anthropic's disjoint counts, added up over its log) in agentobs's terms;
- that report's cost equals the CLI's own `total_cost_usd` (the harness's own figure);
- upstream of `agentobs gateway`: chat spans for the session with `gen_ai.usage.*` tokens equal
  to the transcript's, `agentobs.cost.reported_usd` summing to the CLI's own cost, and
  `agentobs.cost.usd` equal to the transcript's cost. Claude Code's OTLP `api_request` records
  give the cache writes without their lifetime; the gateway reads the one-hour writes from the
  record's `cost_usd`, so the scripted API's 200 one-hour writes per request must be priced at
  the one-hour rate there too (billing them at the five-minute rate would miss by exactly
  their premium, which is checked to be above zero so the check can fail).

Standard library only; the OTLP/JSON helpers are check_gateway.py's.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from check_gateway import (FAILURES, check, gateway_took_everything, harness_report,
                           harness_run, mapped_spans, trace_view, upstream)


def api_totals(work):
    t = {"input": 0, "cached": 0, "writes": 0, "output": 0, "requests": 0, "one_hour": {}}
    for line in open(f"{work}/requests.jsonl", encoding="utf-8"):
        u = json.loads(line)["usage"]
        t["requests"] += 1
        t["cached"] += u["cache_read_input_tokens"]
        t["writes"] += u["cache_creation_input_tokens"]
        t["input"] += (u["input_tokens"] + u["cache_read_input_tokens"]
                       + u["cache_creation_input_tokens"])
        t["output"] += u["output_tokens"]
        model = json.loads(line)["model"]
        t["one_hour"][model] = (t["one_hour"].get(model, 0)
                                + u["cache_creation"]["ephemeral_1h_input_tokens"])
    return t


def one_hour_gap(one_hour):
    """What billing one-hour writes at the five-minute rate leaves out, in USD."""
    book = tomllib.loads((Path(__file__).parents[2] / "crates/cost/prices/snapshot.toml")
                         .read_text(encoding="utf-8"))["models"]
    return sum(n * (book[m].get("cache_write_1h", book[m]["cache_write"]) - book[m]["cache_write"])
               / 1e6 for m, n in one_hour.items())


def cli_cost(work):
    for line in open(f"{work}/stream.jsonl", encoding="utf-8"):
        event = json.loads(line)
        if event.get("type") == "result" and "total_cost_usd" in event:
            return float(event["total_cost_usd"])
    return None


def main():
    a = harness_run(__doc__, "claude")
    w = a.work
    api = api_totals(w)
    check("claude", "the scripted API answered", api["requests"] > 0, api)
    report = harness_report(a.agentobs, "claude", f"{w}/home/.claude")
    totals = report.get("totals", {})
    ours = {"input": totals.get("input_tokens"), "cached": totals.get("cached_input_tokens"),
            "writes": totals.get("cache_write_input_tokens"),
            "output": totals.get("output_tokens")}
    theirs = {k: api[k] for k in ours if k != "one_hour"}
    check("claude", "the transcript's tokens are the API's", ours == theirs, (ours, theirs))
    cost = cli_cost(w)
    check("claude", "cost equals Claude Code's own total_cost_usd",
          cost is not None and abs(totals.get("cost_usd", -1) - cost) < 1e-9,
          (totals.get("cost_usd"), cost))
    print(f"  claude: {api['requests']} request(s), {ours['input']} in / {ours['output']} out, "
          f"${totals.get('cost_usd')} (Claude Code: ${cost})")

    # The tool call, in the transcript: the API's call id, run, and its output.
    tool_ids = [json.loads(line).get("tool_use_id")
                for line in open(f"{w}/requests.jsonl", encoding="utf-8")]
    tool_ids = [t for t in tool_ids if t]
    out = subprocess.run([a.agentobs, "events", "--harness", "claude", "--claude-home",
                          f"{w}/home/.claude", "--json", "--include-content"],
                         capture_output=True, text=True, check=False)
    results = [e for e in map(json.loads, out.stdout.splitlines())
               if e.get("type") == "tool_result"]
    check("claude", "the transcript has the API's Bash call, run with its output",
          [(r.get("tool"), r.get("call_id"), r.get("success"), r.get("output")) for r in results]
          == [("Bash", t, True, "conformance") for t in tool_ids] and len(tool_ids) == 1,
          (results, tool_ids))

    gateway_took_everything("claude", w)
    spans, _, _ = upstream(w)
    chats = [s for s in spans if s["attrs"].get("gen_ai.operation.name") == "chat"
             and "gen_ai.usage.input_tokens" in s["attrs"]]
    check("claude", "chat spans with tokens arrived upstream", bool(chats), len(spans))
    up = {"input": sum(int(s["attrs"]["gen_ai.usage.input_tokens"]) for s in chats),
          "output": sum(int(s["attrs"].get("gen_ai.usage.output_tokens", 0)) for s in chats)}
    check("claude", "upstream tokens equal the transcript's",
          up == {"input": ours["input"], "output": ours["output"]}, (up, ours))
    up_cost = sum(float(s["attrs"].get("agentobs.cost.usd", 0.0)) for s in chats)
    reported = sum(float(s["attrs"].get("agentobs.cost.reported_usd", 0.0)) for s in chats)
    check("claude", "upstream spans carry Claude Code's own cost",
          cost is not None and abs(reported - cost) < 1e-9, (reported, cost))
    gap = one_hour_gap(api["one_hour"])
    check("claude", "the run has one-hour writes whose premium the gateway could miss",
          gap > 0, gap)
    check("claude", "upstream cost equals the transcript's, one-hour writes included",
          abs(up_cost - totals.get("cost_usd", -1)) < 1e-9,
          (up_cost, totals.get("cost_usd"), gap))
    print(f"  claude: upstream ${up_cost:.6f} (Claude Code's own ${reported:.6f}; one-hour "
          f"premium ${gap:.6f} included)")
    tools = [s for s in spans if s["attrs"].get("gen_ai.operation.name") == "execute_tool"]
    check("claude", "the Bash call arrived upstream as execute_tool with its call id",
          [(s["attrs"].get("gen_ai.tool.name"), s["attrs"].get("gen_ai.tool.call.id"),
            s["attrs"].get("agentobs.tool.reported_success")) for s in tools]
          == [("Bash", t, True) for t in tool_ids], [s["attrs"] for s in tools])
    decisions = [e["attrs"] for s in tools for e in s.get("events", [])
                 if e.get("name") == "agentobs.tool.decision"]
    check("claude", "its approval (by --allowedTools) arrived on the tool span",
          [(d.get("agentobs.decision"), d.get("agentobs.decision.source")) for d in decisions]
          == [("approved", "config")], decisions)
    # One trace view: the transcript mapped by `agentobs map` shows what the gateway made of
    # the CLI's OTLP, span for span.
    mapped = mapped_spans(a.agentobs, "claude", f"{w}/home/.claude")
    check("claude", "`agentobs map` of the transcript shows the gateway's spans",
          trace_view(mapped) == trace_view(spans), (trace_view(mapped), trace_view(spans)))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
