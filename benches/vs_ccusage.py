#!/usr/bin/env python3
"""Side-by-side timing of `agentobs report` and `ccusage codex daily` (Python 3.11 stdlib only).

Called by benches/vs_ccusage.sh, which builds the binaries, makes the corpus and installs
ccusage; run that instead. This part measures and summarises:

- one untimed warm-up run of each tool (page cache warm for all; it also fills the private
  agentobs cache used by the "cached" runs);
- N rounds; each round runs ccusage, agentobs cold (--no-cache) and agentobs cached once, the
  order rotating round by round, each under `/usr/bin/time -f '%e %M'`;
- medians of wall time and peak RSS, the ratios, and the token totals of both tools next to the
  corpus ground truth (expected.json).

Wall time is taken two ways: `%e` from /usr/bin/time (10 ms resolution) and a monotonic clock
around the /usr/bin/time process (sub-millisecond, includes /usr/bin/time's own start-up, which
is measured separately as the "floor" and printed). Ratios use the monotonic clock.

Exit status: 0 when agentobs's totals equal the ground truth in every run, 1 otherwise (a
ccusage difference is flagged but does not fail the run: it is the peer being measured).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME = "/usr/bin/time"
FIELDS = [
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
]


def ccusage_totals(doc: dict) -> dict:
    """ccusage's totals in agentobs's terms (its inputTokens exclude cache reads)."""
    t = doc["totals"]
    return {
        "input_tokens": t["inputTokens"] + t["cacheReadTokens"],
        "cached_input_tokens": t["cacheReadTokens"],
        "output_tokens": t["outputTokens"],
        "reasoning_output_tokens": t["reasoningOutputTokens"],
        "total_tokens": t["totalTokens"],
        "cost_usd": t.get("costUSD"),
    }


def agentobs_totals(doc: dict) -> dict:
    t = doc["totals"]
    out = {f: t[f] for f in FIELDS}
    out["cost_usd"] = t.get("cost_usd")
    return out


class Tool:
    def __init__(self, name: str, cmd: list[str], env: dict, parse):
        self.name = name
        self.cmd = cmd
        self.env = env
        self.parse = parse
        self.wall: list[float] = []  # monotonic clock, seconds
        self.elapsed: list[float] = []  # /usr/bin/time %e, seconds
        self.rss_kb: list[int] = []  # /usr/bin/time %M
        self.totals: list[dict] = []

    def run(self, tmp: Path, record: bool = True) -> None:
        tfile = tmp / "time.out"
        argv = [TIME, "-f", "%e %M", "-o", str(tfile), *self.cmd]
        t0 = time.perf_counter()
        p = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode(errors="replace")[-4000:])
            raise SystemExit(f"{self.name}: exit status {p.returncode}: {' '.join(self.cmd)}")
        # The last line: GNU time may prepend "Command exited with non-zero status" lines.
        e, m = tfile.read_text().strip().splitlines()[-1].split()
        totals = self.parse(json.loads(p.stdout))
        if record:
            self.wall.append(wall)
            self.elapsed.append(float(e))
            self.rss_kb.append(int(m))
            self.totals.append(totals)


def floor(tmp: Path, n: int = 7) -> float:
    """Median wall of `/usr/bin/time true`: the start-up cost included in every measurement."""
    walls = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([TIME, "-f", "%e %M", "-o", str(tmp / "floor.out"), "true"], check=True)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


CLAUDE_FIELDS = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                 "output_tokens"]


def claude_ccusage_totals(doc: dict) -> dict:
    """ccusage claude daily's totals in Anthropic's disjoint counts."""
    t = doc["totals"]
    return {
        "input_tokens": t["inputTokens"],
        "cache_creation_input_tokens": t["cacheCreationTokens"],
        "cache_read_input_tokens": t["cacheReadTokens"],
        "output_tokens": t["outputTokens"],
        "cost_usd": t.get("totalCost", t.get("costUSD")),
    }


def claude_agentobs_totals(doc: dict) -> dict:
    """agentobs's totals (Codex semantics: input includes cache reads and writes) made disjoint."""
    t = doc["totals"]
    return {
        "input_tokens": t["input_tokens"] - t["cached_input_tokens"] - t["cache_write_input_tokens"],
        "cache_creation_input_tokens": t["cache_write_input_tokens"],
        "cache_read_input_tokens": t["cached_input_tokens"],
        "output_tokens": t["output_tokens"],
        "cost_usd": t.get("cost_usd"),
    }


