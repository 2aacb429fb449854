"""A stand-in for Wikidata's api.php on 127.0.0.1, answering from a recorded response file."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from lodpub.curate.wikidata_client import RecordedApi, request_key


class _StandIn(BaseHTTPRequestHandler):
    """Imitates api.php: answers the recorded requests, an API error for anything else."""

    answers: dict = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        params = dict(parse_qsl(urlsplit(self.path).query))
        answer = self.answers.get(request_key(params))
        if answer is None:
            answer = {"error": {"code": "unknown", "info": f"not recorded: {params}"}}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Keep test output quiet."""


@contextmanager
def stand_in_api(recorded: Path) -> Iterator[str]:
    """Serve the answers of the recorded file ``recorded``; yield the api.php URL."""
    handler = type("Handler", (_StandIn,), {"answers": RecordedApi.load(recorded).answers})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/w/api.php"
    finally:
        server.shutdown()
        server.server_close()
