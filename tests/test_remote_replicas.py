"""Many replicas: lodpub keeps no state but the release, so servers sharing an engine answer alike.

Two real ``lodpub serve --store URL`` processes, each with its own copy of the release (copied
the way a deployment copies files, so their files' times differ), behind the same public URL,
over one engine: the same answers, ETags and Last-Modified from both, and a validator one of
them gave is honoured by the other (what a load balancer or CDN in front relies on).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from lodpub.query.remote import RemoteStore
from support import ROOT
from support.engines import ENGINES, free_port, wait_until

PUBLIC = "https://lod.example.org/pub/"
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
VALIDATED = ("/sparql?query=" + quote(LABELS), "/id/kataib-hezbollah.ttl",
             "/id/kataib-hezbollah.html", "/dataset.ttl", "/downloads/lodpub.trig",
             "/downloads/release.json")  # answers that carry an ETag
PATHS = (*VALIDATED, "/", "/downloads", "/query", "/timeline")


class Replica:
    """``lodpub serve --store`` in a process of its own, over its own copy of ``dist``."""

    def __init__(self, dist: Path, store: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(Path(sys.executable).with_name("lodpub")), "--project", str(ROOT),
                   "--dist", str(dist), "serve", "--store", store, "--port", str(self.port),
                   "--public-url", PUBLIC]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        wait_until(self.ready, f"lodpub serve on port {self.port}")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(self.process.stderr.read().decode())
        try:
            return requests.get(self.url + "/health", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def get(self, path: str, **headers) -> requests.Response:
        return requests.get(self.url + path, headers=headers, allow_redirects=False, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


def copy_dist(source: Path, target: Path, *, age: int) -> Path:
    """A copy of ``source`` whose files are ``age`` seconds old (a deployment's own copy)."""
    shutil.copytree(source, target, symlinks=True, copy_function=shutil.copy)
    for path in target.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            os.utime(path, (stat.st_atime - age, stat.st_mtime - age))
    return target


@pytest.fixture(scope="module", params=list(ENGINES))
def replicas(request, tiny_release, engine_for, tmp_path_factory):
    engine = engine_for(request.param, tiny_release)
    dist = tiny_release.path.parents[1]
    folder = tmp_path_factory.mktemp("replicas")
    servers = [Replica(copy_dist(dist, folder / f"dist-{n}", age=n * 3600), engine.query_url)
               for n in (1, 2)]
    yield servers, engine
    for server in servers:
        server.stop()


def test_remote_replicas_answer_alike_with_the_same_validators(replicas):
    (one, two), _ = replicas
    for path in PATHS:
        first, second = one.get(path), two.get(path)
        assert first.status_code == second.status_code == 200, path
        for validator in ("ETag", "Last-Modified", "Cache-Control"):
            assert first.headers.get(validator) == second.headers.get(validator), path
        assert first.content == second.content, path


def test_remote_replicas_honour_each_others_validators(replicas):
    (one, two), _ = replicas
    for path in VALIDATED:
        tag = one.get(path).headers["ETag"]
        assert two.get(path, **{"If-None-Match": tag}).status_code == 304, path
    download = one.get("/downloads/lodpub.trig")
    since = two.get("/downloads/lodpub.trig",
                    **{"If-Modified-Since": download.headers["Last-Modified"]})
    assert since.status_code == 304


def test_remote_replicas_date_downloads_by_the_engines_switch(replicas, tiny_release):
    (one, _), engine = replicas
    switched = RemoteStore(engine.query_url, release=tiny_release.version).record().switched
    modified = parsedate_to_datetime(one.get("/downloads/lodpub.trig").headers["Last-Modified"])
    assert switched is not None and modified == switched  # not either copy's file time
