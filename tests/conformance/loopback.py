"""What the conformance servers share: serving on 127.0.0.1 for a bounded time."""

import threading
from http.server import ThreadingHTTPServer


def serve(handler, port, seconds):
    """Serves `handler` on 127.0.0.1:`port` until `seconds` have passed."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    timer = threading.Timer(seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
