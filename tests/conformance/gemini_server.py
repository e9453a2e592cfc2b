#!/usr/bin/env python3
"""A scripted Gemini API (generativelanguage `v1beta`) for conformance runs of the real Gemini CLI.

Binds 127.0.0.1 only. `POST /v1beta/models/<model>:generateContent` and
`:streamGenerateContent?alt=sse` are answered; `:countTokens` gets a rough count; anything else
gets a 404 in Google's error shape.

- A request that asks for JSON (`generationConfig.responseJsonSchema`, `responseSchema` or a JSON
  MIME type) is one of the CLI's helper calls, such as its model router: it gets the smallest
  object its schema allows, with integers at their minimum (at least 1).
- Any other request is a conversation turn. When the conversation has no function response yet,
  the answer is a text and a `run_shell_command` call (`echo conformance`); after the tool ran, it
  is a thought and a final text.

With --rate-limit-first, the first conversation turn is refused once with HTTP 429
`RESOURCE_EXHAUSTED` and a one-second `RetryInfo`, as the real API refuses an exhausted quota;
the CLI retries it.

Usage differs per answered request (n = 1, 2, ...), so a wrong sum cannot match by chance:
helper calls prompt 300 + n and answer 10 + n; turns prompt 6,000 + 200 n (cached 4,000 + 100 n
of it, Gemini's prompt count includes the cached part), answer 30 + n, and the final turn also
thinks 15 + n tokens.

Every answered request is appended as one JSON line to --log: model, kind (`helper` or `turn`),
whether it streamed, and the `usageMetadata` sent; a refused one as kind `refused` with its
status. Standard library only.
"""

import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler

from loopback import serve, server_args

COUNTER = itertools.count(1)
LOCK = threading.Lock()
PATH = re.compile(r"^/v1beta/models/([^/:?]+):([A-Za-z]+)")


def smallest(schema):
    """The smallest value a JSON schema (or Gemini's OpenAPI subset) accepts."""
    if not isinstance(schema, dict):
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    kind = str(kind).lower()
    if kind == "object":
        return {name: smallest(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "scripted"


def has_function_response(body):
    return any("functionResponse" in part
               for content in body.get("contents") or []
               for part in content.get("parts") or [] if isinstance(part, dict))


def usage_metadata(prompt, answer, cached=0, thoughts=0):
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": answer,
             "totalTokenCount": prompt + answer + thoughts}
    if cached:
        usage["cachedContentTokenCount"] = cached
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None
    refuse_first_turn = False

    def log_message(self, *args):
        pass

    def send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=UTF-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self):
        self.send_json(404, {"error": {"code": 404, "status": "NOT_FOUND",
                                       "message": f"no such method: {self.path}"}})

    def log(self, entry):
        if self.log_path:
            with LOCK, open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self.not_found()

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        match = PATH.match(self.path)
        if not isinstance(body, dict) or not match:
            return self.not_found()
        model, method = match.groups()
        if method == "countTokens":
            return self.send_json(200, {"totalTokens": max(1, len(raw) // 4)})
        if method not in ("generateContent", "streamGenerateContent"):
            return self.not_found()
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        helper = schema is not None or config.get("responseMimeType") == "application/json"
        with LOCK:
            refuse = not helper and Api.refuse_first_turn
            if refuse:
                Api.refuse_first_turn = False
        if refuse:
            self.log({"model": model, "kind": "refused", "status": 429})
            return self.send_json(429, {"error": {
                "code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "Resource has been exhausted (scripted).",
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                             "retryDelay": "1s"}]}})
        with LOCK:
            n = next(COUNTER)
        if helper:
            kind = "helper"
            parts = [{"text": json.dumps(smallest(schema) if schema else {})}]
            usage = usage_metadata(300 + n, 10 + n)
        elif not has_function_response(body):
            kind = "turn"
            parts = [{"text": "I will run it."},
                     {"functionCall": {"name": "run_shell_command",
                                       "args": {"command": "echo conformance",
                                                "description": "Print a word"}}}]
            usage = usage_metadata(6000 + 200 * n, 30 + n, cached=4000 + 100 * n)
        else:
            kind = "turn"
            parts = [{"text": "Checking what the tool printed.", "thought": True},
                     {"text": "The command printed conformance."}]
            usage = usage_metadata(6000 + 200 * n, 30 + n, cached=4000 + 100 * n,
                                   thoughts=15 + n)
        stream = method == "streamGenerateContent"
        self.log({"model": model, "kind": kind, "stream": stream, "usage": usage})
        response_id = f"conformance{n:06d}"
        if not stream:
            return self.send_json(200, {
                "candidates": [{"content": {"role": "model", "parts": parts},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": usage, "modelVersion": model, "responseId": response_id})
        self.stream(model, response_id, parts, usage)

    def stream(self, model, response_id, parts, usage):
        # One part per event; only the last event carries the finish reason and the whole usage,
        # the earlier ones the prompt count alone (as the real API does while it streams).
        events = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            candidate = {"content": {"role": "model", "parts": [part]}, "index": 0}
            if last:
                candidate["finishReason"] = "STOP"
            events.append({
                "candidates": [candidate], "modelVersion": model, "responseId": response_id,
                "usageMetadata": usage if last else {
                    "promptTokenCount": usage["promptTokenCount"],
                    "totalTokenCount": usage["promptTokenCount"]}})
        data = "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = server_args(__doc__)
    parser.add_argument("--rate-limit-first", action="store_true",
                        help="refuse the first conversation turn once with HTTP 429")
    args = parser.parse_args()
    Api.log_path = args.log
    Api.refuse_first_turn = args.rate_limit_first
    serve(Api, args.port, args.seconds)


if __name__ == "__main__":
    main()
