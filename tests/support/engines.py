"""Real SPARQL engines for the tests: the Oxigraph server and Virtuoso Open Source 7.

Each runs on 127.0.0.1 on a free port with its data in a temporary directory, in a process
group of its own, and can be stopped and started again on the same port and data (to test
that lodpub recovers). Readiness is a state that is waited for (the engine answers ``ASK {}``),
never a duration. Oxigraph's server is the ``oxigraph`` executable of PyPI's ``oxigraph``
(the test extras); Virtuoso is Debian's ``virtuoso-opensource-7-bin`` (``.ci/run`` installs it).

``Engine.query_url`` is what ``lodpub serve --store`` takes; ``publish_url`` (with the
credentials an engine needs for writing, as URL userinfo) is what ``lodpub publish --to`` takes.
"""

from __future__ import annotations

import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

import requests

from support.serving import free_port

READY_WAIT = 120.0  # an upper bound for waiting until an engine answers (never a measurement)
VIRTUOSO_HINT = ("Virtuoso is not installed: apt-get install -y --no-install-recommends "
                 "virtuoso-opensource-7-bin (.ci/run does this)")


def wait_until(condition, what: str, limit: float = READY_WAIT) -> None:
    """Wait until ``condition()`` is true (a state, polled), or fail saying ``what``."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not reached within {limit:g} s")
        time.sleep(0.05)


class Engine:
    """A SPARQL engine process on 127.0.0.1 with its data in ``directory``."""

    name = "engine"

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    # what lodpub is given
    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 query endpoint."""
        raise NotImplementedError

    @property
    def publish_url(self) -> str:
        """The query endpoint with the credentials lodpub needs to write (userinfo)."""
        return self.query_url

    def command(self) -> list[str]:
        """The command line that runs the engine in the foreground."""
        raise NotImplementedError

    def ready(self) -> bool:
        """Whether the engine answers queries."""
        try:
            response = requests.get(self.query_url, params={"query": "ASK {}"}, timeout=5,
                                    headers={"Accept": "application/sparql-results+json"})
        except requests.RequestException:
            return False
        return response.status_code == 200

    def start(self) -> Engine:
        """Start the engine and wait until it answers."""
        log = (self.directory / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(self.command(), cwd=self.directory, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        wait_until(self._up, f"{self.name} on port {self.port} ({self.log_tail()})")
        return self

    def _up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}: "
                                 f"{self.log_tail()}")
        return self.ready()

    def stop(self) -> None:
        """Stop the engine (SIGTERM, then SIGKILL) and wait until its port is free."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        wait_until(self._port_free, f"{self.name}'s port {self.port} to close")

    def _port_free(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) != 0

    def close(self) -> None:
        """Stop the engine and remove its data."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the engine's log, for failure messages."""
        path = self.directory / f"{self.name}.log"
        return path.read_text(errors="replace")[-1500:] if path.exists() else ""


class OxigraphServer(Engine):
    """``oxigraph serve`` with its own timeout (``--timeout-s``); with ``read_only``,
    ``oxigraph serve-read-only`` over what ``load`` (a file) put in first, offline."""

    name = "oxigraph"

    def __init__(self, directory: Path, timeout_s: int = 10, read_only: bool = False,
                 load: Path | None = None):
        super().__init__(directory)
        self.timeout_s, self.read_only, self.load = timeout_s, read_only, load
        self.binary = (shutil.which("oxigraph", path=str(Path(sys.executable).parent))
                       or shutil.which("oxigraph"))
        if self.binary is None:
            raise AssertionError("the oxigraph executable is missing: pip install oxigraph "
                                 "(in lodpub's test extras)")

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    def command(self) -> list[str]:
        return [self.binary, "serve-read-only" if self.read_only else "serve", "--location",
                str(self.directory / "db"), "--bind", f"127.0.0.1:{self.port}",
                "--timeout-s", str(self.timeout_s)]

    def start(self) -> OxigraphServer:
        if self.load is not None and not (self.directory / "db").exists():
            subprocess.run([self.binary, "load", "--location", str(self.directory / "db"),
                            "--file", str(self.load)], check=True, capture_output=True,
                           timeout=300)
        super().start()
        return self


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{isql}
DisableUnixSocket  = 1
DirsAllowed        = ., {d}
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
ThreadsPerQuery    = 1
CheckpointInterval = 0
; without CaseMode = 2 an ASK answers as a SELECT of one column __ASK_RETVAL
CaseMode           = 2

[HTTPServer]
ServerPort         = 127.0.0.1:{http}
ServerRoot         = {d}
ServerThreads      = 4
Charset            = UTF-8

