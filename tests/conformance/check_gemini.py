#!/usr/bin/env python3
"""Checks one conformance run of the real Gemini CLI (tests/conformance/gemini.sh).

- the CLI ran, the scripted API refused one turn with HTTP 429 and answered the retry, the
  router call and the next turn, and the tool ran;
- the CLI's own per-model `stats` (stream-json `result`) equal the API's usage, model by model
  (the harness's own figures against what the API sent);
- `agentobs report --harness gemini` on the run's home: no warning, and the tokens of the API's
  turns in agentobs's terms (Gemini's prompt count includes the cached part; thoughts are
  output). The router's call is not in the chat log, so it is not in this report;
- that report's cost equals the price book's, computed here from the API's usage;
- upstream of `agentobs gateway`: chat spans for the session with the tokens and cost of every
  API call, the router's included and marked `agentobs.request.purpose = utility_router`; the
  session's `invoke_agent` span names the routed model, not the router's; an `execute_tool`
  span for the shell command without a claimed arguments length (the CLI sends none without
  prompt logging), the CLI's approval of it as a tool decision on the turn (the CLI's records
  name no call id), and the refused attempt as a `rate_limited` exception on the turn;
- `agentobs map` of the chat log gives the gateway's spans (names, models, tokens, cost), but
  for the router's call.

Standard library only; the OTLP/JSON helpers are check_gateway.py's.
"""

import json
import sys
import tomllib
from pathlib import Path

from check_gateway import (FAILURES, check, gateway_took_everything, harness_report,
                           harness_run, mapped_spans, trace_view, upstream)

BOOK = tomllib.loads((Path(__file__).parents[2] / "crates/cost/prices/snapshot.toml")
                     .read_text(encoding="utf-8"))["models"]


def api_log(work):
    return [json.loads(line) for line in open(f"{work}/requests.jsonl", encoding="utf-8")]


def tokens(calls):
    """The calls' usage in agentobs's terms (Codex semantics)."""
    t = {"input": 0, "cached": 0, "output": 0, "reasoning": 0}
    for c in calls:
        u = c["usage"]
        t["input"] += u["promptTokenCount"]
        t["cached"] += u.get("cachedContentTokenCount", 0)
        t["output"] += u["candidatesTokenCount"] + u.get("thoughtsTokenCount", 0)
        t["reasoning"] += u.get("thoughtsTokenCount", 0)
    return t


def price(calls):
    """The price book's cost of the calls, in USD (no prompt here reaches a long-context tier)."""
    usd = 0.0
    for c in calls:
        u, rates = c["usage"], BOOK[c["model"]]
        tier = rates.get("long_context", {}).get("threshold_tokens")
        assert tier is None or u["promptTokenCount"] <= tier
        cached = u.get("cachedContentTokenCount", 0)
        usd += ((u["promptTokenCount"] - cached) * rates["input"]
                + cached * rates["cached_input"]
                + (u["candidatesTokenCount"] + u.get("thoughtsTokenCount", 0)) * rates["output"]
                ) / 1e6
    return usd


def cli_stats(work):
    for line in open(f"{work}/stream.jsonl", encoding="utf-8"):
        event = json.loads(line)
        if event.get("type") == "result":
            return event
    return {}


