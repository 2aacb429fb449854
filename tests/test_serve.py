"""`lodpub serve` on waitress, for real: worker processes that run queries themselves.

The command runs in a subprocess on a free port over 3,000 triples with a 1 s time limit and
two worker processes. A query past its time or memory limit is answered 503 and ends its
worker, which the supervisor replaces while the other worker keeps answering; a stream cut at
the limit says so; a client that leaves costs nothing; no query reaches the network; SIGTERM
stops every process; a second start opens the store the first one built. Nothing is timed:
the tests wait for states (a worker replaced, the pool at full strength).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from support.canary import Canary
from support.serving import STOPPED_TAIL, children, cut_tail, start
from support.waiting import wait_for

pytestmark = pytest.mark.server
EX = "http://example.org/"
JSON_TYPE = "application/sparql-results+json"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = f"SELECT ?n WHERE {{ <{EX}s7> <{EX}name> ?n }}"


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    lines = [f'<{EX}s{i}> <{EX}name> "n{i}" .\n' for i in range(3000)]
    (root / "big.nt").write_text("".join(lines), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def served(big):
    server = start(big, "--data", str(big / "big.nt"), query_timeout=1, workers=2, threads=4)
    yield server
    server.stop()


def query(served, text: str, **kw):
    return requests.post(served.base + "/sparql", data={"query": text},
                         headers={"Accept": JSON_TYPE}, timeout=60, **kw)


def workers(served) -> set[int]:
    return children(served.process.pid)


def both_ready(served) -> bool:
    return len(workers(served)) == 2 and query(served, SIMPLE).status_code == 200


def test_serve_a_query_past_the_limit_ends_its_worker_while_the_other_answers(served):
    wait_for(lambda: both_ready(served))
    before = workers(served)
    stopped: dict = {}
    heavy = threading.Thread(target=lambda: stopped.update(r=query(served, CROSS)))
    heavy.start()
    answers = [query(served, SIMPLE + f" # {i}") for i in range(5)]
    heavy.join(60)
    assert all(r.status_code == 200 for r in answers)
    assert stopped["r"].status_code == 503
    assert "query stopped after 1 s" in stopped["r"].json()["error"]
    wait_for(lambda: both_ready(served) and workers(served) != before)
    assert len(before - workers(served)) == 1  # exactly the one that ran the query


@pytest.fixture(scope="module")
def thrifty(big, tmp_path_factory):
    """A time limit no query here reaches, so only the memory limit can stop one."""
    server = start(tmp_path_factory.mktemp("thrifty"), "--data", str(big / "big.nt"),
                   query_timeout=600, workers=2, threads=4,
                   query_memory_mb=200)
    yield server
    server.stop()


def test_serve_memory_limit_ends_the_worker_with_503(thrifty):
    wait_for(lambda: both_ready(thrifty))
    before = workers(thrifty)
    hog = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } ORDER BY ?o ?c"
    response = query(thrifty, hog)
    assert response.status_code == 503
    assert "query used more than 200 MB" in response.json()["error"]
    wait_for(lambda: both_ready(thrifty) and workers(thrifty) != before)


def test_serve_a_stream_cut_at_the_limit_says_so(served):
    wait_for(lambda: both_ready(served))
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    with requests.post(served.base + "/sparql", data={"query": endless}, stream=True,
                       headers={"Accept": "text/tab-separated-values"}, timeout=60) as response:
        assert response.status_code == 200
        tail = cut_tail(response)
    assert tail.endswith(STOPPED_TAIL)
    wait_for(lambda: both_ready(served))


def test_serve_a_client_leaving_mid_stream_costs_nothing(served):
    wait_for(lambda: both_ready(served))
    big_answer = "SELECT * WHERE { ?s ?p ?o }"
    with requests.post(served.base + "/sparql", data={"query": big_answer}, stream=True,
                       headers={"Accept": JSON_TYPE}, timeout=60) as response:
        assert next(response.iter_content(1024))
    for i in range(6):
        assert query(served, SIMPLE + f" # after {i}").status_code == 200


def test_serve_a_lone_worker_that_ends_is_replaced(big):
    """With every worker gone at once (here the only one), the server waits for the replacement;
    it once stopped with 'No child processes' instead."""
    server = start(big, "--data", str(big / "big.nt"), query_timeout=1, workers=1, threads=4)
    try:
        assert query(server, CROSS).status_code == 503
        wait_for(lambda: "ended (exit code 0); replacing it" in server.log_text())
        assert query(server, SIMPLE).status_code == 200
        assert server.process.poll() is None, server.log_text()
    finally:
        assert server.stop() == 0


def test_serve_each_worker_reads_what_pages_share_before_a_visitor_asks(served):
    def warmed() -> set[int]:
        return {int(line.split("process ", 1)[1].split(":", 1)[0])
                for line in served.log_text().splitlines()
                if "the pages' shared data is ready" in line}

    wait_for(lambda: workers(served) <= warmed())


def test_serve_workers_have_no_network(served):
    canary = Canary()
    try:
        health = requests.get(served.base + "/health", timeout=30).json()
        assert health["engine"]["network_isolation"].startswith("network namespace")
        refused = query(served, f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
        assert refused.status_code == 400
        assert canary.requests == []
    finally:
        canary.shutdown()
        canary.server_close()


def test_serve_larger_data_is_served_from_disk_until_it_is_in_memory(big):
    """Above a hundredth of memory_store_max_quads the workers start on the on-disk store; once the
    copy is loaded they are replaced one at a time, and every request meanwhile is answered."""
    server = start(big, "--data", str(big / "big.nt"), workers=2, threads=4,
                   memory_store_max_quads=10_000)
    statuses: list[int] = []

    def moved() -> bool:
        statuses.append(query(server, SIMPLE).status_code)
        health = [requests.get(server.base + "/health", timeout=30).json() for _ in range(6)]
        log = server.log_text()
        return (log.count("ended (exit code 0); replacing it") == 2
                and all(h["engine"]["data"] == "in memory" for h in health))

    try:
        assert "data on disk, loading into memory" in server.log_text()
        wait_for(moved)
        assert "data in memory; replacing the 2 workers one at a time" in server.log_text()
        assert set(statuses) == {200}
    finally:
        assert server.stop() == 0


def test_serve_sigterm_stops_every_process_and_a_second_start_opens_the_store(big):
    first = start(big, "--data", str(big / "big.nt"), workers=2)
    try:
        processes = workers(first)
        assert len(processes) == 2
    finally:
        assert first.stop() == 0
    wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in processes))
    [store] = (big / "dist" / ".cache").glob("data-*")
    built = (store / "LODPUB_READY").stat().st_mtime_ns
    second = start(big, "--data", str(big / "big.nt"), workers=2)
    try:
        assert query(second, SIMPLE).json()["results"]["bindings"][0]["n"]["value"] == "n7"
        assert (store / "LODPUB_READY").stat().st_mtime_ns == built  # opened, not rebuilt
    finally:
        second.stop()


@pytest.mark.parametrize("where", ["url", "header"])
def test_serve_an_oversized_request_head_is_a_431(served, where):
    parts = urlsplit(served.base)
    big = b"a" * 300_000  # waitress refuses a request head over 256 KiB
    head = (b"GET /sparql?query=" + big + b" HTTP/1.1\r\nHost: localhost\r\n\r\n" if where == "url"
            else b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + big + b"\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.0 431 ") or answer.startswith(b"HTTP/1.1 431 ")
