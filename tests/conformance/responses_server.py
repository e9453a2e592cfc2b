#!/usr/bin/env python3
"""A scripted OpenAI Responses API for conformance runs of the real Codex CLI.

Binds 127.0.0.1 only. The first user message picks the script with `scenario=<name>` and,
for the tool scenarios, the command with `run: <command>` (to the end of the line):

  plain      one assistant message
  tool       a shell call of the command, then a message quoting its output
  tool_fail  the same, with a failing default command
  http500    HTTP 500 on the first attempt, then as `tool`
  ctx_window the request fails with context_length_exceeded
  tool_escalate  as `tool`, the call asking for escalated permissions (the approval path:
             run Codex with --approve-for-me; its reviewer's request is answered `allow`)

Every request is appended as one JSON line to --log. Standard library only.
"""

import argparse
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler

from loopback import serve

DEFAULT_COMMANDS = {
    "tool": "echo hi",
    "http500": "echo hi",
    "tool_fail": "ls /no/such/folder",
    "tool_escalate": "echo escalated",
}
SEEN = {}
SEEN_LOCK = threading.Lock()
LOG = None


def new_id(prefix):
    return prefix + uuid.uuid4().hex[:20]


def user_text(request):
    """The text of the first user message of the conversation."""
    for item in request.get("input") or []:
        if item.get("type") == "message" and item.get("role") == "user":
            parts = [c.get("text", "") for c in item.get("content") or [] if isinstance(c, dict)]
            text = "\n".join(p for p in parts if isinstance(p, str))
            if "scenario=" in text:
                return text
    return ""


def tool_outputs(request):
    return [i for i in request.get("input") or []
            if i.get("type") in ("function_call_output", "custom_tool_call_output")]


def token_usage(prompt, cached, output, reasoning):
    return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": prompt + output}


def shell_item(request, command, escalate=False):
    """A function call of the shell tool this Codex build advertises."""
    tools = {t.get("name") for t in request.get("tools") or [] if isinstance(t, dict)}
    if "exec_command" in tools:
        name, args = "exec_command", {"cmd": command, "yield_time_ms": 2000}
    elif "shell_command" in tools:
        name, args = "shell_command", {"command": command, "timeout_ms": 10000}
    else:
        name, args = "shell", {"command": ["bash", "-lc", command], "timeout_ms": 10000}
    if escalate:
        args["sandbox_permissions"] = "require_escalated"
        args["justification"] = "the scripted server asks for approval"
    return {"type": "function_call", "id": new_id("fc_"), "call_id": new_id("call_"),
            "name": name, "arguments": json.dumps(args), "status": "completed"}


