#!/usr/bin/env python3
"""Helper for tests/backends/phoenix.sh: start Phoenix on loopback, list its
listening sockets, and compare what Phoenix stored with what agentobs sent.

Subcommands (run with the Phoenix venv's python):
  serve                      run `phoenix serve`, gRPC bound to 127.0.0.1
  free-ports N               print N distinct free TCP ports on 127.0.0.1
  listeners PID              print the TCP sockets PID listens on; exit 1 if
                             any is bound to something other than loopback
  check --base URL --expected FILE [--wait S] [--json-status CODE]
                             read spans back (REST, GraphQL) and compare

Only the standard library is used, except in `serve` (Phoenix itself).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any

# ----------------------------------------------------------------------------
# serve


def cmd_serve(_args: argparse.Namespace) -> int:
    # Phoenix binds its OTLP/gRPC server to "[::]:<PHOENIX_GRPC_PORT>" with no
    # setting for the host (phoenix/server/grpc_server.py). Rewrite that one
    # address to loopback before Phoenix starts, and fail if the call that
    # binds it no longer looks the way this expects.
    import grpc.aio._server as grpc_aio_server  # type: ignore[import-not-found]

    original = grpc_aio_server.Server.add_insecure_port
    host = os.environ.get("PHOENIX_HOST", "127.0.0.1")

    def add_insecure_port(self: Any, address: str) -> int:
        if address.startswith("[::]:"):
            address = f"{host}:{address[len('[::]:'):]}"
        if not address.startswith(f"{host}:"):
            raise SystemExit(f"phoenix_check serve: refusing to bind gRPC to {address}")
        print(f"phoenix_check serve: OTLP/gRPC bound to {address}", file=sys.stderr, flush=True)
        return original(self, address)

    grpc_aio_server.Server.add_insecure_port = add_insecure_port

    def add_secure_port(self: Any, address: str, *_a: Any, **_k: Any) -> int:
        raise SystemExit("phoenix_check serve: TLS gRPC is not expected here")

    grpc_aio_server.Server.add_secure_port = add_secure_port

    from phoenix.server.main import main  # type: ignore[import-not-found]

    sys.argv = ["phoenix", "serve"]
    main()
    return 0


# ----------------------------------------------------------------------------
# free-ports


def cmd_free_ports(args: argparse.Namespace) -> int:
    socks = []
    try:
        for _ in range(args.n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()
    return 0


# ----------------------------------------------------------------------------
# listeners


def _decode_proc_addr(hex_addr: str, v6: bool) -> tuple[str, int]:
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    if v6:
        # four 32-bit words, each in host (little-endian) order
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
        ip = socket.inet_ntop(socket.AF_INET6, raw)
    else:
        ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
    return ip, int(port, 16)


def _is_loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip == "::1" or ip.startswith("::ffff:127.")


def cmd_listeners(args: argparse.Namespace) -> int:
    inodes = set()
    fd_dir = f"/proc/{args.pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open(f"/proc/{args.pid}/net/{table}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                        found.append(_decode_proc_addr(cols[1], v6))
        except FileNotFoundError:
            pass
    bad = [(ip, port) for ip, port in found if not _is_loopback(ip)]
    for ip, port in sorted(found, key=lambda a: a[1]):
        print(f"  listening {ip}:{port} {'ok (loopback)' if _is_loopback(ip) else 'NOT LOOPBACK'}")
    if not found:
        print("  no listening TCP sockets found", file=sys.stderr)
        return 1
    return 1 if bad else 0


# ----------------------------------------------------------------------------
# check: expectation from OTLP-JSON lines

STATUS_NAMES = {0: "UNSET", 1: "OK", 2: "ERROR"}
REQUIRED_LLM_INTS = (
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.total",
    "llm.token_count.prompt_details.cache_read",
    "llm.token_count.completion_details.reasoning",
)
COST_TOTAL = "llm.cost.total"
FLOAT_TOL = 1e-12
# Attributes Phoenix parses from a JSON string into an object
# (phoenix/trace/attributes.py JSON_STRING_ATTRIBUTES).
JSON_STRING_ATTRIBUTES = ("metadata", "tool.parameters", "llm.prompt_template.variables")


def otlp_value(v: dict[str, Any]) -> Any:
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        d = v["doubleValue"]
        return float(d) if isinstance(d, str) else d
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [otlp_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: otlp_value(kv["value"]) for kv in v["kvlistValue"].get("values", [])}
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def otlp_type(v: dict[str, Any]) -> str:
    return next(iter(v.keys()), "empty")


def load_expected(path: str) -> tuple[list[dict[str, Any]], int]:
    spans = []
    lines = 0
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            lines += 1
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                res = {kv["key"]: otlp_value(kv["value"]) for kv in rs.get("resource", {}).get("attributes", [])}
                project = res.get("openinference.project.name") or "default"
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        attrs = {kv["key"]: otlp_value(kv["value"]) for kv in s.get("attributes", [])}
                        types = {kv["key"]: otlp_type(kv["value"]) for kv in s.get("attributes", [])}
                        status = s.get("status") or {}
                        spans.append(
                            {
                                "project": project,
                                "trace_id": s["traceId"],
                                "span_id": s["spanId"],
                                "parent_id": s.get("parentSpanId") or None,
                                "name": s.get("name", ""),
                                "start_ns": int(s["startTimeUnixNano"]),
                                "end_ns": int(s["endTimeUnixNano"]),
                                "attributes": attrs,
                                "types": types,
                                "status_code": STATUS_NAMES.get(int(status.get("code", 0)), "?"),
                                "status_message": status.get("message", "") or "",
                                "events": [e.get("name", "") for e in s.get("events", [])],
                                "event_details": [
                                    {
                                        "name": e.get("name", ""),
                                        "time_ns": int(e.get("timeUnixNano", 0)),
                                        "attributes": {kv["key"]: otlp_value(kv["value"]) for kv in e.get("attributes", [])},
                                    }
                                    for e in s.get("events", [])
                                ],
                                "resource_keys": sorted(res),
                                "scope": (ss.get("scope") or {}).get("name", ""),
                                "otel_kind": s.get("kind", 0),
                            }
                        )
    return spans, lines


# ----------------------------------------------------------------------------
# check: HTTP


def http_json(url: str, body: Any = None, timeout: float = 30.0) -> Any:
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read().decode())


def fetch_spans(base: str, project: str) -> list[dict[str, Any]]:
    """All spans of a project through GET /v1/projects/{project}/spans,
    following next_cursor (phoenix/server/api/routers/v1/spans.py)."""
    out: list[dict[str, Any]] = []
    cursor = None
    for _page in range(1000):
        q = {"limit": "1000", "sort": "id", "order": "asc"}
        if cursor:
            q["cursor"] = cursor
        url = f"{base}/v1/projects/{urllib.parse.quote(project, safe='')}/spans?{urllib.parse.urlencode(q)}"
        try:
            doc = http_json(url)
        except urllib.error.HTTPError as e:
            if e.code == 404:  # project not created yet
                return []
            raise
        out.extend(doc.get("data", []))
        cursor = doc.get("next_cursor")
        if not cursor:
            return out
    raise RuntimeError("more than 1000 pages of spans")


def graphql(base: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    doc = http_json(f"{base}/graphql", {"query": query, "variables": variables or {}})
    if doc.get("errors"):
        raise RuntimeError(f"GraphQL errors: {doc['errors']}")
    return doc["data"]


GQL_PROJECTS = """
query {
  projects(first: 100) { edges { node {
    id name tokenCountTotal tokenCountPrompt tokenCountCompletion
    costSummary { prompt { tokens cost } completion { tokens cost } total { tokens cost } }
  } } }
}"""

GQL_SPANS = """
query($id: ID!, $after: String) {
  node(id: $id) { ... on Project {
    spans(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node {
        spanId tokenCountTotal tokenCountPrompt tokenCountCompletion
        costSummary { prompt { tokens cost } completion { tokens cost } total { tokens cost } }
        costDetailSummaryEntries { tokenType isPrompt value { tokens cost } }
      } }
    }
  } }
}"""

GQL_TRACE = """
query($id: ID!, $traceId: ID!) {
  node(id: $id) { ... on Project {
    trace(traceId: $traceId) {
      numSpans
      costSummary { prompt { tokens cost } completion { tokens cost } total { tokens cost } }
    }
  } }
}"""


# ----------------------------------------------------------------------------
# check: comparison


def flatten(obj: Any, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}"))
    else:
        out[prefix] = obj
    return out


def same_value(sent: Any, got: Any) -> bool:
    if isinstance(sent, bool) or isinstance(got, bool):
        return type(sent) is type(got) and sent == got
    if isinstance(sent, int):
        return type(got) is int and got == sent
    if isinstance(sent, float):
        if not isinstance(got, (int, float)):
            return False
        if math.isnan(sent):
            return isinstance(got, float) and math.isnan(got)
        return abs(float(got) - sent) <= FLOAT_TOL
    if isinstance(sent, list):
        return isinstance(got, list) and len(sent) == len(got) and all(same_value(a, b) for a, b in zip(sent, got))
    return sent == got


def show(v: Any) -> str:
    if v is MISSING:
        return "(absent)"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    return f"{v!r} ({type(v).__name__})"


class _Missing:
    pass


MISSING = _Missing()


def parse_time(s: str | None) -> datetime | None:
    if not s:
        return None
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(timezone.utc)


def ns_to_us(ns: int) -> int:
    return ns // 1000


def dt_to_us(dt: datetime) -> int:
    return int((dt - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()) * 1_000_000 + dt.microsecond


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, bool]] = []
        self.mismatches: list[str] = []
        self.notes: list[str] = []

    def row(self, check: str, expected: Any, got: Any, ok: bool) -> None:
        self.rows.append((check, str(expected), str(got), ok))

    def table(self, title: str, rows: list[tuple[str, str, str, bool]] | None = None) -> None:
        rows = self.rows if rows is None else rows
        w0 = max([len(r[0]) for r in rows] + [5])
        w1 = max([len(r[1]) for r in rows] + [8])
        w2 = max([len(r[2]) for r in rows] + [3])
        line = f"+-{'-' * w0}-+-{'-' * w1}-+-{'-' * w2}-+------+"
        print(f"\n{title}")
        print(line)
        print(f"| {'check':<{w0}} | {'expected':<{w1}} | {'got':<{w2}} | ok   |")
        print(line)
        for c, e, g, ok in rows:
            print(f"| {c:<{w0}} | {e:<{w1}} | {g:<{w2}} | {'PASS' if ok else 'FAIL'} |")
        print(line)


def compare_span(exp: dict[str, Any], got: dict[str, Any], counts: Counter, fails: list[str], notes: Counter) -> None:
    sid = exp["span_id"]
    where = f"span {sid} ({exp['name']!r}, trace {exp['trace_id']})"
    gattrs: dict[str, Any] = got.get("attributes") or {}
    kind = exp["attributes"].get("openinference.span.kind")

    def check(name: str, ok: bool, detail: str) -> None:
        counts[(name, "total")] += 1
        if ok:
            counts[(name, "pass")] += 1
        else:
            fails.append(f"{where}: {name}: {detail}")

    ctx = got.get("context") or {}
    check("trace_id", ctx.get("trace_id") == exp["trace_id"], f"expected {exp['trace_id']} got {ctx.get('trace_id')}")
    check("parent_id", got.get("parent_id") == exp["parent_id"], f"expected {exp['parent_id']} got {got.get('parent_id')}")
    check("name", got.get("name") == exp["name"], f"expected {exp['name']!r} got {got.get('name')!r}")
    check("span kind", got.get("span_kind") == kind, f"expected {kind} got {got.get('span_kind')}")
    check(
        "status code",
        got.get("status_code") == exp["status_code"],
        f"expected {exp['status_code']} got {got.get('status_code')}",
    )
    check(
        "status message",
        (got.get("status_message") or "") == exp["status_message"],
        f"expected {exp['status_message']!r} got {got.get('status_message')!r}",
    )
    st, et = parse_time(got.get("start_time")), parse_time(got.get("end_time"))
    check(
        "start/end time (us)",
        st is not None
        and et is not None
        and abs(dt_to_us(st) - ns_to_us(exp["start_ns"])) <= 1
        and abs(dt_to_us(et) - ns_to_us(exp["end_ns"])) <= 1,
        f"expected {exp['start_ns']}..{exp['end_ns']} ns got {got.get('start_time')}..{got.get('end_time')}",
    )
    gevents = got.get("events") or []
    gev = [e.get("name") for e in gevents]
    check("event names", gev == exp["events"], f"expected {exp['events']} got {gev}")
    for i, (se, ge) in enumerate(zip(exp["event_details"], gevents)):
        gt = parse_time(ge.get("timestamp"))
        check(
            "event time (us)",
            gt is not None and abs(dt_to_us(gt) - ns_to_us(se["time_ns"])) <= 1,
            f"event {i} {se['name']}: expected {se['time_ns']} ns got {ge.get('timestamp')}",
        )
        ga = ge.get("attributes") or {}
        for k, v in se["attributes"].items():
            check(
                "event attributes round-trip",
                same_value(v, ga.get(k, MISSING)),
                f"event {i} {se['name']}: {k}: sent {show(v)} got {show(ga.get(k, MISSING))}",
            )
        for k in sorted(set(ga) - set(se["attributes"])):
            notes[f"Phoenix added event attribute `{k}` = {json.dumps(ga[k])} on `{se['name']}` events"] += 1
    sess = exp["attributes"].get("session.id")
    check(
        "session.id present and equal",
        isinstance(sess, str) and sess != "" and gattrs.get("session.id") == sess,
        f"sent {show(sess if sess is not None else MISSING)} got {show(gattrs.get('session.id', MISSING))}",
    )

    if kind == "LLM":
        for key in REQUIRED_LLM_INTS:
            sent = exp["attributes"].get(key, MISSING)
            stype = exp["types"].get(key)
            g = gattrs.get(key, MISSING)
            ok = sent is not MISSING and stype == "intValue" and same_value(sent, g)
            check(
                f"LLM {key}",
                ok,
                f"sent {show(sent)} as {stype or 'nothing'} got {show(g)}",
            )
        sent = exp["attributes"].get(COST_TOTAL, MISSING)
        g = gattrs.get(COST_TOTAL, MISSING)
        check(
            f"LLM {COST_TOTAL} (tol {FLOAT_TOL:g})",
            isinstance(sent, float) and same_value(sent, g),
            f"sent {show(sent)} got {show(g)}",
        )

    # Every other attribute that was sent comes back unchanged, allowing for
    # what Phoenix does on purpose: span kind moves to `span_kind`, and the
    # JSON-string attributes are parsed and flattened into `key.sub`.
    seen: set[str] = set()
    for key, sent in exp["attributes"].items():
        if key == "openinference.span.kind":
            continue
        if key in JSON_STRING_ATTRIBUTES and key not in gattrs and isinstance(sent, str):
            try:
                parsed = json.loads(sent)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                flat = flatten(parsed, key)
                gflat = {k: v for k, v in gattrs.items() if k == key or k.startswith(key + ".")}
                seen.update(gflat)
                check(
                    "other attributes round-trip",
                    all(k in gflat and same_value(v, gflat[k]) for k, v in flat.items()) and set(gflat) == set(flat),
                    f"{key}: sent {sent} got {json.dumps(gflat)}",
                )
                notes[f"Phoenix parsed the JSON string `{key}` into an object (returned as {key}.*)"] += 1
                continue
        seen.add(key)
        g = gattrs.get(key, MISSING)
        check("other attributes round-trip", same_value(sent, g), f"{key}: sent {show(sent)} got {show(g)}")
    for key in sorted(set(gattrs) - seen):
        notes[f"Phoenix added attribute `{key}` that was not sent"] += 1


def cmd_check(args: argparse.Namespace) -> int:
    base = args.base.rstrip("/")
    expected, lines = load_expected(args.expected)
    rep = Report()
    ok_all = True

    print(f"expectation: {args.expected}: {lines} OTLP-JSON line(s), {len(expected)} span(s)")
    if not expected:
        print("FAIL: the OTLP-JSON file holds no spans")
        return 1

    by_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in expected:
        by_project[s["project"]].append(s)

    # Wait (bounded) for Phoenix's background inserter to store every span.
    deadline = time.monotonic() + args.wait
    stored: dict[str, list[dict[str, Any]]] = {}
    while True:
        stored = {p: fetch_spans(base, p) for p in by_project}
        have = sum(len(v) for v in stored.values())
        if have >= len(expected) or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    waited = args.wait - max(0.0, deadline - time.monotonic())
    print(f"read back after ~{waited:.0f} s: " + ", ".join(f"project {p!r}: {len(v)} span(s)" for p, v in stored.items()))

    if args.json_status is not None:
        rep.row("OTLP JSON to /v1/traces refused", "HTTP 415", f"HTTP {args.json_status}", args.json_status == 415)
        ok_all &= args.json_status == 415

    counts: Counter = Counter()
    fails: list[str] = []
    notes: Counter = Counter()
    for project, exp_spans in by_project.items():
        got_spans = stored.get(project, [])
        got_by_id: dict[str, dict[str, Any]] = {}
        dup = 0
        for g in got_spans:
            sid = (g.get("context") or {}).get("span_id")
            if sid in got_by_id:
                dup += 1
            got_by_id[sid] = g
        exp_ids = [s["span_id"] for s in exp_spans]
        exp_dups = len(exp_ids) - len(set(exp_ids))
        missing = [s for s in exp_spans if s["span_id"] not in got_by_id]
        extra = sorted(set(got_by_id) - set(exp_ids))
        n_ok = len(got_spans) == len(exp_spans) and not missing and not extra and dup == 0 and exp_dups == 0
        rep.row(f"span count, project {project!r}", len(exp_spans), len(got_spans), n_ok)
        ok_all &= n_ok
        for s in missing:
            fails.append(f"span {s['span_id']} ({s['name']!r}) was sent but Phoenix has no span with that id")
        for sid in extra:
            fails.append(f"Phoenix has span {sid} that was not sent")
        if dup or exp_dups:
            fails.append(f"duplicate span ids: {exp_dups} in what was sent, {dup} in Phoenix")
        kinds_sent = Counter(s["attributes"].get("openinference.span.kind") for s in exp_spans)
        kinds_got = Counter(g.get("span_kind") for g in got_spans)
        kinds_ok = kinds_sent == kinds_got
        rep.row(
            "span kinds",
            " ".join(f"{k}={v}" for k, v in sorted(kinds_sent.items())),
            " ".join(f"{k}={v}" for k, v in sorted(kinds_got.items())),
            kinds_ok,
        )
        ok_all &= kinds_ok
        for s in exp_spans:
            if s["span_id"] in got_by_id:
                compare_span(s, got_by_id[s["span_id"]], counts, fails, notes)
        # Parent links: each parent a span in the same trace that arrived.
        got_ids = {(g.get("context") or {}).get("trace_id"): set() for g in got_spans}
        for g in got_spans:
            got_ids[(g.get("context") or {}).get("trace_id")].add((g.get("context") or {}).get("span_id"))
        dangling = [
            g
            for g in got_spans
            if g.get("parent_id") and g["parent_id"] not in got_ids.get((g.get("context") or {}).get("trace_id"), set())
        ]
        roots_sent = sum(1 for s in exp_spans if not s["parent_id"])
        roots_got = sum(1 for g in got_spans if not g.get("parent_id"))
        links_ok = not dangling and roots_sent == roots_got
        rep.row("parent links resolve in Phoenix (roots)", f"0 dangling ({roots_sent} roots)", f"{len(dangling)} dangling ({roots_got} roots)", links_ok)
        ok_all &= links_ok
        for g in dangling:
            fails.append(f"span {g['context']['span_id']}: parent {g['parent_id']} is not among the stored spans of its trace")

    names = []
    for name, _ in counts:
        if name not in names:
            names.append(name)
    for name in names:
        t, p = counts[(name, "total")], counts[(name, "pass")]
        unit = "attributes" if "attributes" in name else ("events" if name.startswith("event time") else "spans")
        rep.row(name, f"{t}/{t} {unit}", f"{p}/{t}", p == t)
        ok_all &= p == t

    rep.table("Phoenix round-trip checks (expectation = agentobs --output OTLP-JSON)")
    if fails:
        print(f"\nMISMATCHES ({len(fails)}):")
        for f in fails[:200]:
            print(f"  - {f}")
        if len(fails) > 200:
            print(f"  ... and {len(fails) - 200} more")
    # How Phoenix stored values and what it did not keep (informative).
    n_int = n_int_ok = n_dbl = n_dbl_exact = 0
    max_diff = 0.0
    for project, exp_spans in by_project.items():
        got_by_id = {(g.get("context") or {}).get("span_id"): g for g in stored.get(project, [])}
        for e in exp_spans:
            g = (got_by_id.get(e["span_id"]) or {}).get("attributes") or {}
            for k, t in e["types"].items():
                if k not in g:
                    continue
                if t == "intValue":
                    n_int += 1
                    n_int_ok += type(g[k]) is int
                elif t == "doubleValue":
                    n_dbl += 1
                    if isinstance(g[k], (int, float)):
                        n_dbl_exact += float(g[k]) == e["attributes"][k]
                        max_diff = max(max_diff, abs(float(g[k]) - e["attributes"][k]))
    notes[f"intValue attributes came back as JSON integers: {n_int_ok}/{n_int}"] += 0
    notes[f"doubleValue attributes came back bit-exact: {n_dbl_exact}/{n_dbl} (max |diff| {max_diff:g})"] += 0
    res_keys = sorted({k for e in expected for k in e["resource_keys"]})
    notes[
        "resource attributes (" + ", ".join(res_keys) + ") and the scope name are not kept: "
        "the spans API has no resource; only openinference.project.name would pick the project"
    ] += 0
    kinds = Counter(e["otel_kind"] for e in expected)
    kind_names = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
    notes[
        "OTel SpanKind (sent " + ", ".join(f"{kind_names.get(k, k)}={v}" for k, v in sorted(kinds.items())) + ") and trace flags "
        "are not kept; Phoenix's span_kind is openinference.span.kind"
    ] += 0
    if notes:
        print("\nNotes (what Phoenix changed on purpose, not failures):")
        for n, c in sorted(notes.items()):
            print(f"  - {n}: {c} span(s)" if c else f"  - {n}")

    # Phoenix's own token totals and cost (computed from its model price table).
    try:
        ok_all &= phoenix_computed(base, by_project, stored)
    except Exception as e:  # informative part; a failure to query is reported
        print(f"\nFAIL: could not read Phoenix's computed totals through /graphql: {e}")
        ok_all = False

    print(f"\nRESULT: {'PASS' if ok_all else 'FAIL'}")
    return 0 if ok_all else 1


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer() and abs(v) >= 1:
        return str(int(v))
    return f"{v:.10g}" if isinstance(v, float) else str(v)


def phoenix_computed(base: str, by_project: dict[str, list[dict[str, Any]]], stored: dict[str, list[dict[str, Any]]]) -> bool:
    ok = True
    projects = {e["node"]["name"]: e["node"] for e in graphql(base, GQL_PROJECTS)["projects"]["edges"]}
    for project, exp_spans in by_project.items():
        node = projects.get(project)
        if node is None:
            print(f"\nFAIL: GraphQL lists no project {project!r}")
            ok = False
            continue
        llm = [s for s in exp_spans if s["attributes"].get("openinference.span.kind") == "LLM"]

        def tok(s: dict[str, Any], k: str) -> int:
            v = s["attributes"].get(f"llm.token_count.{k}", 0)
            return v if isinstance(v, int) else 0

        ours = {
            "prompt": sum(tok(s, "prompt") for s in llm),
            "completion": sum(tok(s, "completion") for s in llm),
            "total": sum(tok(s, "total") for s in llm),
        }
        our_cost = {
            "prompt": sum(s["attributes"].get("llm.cost.prompt", 0.0) for s in llm),
            "completion": sum(s["attributes"].get("llm.cost.completion", 0.0) for s in llm),
            "total": sum(s["attributes"].get("llm.cost.total", 0.0) for s in llm),
        }
        cs = node.get("costSummary") or {}
        rows = []
        for k, field in (("prompt", "tokenCountPrompt"), ("completion", "tokenCountCompletion"), ("total", "tokenCountTotal")):
            g = node.get(field)
            t_ok = g is not None and float(g) == float(ours[k])
            rows.append((f"project tokens {k} (Phoenix {field})", _num(ours[k]), _num(g), t_ok))
            ok &= t_ok
            gs = (cs.get(k) or {}).get("tokens")
            s_ok = gs is not None and float(gs) == float(ours[k])
            rows.append((f"project tokens {k} (Phoenix costSummary)", _num(ours[k]), _num(gs), s_ok))
            ok &= s_ok
        print()
        rep = Report()
        rep.table(f"Phoenix's own totals for project {project!r} vs the sum over our LLM spans (tokens must agree)", rows)

        # Cost: informative only. Phoenix ignores llm.cost.* and prices the
        # tokens itself from its model table (phoenix/server/cost_tracking).
        print(f"\nCost, project {project!r} (informative: Phoenix computes its own from its price table)")
        print(f"  {'':<11} {'ours (llm.cost.*)':>22} {'Phoenix costSummary':>22} {'diff':>12}")
        for k in ("prompt", "completion", "total"):
            g = (cs.get(k) or {}).get("cost")
            d = "-" if g is None else f"{g - our_cost[k]:+.3g}"
            print(f"  {k:<11} {our_cost[k]:>22.12g} {(_num(g) if g is None else format(g, '.12g')):>22} {d:>12}")

        # Per span: Phoenix's token fields and cost summary next to ours.
        pspans: dict[str, dict[str, Any]] = {}
        after = None
        for _ in range(1000):
            d = graphql(base, GQL_SPANS, {"id": node["id"], "after": after})["node"]["spans"]
            for e in d["edges"]:
                pspans[e["node"]["spanId"]] = e["node"]
            if not d["pageInfo"]["hasNextPage"]:
                break
            after = d["pageInfo"]["endCursor"]
        print(f"\nPer LLM span (tokens must agree; Phoenix cost informative)")
        hdr = f"  {'span_id':<16} {'model':<18} {'prompt':>7} {'compl':>6} {'total':>7} {'cache_r':>7} {'reason':>6} {'our cost':>14} {'Phoenix cost':>14} {'tokens':>6}"
        print(hdr)
        span_tok_fail = 0
        cost_diff = 0
        no_cost = 0
        for s in llm:
            p = pspans.get(s["span_id"])
            a = s["attributes"]
            pc = (p or {}).get("costSummary") or {}
            ptot = (pc.get("total") or {}).get("cost")
            good = (
                p is not None
                and p.get("tokenCountPrompt") == a.get("llm.token_count.prompt")
                and p.get("tokenCountCompletion") == a.get("llm.token_count.completion")
                and p.get("tokenCountTotal") == a.get("llm.token_count.total")
                and pc
                and (pc.get("prompt") or {}).get("tokens") == a.get("llm.token_count.prompt")
                and (pc.get("completion") or {}).get("tokens") == a.get("llm.token_count.completion")
                and (pc.get("total") or {}).get("tokens") == a.get("llm.token_count.total")
            )
            if not good:
                span_tok_fail += 1
            if ptot is None:
                no_cost += 1
            elif abs(ptot - a.get(COST_TOTAL, 0.0)) > FLOAT_TOL:
                cost_diff += 1
            print(
                f"  {s['span_id']:<16} {str(a.get('llm.model_name'))[:18]:<18} {_num(a.get('llm.token_count.prompt')):>7} "
                f"{_num(a.get('llm.token_count.completion')):>6} {_num(a.get('llm.token_count.total')):>7} "
                f"{_num(a.get('llm.token_count.prompt_details.cache_read')):>7} {_num(a.get('llm.token_count.completion_details.reasoning')):>6} "
                f"{a.get(COST_TOTAL, float('nan')):>14.8g} {('-' if ptot is None else format(ptot, '.8g')):>14} {'ok' if good else 'DIFF':>6}"
            )
            if not good:
                print(f"      Phoenix: {json.dumps(p)}")
        ok &= span_tok_fail == 0
        print(
            f"  => {len(llm)} LLM spans: Phoenix token fields differ on {span_tok_fail}; "
            f"Phoenix cost differs from llm.cost.total on {cost_diff} (beyond {FLOAT_TOL:g}), has no cost for {no_cost}"
        )

        # Per trace (informative): Phoenix's span count and cost per trace.
        traces: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for s in exp_spans:
            traces[s["trace_id"]].append(s)
        print(f"\nPer trace (Phoenix Trace.numSpans and Trace.costSummary vs ours)")
        print(f"  {'trace_id':<32} {'spans':>5} {'Phx':>4} {'tokens':>7} {'Phx tok':>7} {'our cost':>14} {'Phx cost':>14}")
        for tid, ss in traces.items():
            t = graphql(base, GQL_TRACE, {"id": node["id"], "traceId": tid})["node"]["trace"] or {}
            tc = (t.get("costSummary") or {}).get("total") or {}
            ours_tok = sum(s["attributes"].get("llm.token_count.total", 0) for s in ss if s["attributes"].get("openinference.span.kind") == "LLM")
            ours_c = sum(s["attributes"].get(COST_TOTAL, 0.0) for s in ss if s["attributes"].get("openinference.span.kind") == "LLM")
            n_ok = t.get("numSpans") == len(ss)
            tok_ok = tc.get("tokens") is not None and float(tc["tokens"]) == float(ours_tok) or (ours_tok == 0 and not tc.get("tokens"))
            ok &= n_ok and tok_ok
            print(
                f"  {tid:<32} {len(ss):>5} {_num(t.get('numSpans')):>4} {ours_tok:>7} {_num(tc.get('tokens')):>7} "
                f"{ours_c:>14.8g} {('-' if tc.get('cost') is None else format(tc['cost'], '.8g')):>14}"
                f"{'' if n_ok and tok_ok else '  <-- DIFF'}"
            )
    return ok


# ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve").set_defaults(func=cmd_serve)
    p = sub.add_parser("free-ports")
    p.add_argument("n", type=int)
    p.set_defaults(func=cmd_free_ports)
    p = sub.add_parser("listeners")
    p.add_argument("pid", type=int)
    p.set_defaults(func=cmd_listeners)
    p = sub.add_parser("check")
    p.add_argument("--base", required=True)
    p.add_argument("--expected", required=True)
    p.add_argument("--wait", type=float, default=60.0)
    p.add_argument("--json-status", type=int)
    p.set_defaults(func=cmd_check)
    args = ap.parse_args()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
