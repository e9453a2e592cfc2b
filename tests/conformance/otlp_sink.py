#!/usr/bin/env python3
"""An OTLP/HTTP JSON receiver for conformance runs: the upstream `agentobs gateway` forwards to.

Binds 127.0.0.1 only. Every POST to /v1/traces, /v1/logs or /v1/metrics is answered 200 and
appended to --out as one JSON line {"path": ..., "body": <the OTLP/JSON request>} (gzip bodies
gunzipped). Protobuf bodies are counted but not decoded (use --forward-protocol http/json).
Standard library only.
"""

import argparse
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler

from loopback import serve

OUT = None
LOCK = threading.Lock()


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if (self.headers.get("content-encoding") or "").lower() == "gzip":
            raw = gzip.decompress(raw)
        ctype = (self.headers.get("content-type") or "").lower()
        entry = {"path": self.path, "content_type": ctype, "bytes": len(raw)}
        if ctype.startswith("application/json"):
            try:
                entry["body"] = json.loads(raw)
            except ValueError as e:
                entry["error"] = str(e)
        with LOCK, open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        data = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    args = parser.parse_args()
    OUT = args.out
    serve(Sink, args.port, args.seconds)


if __name__ == "__main__":
    main()