def book_cost(expected: dict, book: Path) -> float:
    """The ground truth priced with the embedded price book's rates, computed here."""
    import tomllib

    models = tomllib.loads(book.read_text())["models"]
    total = 0.0
    for per_model in expected["by_day_model"].values():
        for model, e in per_model.items():
            m = models[model]
            write = m.get("cache_write", m["input"])
            one_hour = m.get("cache_write_1h", write)
            w1h = e["cache_creation_1h_input_tokens"]
            total += (e["input_tokens"] * m["input"]
                      + (e["cache_creation_input_tokens"] - w1h) * write
                      + w1h * one_hour
                      + e["cache_read_input_tokens"] * m.get("cached_input", m["input"])
                      + e["output_tokens"] * m["output"]) / 1e6
    return total


def claude_main(a) -> int:
    """`ccusage claude daily` against `agentobs report --harness claude` (both cold)."""
    corpus = a.corpus.resolve()
    expected = json.loads((corpus / "expected.json").read_text())
    truth = {f: expected["totals"][f] for f in CLAUDE_FIELDS}
    truth["cost_usd"] = book_cost(expected, a.price_book)
    base = dict(os.environ, TZ="UTC", NO_COLOR="1", LC_ALL="C")
    with tempfile.TemporaryDirectory(prefix="vs-ccusage-claude-") as d:
        tmp = Path(d)
        tools = [
            Tool("ccusage", [a.ccusage, "claude", "daily", "--json", "--offline"],
                 dict(base, CLAUDE_CONFIG_DIR=str(corpus)), claude_ccusage_totals),
            Tool("agentobs cold",
                 [a.agentobs, "report", "--harness", "claude", "--claude-home", str(corpus),
                  "--by", "day", "--json", "--timezone", "UTC", "--no-cache"],
                 dict(base, XDG_CACHE_HOME=str(tmp / "cache")), claude_agentobs_totals),
        ]
        print(f"corpus: {corpus} (Claude Code, {expected['files']} files, "
              f"{expected['bytes'] / 2**20:.1f} MiB, {expected['totals']['requests']} requests)",
              flush=True)
        for t in tools:
            t.run(tmp, record=False)
        fl = floor(tmp)
        for r in range(a.rounds):
            for t in tools[r % 2:] + tools[:r % 2]:
                t.run(tmp)
            print(f"round {r + 1}/{a.rounds}: "
                  + ", ".join(f"{t.name} {t.wall[-1] * 1000:.0f} ms" for t in tools), flush=True)
    cc, cold = tools
    med = {t.name: {"wall_s": statistics.median(t.wall), "rss_kb": statistics.median(t.rss_kb)}
           for t in tools}
    print(f"\nmedians of {a.rounds} rounds (alternating); floor: {fl * 1000:.1f} ms")
    for t in tools:
        print(f"{t.name:<16} {med[t.name]['wall_s'] * 1000:>9.1f} ms "
              f"{med[t.name]['rss_kb'] / 1024:>8.1f} MB")
    ratio = med[cc.name]["wall_s"] / med[cold.name]["wall_s"]
    print(f"wall ccusage / agentobs cold     {ratio:6.2f}x\n")
    cols = [("expected.json", truth), ("agentobs cold", cold.totals[0]), ("ccusage", cc.totals[0])]
    notes = []
    print(f"{'tokens':<30}" + "".join(f"{n:>17}" for n, _ in cols))
    for f in CLAUDE_FIELDS:
        row = [c[f] for _, c in cols]
        print(f"{f:<30}" + "".join(f"{v:>17,}" for v in row)
              + ("" if len(set(row)) == 1 else "  <-- MISMATCH"))
        for name, c in cols[1:]:
            if c[f] != truth[f]:
                notes.append(f"MISMATCH: {name} {f} = {c[f]:,}, expected {truth[f]:,}")
    print(f"{'cost_usd (price book)':<30}" + "".join(
        f"{c['cost_usd']:>17.4f}" if c.get("cost_usd") is not None else f"{'null':>17}"
        for _, c in cols))
    if cold.totals[0]["cost_usd"] is None or abs(cold.totals[0]["cost_usd"] - truth["cost_usd"]) > 1e-6 * truth["cost_usd"]:
        notes.append("MISMATCH: agentobs cost differs from the price book's")
    print("* ccusage prices with its own embedded table")
    for n in notes:
        print(n)
    if a.summary:
        a.summary.parent.mkdir(parents=True, exist_ok=True)
        a.summary.write_text(json.dumps({"corpus": str(corpus), "rounds": a.rounds,
                                         "median": med, "ratio_wall": ratio,
                                         "totals": {n: c for n, c in cols},
                                         "mismatches": notes}, indent=2) + "\n")
    return 1 if any("agentobs" in n for n in notes) else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--agentobs", required=True)
    ap.add_argument("--ccusage", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--summary", type=Path, help="also write the figures here as JSON")
    ap.add_argument("--harness", choices=["codex", "claude"], default="codex")
    ap.add_argument("--price-book", type=Path, default=Path(__file__).resolve().parent.parent
                    / "crates/cost/prices/snapshot.toml")
    a = ap.parse_args()
    if a.harness == "claude":
        return claude_main(a)
    corpus = a.corpus.resolve()
    expected = json.loads((corpus / "expected.json").read_text())
    truth = dict(expected["usage"])
    if a.rounds < 1:
        raise SystemExit("--rounds must be at least 1")

    base = dict(os.environ, TZ="UTC", NO_COLOR="1", LC_ALL="C")
    base.pop("AGENTOBS_TIMINGS", None)
    with tempfile.TemporaryDirectory(prefix="vs-ccusage-") as d:
        tmp = Path(d)
        cold_cache = tmp / "cache-cold"
        warm_cache = tmp / "cache-warm"
        cold_cache.mkdir()
        warm_cache.mkdir()
        report = [a.agentobs, "report", "--codex-home", str(corpus), "--json", "--timezone", "UTC"]
        tools = [
            Tool(
                "ccusage",
                [a.ccusage, "codex", "daily", "--json", "--offline"],
                dict(base, CODEX_HOME=str(corpus)),
                ccusage_totals,
            ),
            Tool(
                "agentobs cold",
                [*report, "--no-cache"],
                dict(base, XDG_CACHE_HOME=str(cold_cache)),
                agentobs_totals,
            ),
            Tool(
                "agentobs cached",
                report,
                dict(base, XDG_CACHE_HOME=str(warm_cache)),
                agentobs_totals,
            ),
        ]
        print(
            f"corpus: {corpus} ({expected['files']} files, {expected['bytes'] / 2**20:.1f} MiB, "
            f"{expected['requests']} requests)",
            flush=True,
        )
        print("warm-up: one untimed run of each (page cache; fills the agentobs cache)", flush=True)
        for t in tools:
            t.run(tmp, record=False)
        if not any(warm_cache.rglob("*")):
            print("WARNING: the agentobs cache directory is still empty after the warm-up run")
        fl = floor(tmp)
        for r in range(a.rounds):
            order = tools[r % 3 :] + tools[: r % 3]
            for t in order:
                t.run(tmp)
            print(
                f"round {r + 1}/{a.rounds}: "
                + ", ".join(f"{t.name} {t.wall[-1] * 1000:.0f} ms" for t in tools),
                flush=True,
            )
        if any(cold_cache.rglob("*")):
            print("NOTE: agentobs --no-cache wrote into its XDG_CACHE_HOME")

    cc, cold, cached = tools
    med = {
        t.name: {
            "wall_s": statistics.median(t.wall),
            "time_e_s": statistics.median(t.elapsed),
            "rss_kb": statistics.median(t.rss_kb),
            "wall_min_s": min(t.wall),
            "wall_max_s": max(t.wall),
        }
        for t in tools
    }

    print()
    print(f"medians of {a.rounds} rounds (alternating); floor (/usr/bin/time true): {fl * 1000:.1f} ms")
    print(f"{'tool':<16} {'wall ms':>9} {'min..max ms':>15} {'%e s':>6} {'peak RSS MB':>12}")
    for t in tools:
        m = med[t.name]
        print(
            f"{t.name:<16} {m['wall_s'] * 1000:>9.1f} "
            f"{m['wall_min_s'] * 1000:>7.1f}..{m['wall_max_s'] * 1000:<7.1f} "
            f"{m['time_e_s']:>6.2f} {m['rss_kb'] / 1024:>12.1f}"
        )
    ratios = {
        "wall ccusage / agentobs cold": med[cc.name]["wall_s"] / med[cold.name]["wall_s"],
        "wall ccusage / agentobs cached": med[cc.name]["wall_s"] / med[cached.name]["wall_s"],
        "RSS ccusage / agentobs cold": med[cc.name]["rss_kb"] / med[cold.name]["rss_kb"],
        "RSS ccusage / agentobs cached": med[cc.name]["rss_kb"] / med[cached.name]["rss_kb"],
    }
    print()
    for k, v in ratios.items():
        print(f"{k:<32} {v:6.2f}x")

    # Token totals: every run of a tool must agree with itself; agentobs must equal the truth.
    print()
    bad_agentobs = False
    notes = []
    for t in tools:
        if any(x != t.totals[0] for x in t.totals[1:]):
            notes.append(f"MISMATCH: {t.name} totals differ between runs")
            if t is not cc:
                bad_agentobs = True
    cols = [("expected.json", truth), ("agentobs cold", cold.totals[0]),
            ("agentobs cached", cached.totals[0]), ("ccusage", cc.totals[0])]
    print(f"{'tokens':<24}" + "".join(f"{n:>17}" for n, _ in cols))
    for f in FIELDS:
        row = [c[f] for _, c in cols]
        flag = "" if len(set(row)) == 1 else "  <-- MISMATCH"
        print(f"{f:<24}" + "".join(f"{v:>17,}" for v in row) + flag)
        for name, c in cols[1:]:
            if c[f] != truth[f]:
                notes.append(f"MISMATCH: {name} {f} = {c[f]:,}, expected {truth[f]:,}")
                if name != "ccusage":
                    bad_agentobs = True
    cost = [c.get("cost_usd") for _, c in cols[1:]]
    print(f"{'cost_usd *':<24}{'-':>17}" + "".join(
        f"{v:>17.2f}" if v is not None else f"{'null':>17}" for v in cost))
    print("* cost is not compared: the two tools use different price books")
    for n in notes:
        print(n)
    if not notes:
        print("token totals: identical across both tools, every run, and the ground truth")

    if a.summary:
        a.summary.parent.mkdir(parents=True, exist_ok=True)
        a.summary.write_text(json.dumps({
            "corpus": str(corpus),
            "expected": {k: expected[k] for k in ("files", "bytes", "sessions", "requests")},
            "rounds": a.rounds,
            "floor_s": fl,
            "median": med,
            "runs": {t.name: {"wall_s": t.wall, "time_e_s": t.elapsed, "rss_kb": t.rss_kb}
                     for t in tools},
            "ratios": ratios,
            "totals": {n: c for n, c in cols},
            "mismatches": notes,
        }, indent=2) + "\n")
        print(f"summary: {a.summary}")
    return 1 if bad_agentobs else 0


if __name__ == "__main__":
    sys.exit(main())
