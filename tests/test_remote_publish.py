"""``lodpub publish --to URL``: a release loaded into a real engine with the Graph Store Protocol,
named graphs kept, switched in atomically for readers, idempotent, and a failed load that
leaves the served release as it was, said in one line with exit code 2.

Each test runs over the Oxigraph server and Virtuoso (``support.engines``), each engine of its
own (``engine_for(…, purpose=…)``), since these tests change what it holds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic

from lodpub.cli import main
from lodpub.errors import LoadFailed, LodpubError
from lodpub.query.graphstore import load_release
from lodpub.query.remote import RemoteStore
from lodpub.release import Release
from support import ROOT
from support.engines import ENGINES, FakeEngine, OxigraphServer, free_port
from support.rdf import named_graphs

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(params=list(ENGINES))
def kind(request) -> str:
    return request.param


def publish(release: Release, *args: str):
    """``lodpub --dist <release's dist> publish …`` in this process."""
    return CliRunner().invoke(main, ["--project", str(ROOT), "--dist",
                                     str(release.path.parents[1]), "publish", *args])


def graphs_held(url: str, release: Release) -> dict[str, object]:
    """Each named graph of ``release`` as the engine at ``url`` holds it (rdflib graphs)."""
    store = RemoteStore(url, release=release.version)
    try:
        return {graph: store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> "
                                       "{ ?s ?p ?o } }") for graph in store.record().graphs}
    finally:
        store.close()


def triples_in(release: Release) -> int:
    """The distinct triples of every named graph of ``release``."""
    return sum(len(graph) for graph in named_graphs(release.dataset_file).values())


def test_remote_publish_loads_every_named_graph_and_is_idempotent(kind, tiny_release,
                                                                  engine_for):
    engine = engine_for(kind, None, purpose="publish")
    first = publish(tiny_release, "--to", engine.publish_url)
    assert first.exit_code == 0, first.output
    assert f"published release {tiny_release.version}" in first.output
    expected = named_graphs(tiny_release.dataset_file)
    held = graphs_held(engine.query_url, tiny_release)
    assert held.keys() == {str(g) for g in expected}
    for graph, triples in expected.items():
        assert isomorphic(held[str(graph)], triples), graph
    record = RemoteStore(engine.query_url, release=tiny_release.version).record()
    again = publish(tiny_release, "--to", engine.publish_url)
    assert again.exit_code == 0, again.output
    assert "already published there; nothing to do" in again.output
    assert RemoteStore(engine.query_url, release=tiny_release.version).record() == record


def test_remote_publish_switches_atomically_for_readers(kind, tiny_release, release,
                                                        engine_for):
    engine = engine_for(kind, tiny_release, purpose="switching back and forth")
    stores = {r.version: RemoteStore(engine.query_url, release=r.version)
              for r in (tiny_release, release)}
    expected = {tiny_release.version: triples_in(tiny_release),
                release.version: triples_in(release)}
    seen: Counter = Counter()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            for version, store in stores.items():
                try:
                    rows = store.select(COUNT)
                except LodpubError as exc:  # the engine holds the other release, or switches
                    seen[(version, exc.status)] += 1
                    continue

                seen[(version, int(rows[0]["n"]))] += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for target in (release, tiny_release, release, tiny_release):
            load_release(target, engine.publish_url)
    finally:
        done.set()
        reader.join(60)
    for store in stores.values():
        store.close()
    answers = {key for key in seen if key[1] != 503}
    assert answers <= {(version, count) for version, count in expected.items()}, seen


def test_remote_publish_a_failed_load_leaves_the_served_release(kind, tiny_release, release,
                                                                engine_for):
    engine = engine_for(kind, tiny_release, purpose="failing loads")
    before = RemoteStore(engine.query_url, release=tiny_release.version)
    record = before.record()
    broken = FakeEngine(tiny_release.version, lambda query: (404, {"Content-Length": "0"},
                                                             [b""], 0.0))
    dist = release.path.parents[1]
    try:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("lodpub")), "--project", str(ROOT),
             "--dist", str(dist),
             "publish", "--to", engine.publish_url, "--gsp", broken.url],
            capture_output=True, text=True, timeout=300, check=False)
    finally:
        broken.close()
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert errors[0].startswith("lodpub: error: the upload of ") and "answered" in errors[0]
    assert before.record() == record  # still the tiny release, the same switch
    assert int(before.select(COUNT)[0]["n"]) == triples_in(tiny_release)
    left = RemoteStore(engine.query_url).select_json(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
        "'urn:lodpub:staging')) }")["results"]["bindings"]
    assert left == []  # what was staged was dropped
    before.close()


def test_remote_publish_refuses_what_one_graph_at_a_time_cannot_keep(tiny_release, tmp_path,
                                                                    engine_for):
    engine = engine_for("oxigraph", None, purpose="refusals")
    copy = tmp_path / tiny_release.path.name
    shutil.copytree(tiny_release.path, copy)
    trig = copy / "lodpub.trig"
    base = trig.read_text(encoding="utf-8")
    trig.write_text(base + "graph:facts { _:shared rdfs:label 'a' }\n"
                    "graph:claims { _:shared rdfs:label 'b' }\n", encoding="utf-8")
    with pytest.raises(LoadFailed, match="blank node _:.* is in two graphs"):
        load_release(Release.at(copy), engine.publish_url)
    trig.write_text(base + "<http://example.org/s> rdfs:label 'default' .\n", encoding="utf-8")
    with pytest.raises(LoadFailed, match="triples in the default graph"):
        load_release(Release.at(copy), engine.publish_url)
    assert list(ox.parse(base.encode(), format=ox.RdfFormat.TRIG))  # the original is fine


def test_remote_publish_says_why_in_one_line(tiny_release, engine_for):
    down = publish(tiny_release, "--to", f"http://127.0.0.1:{free_port()}/sparql")
    assert down.exit_code == 2 and "cannot be reached" in down.output
    nowhere = publish(tiny_release)
    assert nowhere.exit_code == 2 and "--to URL" in nowhere.output
    bad_url = publish(tiny_release, "--to", "ftp://127.0.0.1/sparql")
    assert bad_url.exit_code == 2 and "http(s) URL" in bad_url.output
    virtuoso = engine_for("virtuoso", None, purpose="refusals")
    anonymous = publish(tiny_release, "--to", virtuoso.query_url)  # no dba credentials
    assert anonymous.exit_code == 2
    assert "answered 401" in anonymous.output and "give credentials" in anonymous.output
    assert all("Traceback" not in r.output for r in (down, nowhere, bad_url, anonymous))


def test_remote_publish_nquads_for_an_engine_loaded_offline(tiny_release, tmp_path):
    # an engine whose data is built from files, not written over HTTP (as a QLever index is):
    # lodpub writes the release and its record; the engine, read-only, serves it to lodpub
    dump = tmp_path / "release.nq"
    written = publish(tiny_release, "--nquads", str(dump))
    assert written.exit_code == 0 and "lodpub's record included" in written.output
    engine = OxigraphServer(tmp_path / "engine", read_only=True, load=dump).start()
    store = RemoteStore(engine.query_url, release=tiny_release.version)
    try:
        assert int(store.select(COUNT)[0]["n"]) == triples_in(tiny_release)
        assert store.record().switched is not None
    finally:
        store.close()
        engine.close()