def message_item(text):
    return {"type": "message", "id": new_id("msg_"), "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def do_GET(self):
        record({"method": "GET", "path": self.path})
        if self.path.split("?")[0].rstrip("/").endswith("/models"):
            self.reply(200, {"data": [], "models": []})
        else:
            self.reply(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        record({"method": "POST", "path": self.path, "body": body,
                "headers": {k.lower(): v for k, v in self.headers.items()
                            if k.lower() in ("traceparent", "originator", "session-id")}})
        if body is None or not self.path.split("?")[0].endswith("/responses"):
            self.reply(404, {"error": {"message": "not a responses request"}})
            return
        self.respond(body)

    # -- the script --------------------------------------------------------------------
    def respond(self, request):
        fmt = (request.get("text") or {}).get("format") or {}
        if fmt.get("type") == "json_schema" and "outcome" in ((fmt.get("schema") or {})
                                                              .get("properties") or {}):
            # Codex's automatic approval reviewer (--approve-for-me) asks for a verdict.
            verdict = {"risk_level": "low", "user_authorization": "high", "outcome": "allow",
                       "rationale": "scripted reviewer: a harmless echo"}
            sys.stderr.write("[responses] reviewer -> allow\n")
            events = Stream(request.get("model"))
            events.item(message_item(json.dumps(verdict)))
            events.completed(token_usage(2890, 0, 41, 0))
            self.stream(events)
            return
        text = user_text(request)
        m = re.search(r"scenario=([a-z0-9_]+)", text)
        scenario = m.group(1) if m else "plain"
        outputs = tool_outputs(request)
        with SEEN_LOCK:
            key = (text, len(outputs))
            SEEN[key] = SEEN.get(key, 0) + 1
            attempt = SEEN[key]
        sys.stderr.write(f"[responses] scenario={scenario} step={len(outputs)} attempt={attempt}\n")
        if scenario == "http500" and attempt == 1 and not outputs:
            self.reply(500, {"error": {"message": "scripted failure", "type": "server_error"}})
            return
        events = Stream(request.get("model"))
        if scenario == "ctx_window":
            events.failed("context_length_exceeded",
                          "Your input exceeds the context window of this model.")
        elif scenario in DEFAULT_COMMANDS and not outputs:
            run = re.search(r"run: (.+)", text)
            command = run.group(1).strip() if run else DEFAULT_COMMANDS[scenario]
            events.item(shell_item(request, command, scenario == "tool_escalate"))
            events.completed(token_usage(4200, 3968, 60, 32))
        else:
            if outputs:
                last = outputs[-1].get("output")
                said = last if isinstance(last, str) else json.dumps(last)
                reply = "Done. The command printed:\n" + said[:300]
            else:
                reply = f"Hello (scenario={scenario})."
            events.item(message_item(reply))
            events.completed(token_usage(4400 + 200 * len(outputs), 4096 if outputs else 0, 40, 0))
        self.stream(events)

    def stream(self, events):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for kind, data in events.out:
            self.wfile.write(f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
        self.close_connection = True


class Stream:
    """The SSE events of one response, in the order the Responses API sends them."""

    def __init__(self, model):
        self.out = []
        self.items = []
        self.base = {"id": new_id("resp_"), "object": "response", "created_at": int(time.time()),
                     "model": model, "status": "in_progress", "output": []}
        self.emit("response.created", {"response": self.base})

    def emit(self, kind, fields):
        self.out.append((kind, dict({"type": kind, "sequence_number": len(self.out)}, **fields)))

    def item(self, item):
        index = len(self.items)
        if item["type"] == "function_call":
            self.emit("response.output_item.added",
                      {"output_index": index, "item": dict(item, arguments="", status="in_progress")})
            self.emit("response.function_call_arguments.delta",
                      {"output_index": index, "item_id": item["id"], "delta": item["arguments"]})
            self.emit("response.function_call_arguments.done",
                      {"output_index": index, "item_id": item["id"], "arguments": item["arguments"]})
        else:
            text = item["content"][0]["text"]
            self.emit("response.output_item.added",
                      {"output_index": index, "item": dict(item, content=[], status="in_progress")})
            self.emit("response.content_part.added",
                      {"output_index": index, "item_id": item["id"], "content_index": 0,
                       "part": {"type": "output_text", "text": "", "annotations": []}})
            self.emit("response.output_text.delta",
                      {"output_index": index, "item_id": item["id"], "content_index": 0, "delta": text})
            self.emit("response.output_text.done",
                      {"output_index": index, "item_id": item["id"], "content_index": 0, "text": text})
        self.emit("response.output_item.done", {"output_index": index, "item": item})
        self.items.append(item)

    def completed(self, usage):
        self.emit("response.completed",
                  {"response": dict(self.base, status="completed", output=self.items, usage=usage)})

    def failed(self, code, message):
        self.emit("response.failed", {"response": dict(self.base, status="failed",
                                                      error={"code": code, "message": message})})


def record(entry):
    if LOG is None:
        return
    entry["t"] = time.time()
    with SEEN_LOCK, open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def main():
    global LOG
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long")
    args = parser.parse_args()
    LOG = args.log
    serve(Api, args.port, args.seconds)


if __name__ == "__main__":
    main()