[SPARQL]
; Virtuoso cuts SELECT answers here (saying so in X-SPARQL-MaxRows) and CONSTRUCT answers
; without a word: above any answer lodpub serves
ResultSetMaxRows           = {max_rows}
; 0: no refusal by estimated cost (it refuses lodpub's page queries, estimating years)
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {timeout}
"""


class Virtuoso(Engine):
    """``virtuoso-t`` in the foreground with a private ini, database and dba password."""

    name = "virtuoso"

    def __init__(self, directory: Path, timeout_s: int = 10, max_rows: int = 100_000):
        super().__init__(directory)
        self.binary = shutil.which("virtuoso-t")
        self.isql_binary = shutil.which("isql-vt")
        if self.binary is None or self.isql_binary is None:
            raise AssertionError(VIRTUOSO_HINT)
        self.isql_port = free_port()
        self.password = "dba"  # until start() sets a private one
        ini = VIRTUOSO_INI.format(d=self.directory, isql=self.isql_port, http=self.port,
                                  max_rows=max_rows, timeout=timeout_s)
        (self.directory / "virtuoso.ini").write_text(ini, encoding="utf-8")

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    @property
    def publish_url(self) -> str:
        return f"http://dba:{self.password}@127.0.0.1:{self.port}/sparql"

    def command(self) -> list[str]:
        return [self.binary, "+foreground", "+configfile", str(self.directory / "virtuoso.ini")]

    def ready(self) -> bool:
        # the HTTP port can come up before the SQL port the password is set through
        return super().ready() and self.isql("SELECT 1;").returncode == 0

    def start(self) -> Virtuoso:
        super().start()
        if self.password == "dba":  # the well-known default: replace it on first start
            password = "pw" + secrets.token_hex(8)
            done = self.isql(f"USER_SET_PASSWORD('dba', '{password}');")
            if done.returncode != 0 or "*** Error" in done.stdout:
                raise AssertionError(f"cannot set Virtuoso's dba password: {done.stdout}")
            self.password = password
        return self

    def isql(self, sql: str) -> subprocess.CompletedProcess:
        """Run SQL through isql-vt (which exits 0 even when the SQL fails: read stdout)."""
        return subprocess.run([self.isql_binary, f"127.0.0.1:{self.isql_port}", "dba",
                               self.password, f"exec={sql}"], capture_output=True, text=True,
                              timeout=300, check=False)


ENGINES = {"oxigraph": OxigraphServer, "virtuoso": Virtuoso}


class FakeEngine(http.server.ThreadingHTTPServer):
    """A scripted SPARQL engine on 127.0.0.1: it holds ``release`` (it answers lodpub's record
    queries as ``lodpub publish`` would have left it) and answers every other query with
    ``answer(query)``: (status, headers, body parts, seconds to wait before each part). For the
    deviations a real engine shows only at its own limits (Virtuoso's partial answers, its row
    cap, Oxigraph's cut bodies), which a test can then reproduce exactly."""

    daemon_threads = True
    GRAPHS = ("https://w3id.org/lodpub/graph/facts",)

    def __init__(self, release: str, answer, server: str = "Virtuoso/07.20.3229 (fake)"):
        self.release, self.answer = release, answer
        self.forms: list[dict[str, list[str]]] = []  # every query's form, lodpub's own left out
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version, sys_version = server, ""  # the Server header, as the engine's

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                query = form.get("query", [""])[0]
                if "urn:lodpub:publication" not in query:
                    fake.forms.append(form)
                status, headers, parts, wait = fake.respond(query)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in parts:
                    time.sleep(wait)
                    if "Content-Length" in headers:
                        self.wfile.write(part)
                    else:
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    self.wfile.flush()
                if "Content-Length" not in headers:
                    self.wfile.write(b"0\r\n\r\n")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/sparql"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def respond(self, query: str):
        """The scripted answer, or the record of the release for lodpub's own queries."""
        if "urn:lodpub:publication" in query:
            if query.lstrip().startswith("ASK"):
                return _json_answer({"head": {}, "boolean": True})
            rows = [{"release": {"type": "literal", "value": self.release},
                     "nonce": {"type": "literal", "value": "n1"},
                     "graph": {"type": "uri", "value": g}} for g in self.GRAPHS]
            return _json_answer({"head": {"vars": ["release", "nonce", "graph"]},
                                 "results": {"bindings": rows}})
        return self.answer(query)

    def close(self) -> None:
        """Stop answering."""
        self.shutdown()
        self.server_close()


def _json_answer(data: dict, headers: dict | None = None):
    body = json.dumps(data).encode()
    return 200, {"Content-Type": "application/sparql-results+json",
                 "Content-Length": str(len(body)), **(headers or {})}, [body], 0.0


def rows_answer(count: int, headers: dict | None = None):
    """A SPARQL JSON answer of ``count`` rows of ?n, announced with its length."""
    rows = [{"n": {"type": "literal", "value": str(i)}} for i in range(count)]
    return _json_answer({"head": {"vars": ["n"]}, "results": {"bindings": rows}}, headers)
