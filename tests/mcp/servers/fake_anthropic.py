"""A scripted stand-in for Anthropic's Messages API, for testing cchost's `model` interface and
the llm-agent's tool-use loop without a network or a key.

Usage: PORT=N fake_anthropic.py LOG_FILE
It checks the request shape (x-api-key, anthropic-version, model, messages), appends each request
body to LOG_FILE (one JSON per line), and answers: when the conversation's last user turn holds a
tool_result, an `end_turn` text quoting it; otherwise, when a tool whose name ends in `__add` is
offered, a `tool_use` of it with a=2, b=3; otherwise an `end_turn` text.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[1], "a") as log:
            log.write(json.dumps({"headers": {"x-api-key": self.headers.get("x-api-key"), "anthropic-version": self.headers.get("anthropic-version")}, "body": body}) + "\n")
        if self.path != "/v1/messages" or self.headers.get("x-api-key") != "test-key":
            return self.reply(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
        last = body["messages"][-1]
        content = last["content"]
        results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"] if isinstance(content, list) else []
        add = [t for t in body.get("tools", []) if t["name"].endswith("__add")]
        if results:
            blocks = [{"type": "text", "text": f"The answer is {results[0]['content']}."}]
            stop = "end_turn"
        elif add:
            blocks = [{"type": "text", "text": "Let me add them."}, {"type": "tool_use", "id": "toolu_01", "name": add[0]["name"], "input": {"a": 2, "b": 3}}]
            stop = "tool_use"
        else:
            blocks = [{"type": "text", "text": "No tools, no answer."}]
            stop = "end_turn"
        self.reply(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"], "content": blocks, "stop_reason": stop, "usage": {"input_tokens": 10, "output_tokens": 5}})

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
