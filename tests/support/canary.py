"""A canary: an HTTP server on 127.0.0.1 that records every request it receives.

A test points a query (SERVICE, FROM, a dataset parameter) at it and then checks that nothing
arrived; with ``answer`` it plays an allow-listed SPARQL service (optionally a slow one).
"""

from __future__ import annotations

import http.server
import threading
import time


class Canary(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records every request; optionally answers SPARQL JSON."""

    daemon_threads = True

    def __init__(self, answer: bytes | None = None, delay: float = 0.0):
        self.requests: list[str] = []
        self.answer, self.delay = answer, delay
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                canary.requests.append(f"{self.command} {self.path}")
                time.sleep(canary.delay)
                body = canary.answer or b"canary"
                self.send_response(200 if canary.answer else 404)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        threading.Thread(target=self.serve_forever, daemon=True).start()
