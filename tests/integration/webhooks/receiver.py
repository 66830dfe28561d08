"""A real HTTP receiver on 127.0.0.1 for the webhook and http.request tests."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every request; answers `fail_next` requests with 500, the others 201 with JSON."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        self.during = None  # called while a request waits for its answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"method": self.command, "path": self.path, "body": body,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}})
                if receiver.during is not None:
                    receiver.during()
                failing = receiver.fail_next > 0
                receiver.fail_next -= 1 if failing else 0
                answer = json.dumps({"received": len(body), "id": 42}).encode()
                self.send_response(500 if failing else 201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_GET = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        self.requests.clear()
        self.fail_next = 0
        self.during = None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
