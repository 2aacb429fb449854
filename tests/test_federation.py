"""Federated example queries: SERVICE to an allow-listed stand-in for Wikidata on 127.0.0.1.

The stand-in is a real SPARQL server (``oxigraph serve-read-only`` from the PyPI ``oxigraph``
package) loaded with a few wd: triples for the states the release links to Wikidata. The
example query names Wikidata's service; the test points it at the stand-in, which is the only
endpoint on the allow-list. Nothing here reaches the network.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from lodpub.namespaces import GRAPH_CLAIMS, GRAPH_FACTS, LPO, OWL, RDF, RDFS, WD
from lodpub.web import create_app

QUERIES = Path(__file__).resolve().parents[1] / "src" / "lodpub" / "queries" / "wikidata"
WIKIDATA_SERVICE = "https://query.wikidata.org/sparql"
SOVEREIGN_STATE = "http://www.wikidata.org/entity/Q3624078"
JSON = "application/sparql-results+json"


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph")
    assert found, "the oxigraph server (PyPI package oxigraph, test extras) is not installed"
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)  # readiness polling, not a timing assertion
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def linked_states(release_settings, release) -> dict[str, str]:
    """State IRI -> Wikidata item IRI, as linked in the release's facts."""
    app = create_app(release_settings, release=release)
    try:
        rows = app.extensions["lodpub"].store.select(f"""SELECT ?s ?item WHERE {{
            GRAPH <{GRAPH_FACTS}> {{ ?s <{RDF.type}> <{LPO.State}> ; <{OWL.sameAs}> ?item }} }}""")
    finally:
        app.extensions["lodpub"].close()
    states = {str(r["s"]): str(r["item"]) for r in rows if str(r["item"]).startswith(str(WD))}
    assert states, "the release links no state to Wikidata"
    return states


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, linked_states) -> Iterator[tuple[str, dict[str, tuple[int, str]]]]:
    """A Wikidata stand-in: each linked state a sovereign state with population and head."""
    folder = tmp_path_factory.mktemp("wikidata-stand-in")
    expected: dict[str, tuple[int, str]] = {}
    lines = ['<http://www.wikidata.org/entity/Q900000999> '
             f'<http://www.wikidata.org/prop/direct/P31> <{SOVEREIGN_STATE}> .']
    for number, item in enumerate(sorted(set(linked_states.values())), start=1):
        head = f"http://www.wikidata.org/entity/Q90000{number:04d}"
        expected[item] = (1_000_000 + number, f"Stand-in head {number}")
        lines += [
            f"<{item}> <http://www.wikidata.org/prop/direct/P31> <{SOVEREIGN_STATE}> .",
            f"<{item}> <http://www.wikidata.org/prop/direct/P1082> \"{1_000_000 + number}\""
            "^^<http://www.w3.org/2001/XMLSchema#decimal> .",
            f"<{item}> <http://www.wikidata.org/prop/direct/P6> <{head}> .",
            f"<{head}> <http://www.w3.org/2000/01/rdf-schema#label> "
            f"\"Stand-in head {number}\"@en .",
        ]
    data = folder / "wikidata.nt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = folder / "store"
    subprocess.run([_oxigraph(), "load", "--location", str(store), "--file", str(data)],
                   check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [_oxigraph(), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        _wait_until_up(url, process)
        yield url, expected
    finally:
        process.terminate()
        process.wait(timeout=30)


def _client(release_settings, release, allowlist: tuple[str, ...]):
    settings = dataclasses.replace(release_settings, service_allowlist=allowlist)
    return create_app(settings, release=release)


def _query(name: str) -> str:
    return (QUERIES / name).read_text(encoding="utf-8")


def test_federation_states_join_facts_with_stand_in(release_settings, release, stand_in,
                                                    linked_states):
    url, expected = stand_in
    query = _query("federated-states.rq").replace(f"<{WIKIDATA_SERVICE}>", f"<{url}>")
    app = _client(release_settings, release, (url,))
    try:
        response = app.test_client().post("/sparql", data={"query": query},
                                          headers={"Accept": JSON})
        assert response.status_code == 200, response.get_data(as_text=True)
        rows = json.loads(response.get_data())["results"]["bindings"]
        store = app.extensions["lodpub"].store
        quotes = {str(r["q"]) for r in store.select(
            f"SELECT ?q WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{ ?c <{LPO.quote}> ?q }} }}")}
        holders = store.select(f"""SELECT ?state ?h ?p WHERE {{ GRAPH <{GRAPH_FACTS}> {{
            ?post <{LPO.postIn}> ?state ; <{RDFS.label}> ?p .
            ?holder <{LPO.holdsPost}> ?post ; <{RDFS.label}> ?h }} }}""")
    finally:
        app.extensions["lodpub"].close()
    got = {r["state"]["value"]: r for r in rows}
    assert set(got) == set(linked_states)
    for state, row in got.items():
        population, head = expected[row["item"]["value"]]
        assert row["item"]["value"] == linked_states[state]
        assert int(float(row["population"]["value"])) == population
        assert row["headOfGovernmentName"]["value"] == head
        if "documentSays" in row:
            assert row["documentSays"]["value"] in quotes
        named = {f"{h['h']} ({h['p']})" for h in holders if str(h["state"]) == state}
        said = row.get("documentOfficeHolders", {}).get("value", "")
        assert set(filter(None, said.split("; "))) == named
    assert any("documentOfficeHolders" in row for row in rows)


def test_federation_refused_without_allowlist(release_settings, release, stand_in):
    url, _ = stand_in
    query = _query("federated-states.rq").replace(f"<{WIKIDATA_SERVICE}>", f"<{url}>")
    app = _client(release_settings, release, ())
    try:
        client = app.test_client()
        response = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
        assert response.status_code == 400
        assert url in response.get_json()["error"]
        # the example as published names Wikidata, which is not allow-listed in tests either
        original = client.post("/sparql", data={"query": _query("federated-states.rq")},
                               headers={"Accept": JSON})
        assert original.status_code == 400
        assert WIKIDATA_SERVICE in original.get_json()["error"]
    finally:
        app.extensions["lodpub"].close()
