"""The real ``lodpub serve`` in a subprocess on a free port: start it, wait until it answers,
find its processes, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> set[int]:
    """Every descendant process of ``pid``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found | {g for c in found for g in children(c)}


@dataclass
class Served:
    """A running ``lodpub serve``: its base URL, process and log file."""

    base: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise


def start(root: Path, *args: str, **env: str) -> Served:
    """``lodpub serve ARGS`` with ``LODPUB_*`` settings from ``env``; waits until it answers."""
    port = free_port()
    environment = dict(os.environ, LODPUB_PROJECT_DIR=str(root),
                       **{f"LODPUB_{k.upper()}": str(v) for k, v in env.items()})
    log = root / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from lodpub.cli import main; main()", "serve", *args,
             "--host", "127.0.0.1", "--port", str(port)],
            env=environment, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    served = Served(f"http://127.0.0.1:{port}", process, log)
    for _ in range(600):  # synchronisation only: wait until it answers
        try:
            if requests.get(served.base + "/sparql?query=ASK%7B%7D", timeout=5).ok:
                return served
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            break
        threading.Event().wait(0.2)
    served.stop()
    raise AssertionError("lodpub serve did not answer: " + served.log_text())


STOPPED_TAIL = (b"\n# lodpub: query stopped after 1 s (the time limit); "
                b"this answer is incomplete\n")  # how a stream cut by a 1 s limit ends


def cut_tail(response: requests.Response) -> bytes:
    """The last 4 KiB of a streamed answer the server cut: the connection must end without the
    chunked encoding's last chunk (so no client can take it for a complete answer)."""
    import pytest

    tail = b""
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for chunk in response.iter_content(65536):
            tail = (tail + chunk)[-4096:]
    return tail
