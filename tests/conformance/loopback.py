"""What the conformance servers share: serving on 127.0.0.1 for a bounded time."""

import argparse
import threading
from http.server import ThreadingHTTPServer


def server_args(doc):
    """The flags every scripted model API takes: --port, --log, --seconds (default 300)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", help="append each answered request here, one JSON line")
    parser.add_argument("--seconds", type=float, default=300, help="stop after this long")
    return parser


def serve(handler, port, seconds):
    """Serves `handler` on 127.0.0.1:`port` until `seconds` have passed."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    timer = threading.Timer(seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