def main():
    a = harness_run(__doc__, "gemini")
    w = a.work
    log = api_log(w)
    refused = [c for c in log if c["kind"] == "refused"]
    calls = [c for c in log if c["kind"] != "refused"]
    check("gemini", "the API refused one turn with 429 (then the CLI retried)",
          [c["status"] for c in refused] == [429], refused)
    turns = [c for c in calls if c["kind"] == "turn"]
    helpers = [c for c in calls if c["kind"] == "helper"]
    check("gemini", "the API answered the router and two streamed turns",
          len(helpers) >= 1 and len(turns) == 2 and all(c["stream"] for c in turns),
          [(c["model"], c["kind"], c["stream"]) for c in calls])
    result = cli_stats(w)
    check("gemini", "the run succeeded with one tool call",
          result.get("status") == "success" and result.get("stats", {}).get("tool_calls") == 1,
          result)

    # The CLI's own per-model figures against the API's.
    models = result.get("stats", {}).get("models", {})
    for model in sorted({c["model"] for c in calls}):
        mine = tokens([c for c in calls if c["model"] == model])
        s = models.get(model, {})
        # The stats' output leaves the thoughts out; their total has them.
        thoughts = s.get("total_tokens", 0) - s.get("input_tokens", 0) - s.get("output_tokens", 0)
        theirs = {"input": s.get("input_tokens"), "cached": s.get("cached"),
                  "output": s.get("output_tokens", 0) + thoughts, "reasoning": thoughts}
        check("gemini", f"the CLI's stats for {model} are the API's", mine == theirs,
              (mine, theirs))

    # The chat log, read by agentobs.
    report = harness_report(a.agentobs, "gemini", f"{w}/home/.gemini", "--by", "model")
    totals = report.get("totals", {})
    ours = {"input": totals.get("input_tokens"), "cached": totals.get("cached_input_tokens"),
            "output": totals.get("output_tokens"),
            "reasoning": totals.get("reasoning_output_tokens")}
    want = tokens(turns)
    check("gemini", "the chat log's tokens are the API's turns'", ours == want, (ours, want))
    rows = {r["key"].get("model"): r for r in report.get("rows", [])}
    check("gemini", "the chat log names the turns' model", sorted(rows) == sorted(
        {c["model"] for c in turns}), sorted(rows))
    want_cost = price(turns)
    check("gemini", "the chat log's cost is the price book's",
          abs(totals.get("cost_usd", -1) - want_cost) < 1e-9, (totals.get("cost_usd"), want_cost))
    print(f"  gemini: {len(calls)} API call(s); chat log {ours['input']} in "
          f"({ours['cached']} cached) / {ours['output']} out, ${totals.get('cost_usd')}")

    # Upstream of the gateway.
    gateway_took_everything("gemini", w)
    spans, _, _ = upstream(w)
    session = json.loads(open(f"{w}/stream.jsonl", encoding="utf-8").readline()).get("session_id")
    mine = [s for s in spans if s["attrs"].get("gen_ai.conversation.id") == session]
    chats = [s for s in mine if s["attrs"].get("gen_ai.operation.name") == "chat"
             and "gen_ai.usage.input_tokens" in s["attrs"]]
    up = {"input": sum(int(s["attrs"]["gen_ai.usage.input_tokens"]) for s in chats),
          "cached": sum(int(s["attrs"].get("gen_ai.usage.cache_read.input_tokens", 0))
                        for s in chats),
          "output": sum(int(s["attrs"].get("gen_ai.usage.output_tokens", 0)) for s in chats),
          "reasoning": sum(int(s["attrs"].get("gen_ai.usage.reasoning.output_tokens", 0))
                           for s in chats)}
    check("gemini", "one chat span per API call arrived upstream", len(chats) == len(calls),
          (len(chats), len(calls)))
    check("gemini", "upstream tokens are every API call's, the router's included",
          up == tokens(calls), (up, tokens(calls)))
    up_cost = sum(float(s["attrs"].get("agentobs.cost.usd", 0.0)) for s in chats)
    check("gemini", "upstream cost is the price book's for every call",
          abs(up_cost - price(calls)) < 1e-9, (up_cost, price(calls)))
    routed = sorted(s["attrs"].get("gen_ai.request.model") for s in chats
                    if s["attrs"].get("agentobs.request.purpose") == "utility_router")
    check("gemini", "the router's call is marked with its purpose",
          routed == sorted(c["model"] for c in helpers), routed)
    agents = [s["attrs"].get("gen_ai.request.model") for s in mine
              if s["attrs"].get("gen_ai.operation.name") == "invoke_agent"]
    check("gemini", "the agent span names the routed model",
          agents and set(agents) == {turns[0]["model"]}, agents)
    check("gemini", "the agent span claims no incomplete turn (Gemini CLI marks no turns)",
          not any("agentobs.turn.incomplete" in s["attrs"] for s in mine), None)
    tools = [s["attrs"] for s in mine if s["attrs"].get("gen_ai.operation.name") == "execute_tool"]
    check("gemini", "the shell command arrived as execute_tool",
          [t.get("gen_ai.tool.name") for t in tools] == ["run_shell_command"]
          and tools[0].get("agentobs.tool.reported_success") is True, tools)
    # Without prompt logging the CLI sends no arguments, so no length may be claimed for them.
    check("gemini", "no arguments length is claimed for arguments the CLI did not send",
          bool(tools) and "agentobs.tool.arguments_length" not in tools[0], tools)
    decisions = [e["attrs"] for s in mine for e in s.get("events", [])
                 if s["attrs"].get("gen_ai.operation.name") == "invoke_agent"
                 and e.get("name") == "agentobs.tool.decision"]
    errors = [e["attrs"] for s in mine for e in s.get("events", [])
              if s["attrs"].get("gen_ai.operation.name") == "invoke_agent"
              and e.get("name") == "exception"]
    check("gemini", "the refused attempt arrived as a rate-limited exception on the turn",
          [e.get("exception.type") for e in errors] == ["rate_limited"], errors)
    check("gemini", "the CLI's approval of the call arrived as a tool decision",
          [(d.get("gen_ai.tool.name"), d.get("agentobs.decision")) for d in decisions]
          == [("run_shell_command", "approved")], decisions)
    # One trace view: the chat log mapped by `agentobs map` shows what the gateway made of the
    # CLI's OTLP, span for span, but for the router's call, which only OTLP has. The agent
    # span's totals differ by that call, so only its name and model are compared; the tool's
    # call id is in the chat log only (the OTLP `tool_call` record names none).
    mapped = mapped_spans(a.agentobs, "gemini", f"{w}/home/.gemini")

    def view(spans):
        return [r[:7] if r[0] != "invoke_agent" else r[:3] for r in trace_view(
            [s for s in spans if "agentobs.request.purpose" not in s["attrs"]])]
    check("gemini", "`agentobs map` of the chat log shows the gateway's spans but the router's",
          view(mapped) == view(mine), (view(mapped), view(mine)))
    print(f"  gemini: upstream {len(chats)} chat span(s), {up['input']} in / {up['output']} out, "
          f"${up_cost:.6f}")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
