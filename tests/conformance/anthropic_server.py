#!/usr/bin/env python3
"""A scripted Anthropic Messages API for conformance runs of the real Claude Code CLI.

Binds 127.0.0.1 only. Every `POST /v1/messages` gets one answer, streamed as server-sent
events when the request asks for a stream: a `Bash` tool call (`echo conformance`) while the
conversation has no tool result yet (with --tool), else a text. Each answer has its own request
id (`request-id` header) and a usage that differs per request (n = 1, 2, ...): input 100 + n, cache writes 1,000 + 10 n, of
which 1-hour writes 200, cache reads 3,000 + 100 n, output 20 + n. Other paths get 404.

Every answered request is appended as one JSON line to --log: its model, message id, request id,
the usage sent and the id of the tool call it made, if any, so a check can add up what the API billed. Standard library only.
"""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler

from loopback import serve, server_args

COUNTER = itertools.count(1)
LOCK = threading.Lock()


def usage_of(n):
    return {
        "input_tokens": 100 + n,
        "cache_creation_input_tokens": 1000 + 10 * n,
        "cache_read_input_tokens": 3000 + 100 * n,
        "output_tokens": 20 + n,
        "cache_creation": {
            "ephemeral_5m_input_tokens": 800 + 10 * n,
            "ephemeral_1h_input_tokens": 200,
        },
        "service_tier": "standard",
    }


def has_tool_result(body):
    return any(isinstance(block, dict) and block.get("type") == "tool_result"
               for message in body.get("messages") or [] if message.get("role") == "user"
               for block in (message.get("content") if isinstance(message.get("content"), list)
                             else []))


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None
    tool = False

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.startswith("/v1/messages") or "count_tokens" in self.path:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        with LOCK:
            n = next(COUNTER)
        model = body.get("model", "claude-opus-4-8")
        msg_id = f"msg_conformance{n:06d}"
        req_id = f"req_conformance{n:06d}"
        usage = usage_of(n)
        if Api.tool and not has_tool_result(body):
            block = {"type": "tool_use", "id": f"toolu_conformance{n:06d}", "name": "Bash",
                     "input": {"command": "echo conformance", "description": "Print a word"}}
        else:
            block = {"type": "text", "text": f"hello from the scripted API, answer {n}"}
        if self.log_path:
            with LOCK, open(self.log_path, "a") as f:
                f.write(json.dumps({"model": model, "message_id": msg_id,
                                    "request_id": req_id, "usage": usage,
                                    "stream": bool(body.get("stream")),
                                    "tool_use_id": block.get("id")}) + "\n")
        stop = "tool_use" if block["type"] == "tool_use" else "end_turn"
        if body.get("stream"):
            self.stream(model, msg_id, req_id, usage, block, stop)
        else:
            message = {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                       "content": [block], "stop_reason": stop,
                       "stop_sequence": None, "usage": usage}
            data = json.dumps(message).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("request-id", req_id)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def stream(self, model, msg_id, req_id, usage, block, stop):
        start_usage = dict(usage, output_tokens=1)
        if block["type"] == "tool_use":
            first = dict(block, input={})
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            first = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events = [
            ("message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": start_usage}}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": first}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta",
                               "delta": {"stop_reason": stop, "stop_sequence": None},
                               "usage": {"output_tokens": usage["output_tokens"]}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        data = "".join(f"event: {name}\ndata: {json.dumps(payload)}\n\n"
                       for name, payload in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("request-id", req_id)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = server_args(__doc__)
    parser.add_argument("--tool", action="store_true",
                        help="answer with a Bash tool call until the conversation has its result")
    args = parser.parse_args()
    Api.log_path = args.log
    Api.tool = args.tool
    serve(Api, args.port, args.seconds)


if __name__ == "__main__":
    main()
