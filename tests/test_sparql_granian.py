"""`lodpub serve` with ``http_server = granian``: the same protocol, cache, limits and streaming.

The real command in a subprocess on a free port (granian forks its worker, which builds the
app and owns the query pool), queried over HTTP with requests.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from support.releases import DATA_TRIG, EX
from support.serving import children, start

pytestmark = pytest.mark.server
JSON_TYPE = "application/sparql-results+json"
NAMES = f"SELECT ?who ?name WHERE {{ ?who <{EX}name> ?name }}"


def _numbers(n: int) -> str:
    return " ".join(str(i) for i in range(n))


BIG = f"SELECT * WHERE {{ VALUES ?a {{ {_numbers(80)} }} VALUES ?b {{ {_numbers(80)} }} }}"
SLOW = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {_numbers(400)} }} "
        f"VALUES ?b {{ {_numbers(400)} }} VALUES ?c {{ {_numbers(400)} }} "
        "FILTER(?a + ?b + ?c < 0) }")


def _start(root: Path):
    (root / "data").mkdir(exist_ok=True)
    return start(root, "--data", str(DATA_TRIG), http_server="granian", query_timeout=1,
                 workers=2, threads=4)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = _start(tmp_path_factory.mktemp("granian"))
    with requests.Session() as session:
        yield served.base, session
    served.stop()


def post(session, base: str, query: str, **kw):
    return session.post(base + "/sparql", data={"query": query},
                        headers={"Accept": JSON_TYPE}, timeout=30, **kw)


def test_granian_answers_with_cache_and_etag(server):
    base, session = server
    miss, hit = post(session, base, NAMES), post(session, base, NAMES)
    assert (miss.headers["X-Lodpub-Cache"], hit.headers["X-Lodpub-Cache"]) == ("miss", "hit")
    assert miss.content == hit.content
    assert {r["name"]["value"] for r in hit.json()["results"]["bindings"]} == {"Alice", "Bob"}
    url = base + "/sparql?query=" + quote(NAMES)
    first = session.get(url, headers={"Accept": JSON_TYPE}, timeout=30)
    again = session.get(url, headers={"Accept": JSON_TYPE, "If-None-Match": first.headers["ETag"]},
                        timeout=30)
    assert (first.status_code, again.status_code) == (200, 304)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    bad = post(session, base, "SELECT ?x WHERE { ?x")
    assert bad.status_code == 400 and "malformed query" in bad.json()["error"]


def test_granian_streams_a_large_answer(server):
    base, session = server
    response = post(session, base, BIG)
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert len(json.loads(response.content)["results"]["bindings"]) == 6400


def test_granian_stops_a_slow_query_while_others_answer(server):
    base, session = server
    slow: dict = {}
    thread = threading.Thread(target=lambda: slow.update(r=requests.post(
        base + "/sparql", data={"query": SLOW}, headers={"Accept": JSON_TYPE}, timeout=60)))
    thread.start()
    try:
        quick = [post(session, base, NAMES + f" # {i}") for i in range(3)]
    finally:
        thread.join(60)
    assert all(r.status_code == 200 for r in quick)
    assert slow["r"].status_code == 503
    assert "stopped" in slow["r"].json()["error"]


def test_granian_stream_cut_at_the_limit_is_never_silently_short(server):
    base, session = server
    # rows flow at once, but nine million of them take longer than the 1 s limit
    values = f"{{ {_numbers(3000)} }}"
    endless = f"SELECT * WHERE {{ VALUES ?a {values} VALUES ?b {values} }}"
    with requests.post(base + "/sparql", data={"query": endless}, stream=True, timeout=30,
                       headers={"Accept": "text/tab-separated-values"}) as response:
        assert response.status_code == 200, response.text
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _ in response.iter_content(65536):
                pass
    assert post(session, base, NAMES + " # after the cut").status_code == 200


def test_granian_client_leaving_mid_stream_costs_nothing(server):
    base, session = server
    with requests.post(base + "/sparql", data={"query": BIG}, headers={"Accept": JSON_TYPE},
                       stream=True, timeout=30) as response:
        assert next(response.iter_content(1024))
    for i in range(4):  # both workers keep answering (the abandoned one drained or replaced)
        response = post(session, base, NAMES + f" # after {i}")
        assert response.status_code == 200


def test_granian_sigterm_stops_every_process_and_keeps_the_store(tmp_path):
    served = _start(tmp_path)
    try:
        workers = [p for p in children(served.process.pid)
                   if b"lodpub.query.worker" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 2
        store = Path(Path(f"/proc/{workers[0]}/cmdline").read_bytes().split(b"\0")[4].decode())
    finally:
        code = served.stop()
    assert code == 0
    for _ in range(100):
        if not any(Path(f"/proc/{p}").exists() for p in workers):
            break
        time.sleep(0.1)
    assert not any(Path(f"/proc/{p}").exists() for p in workers)
    assert store.is_relative_to(tmp_path / "dist" / ".cache")  # kept for the next start
    assert (store / "LODPUB_READY").is_file()
