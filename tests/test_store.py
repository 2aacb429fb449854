"""The store interface: the embedded store over a release and over data files."""

from __future__ import annotations

import gzip
import json
import os
import signal
import time

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from lodpub.errors import (
    ConfigError,
    NotAcceptable,
    QuerySyntaxError,
    ServiceRefused,
    UpdateRefused,
)
from lodpub.formats import Format
from lodpub.namespaces import DEFAULT_GRAPHS
from lodpub.query.engine import CHUNK
from lodpub.query.store import Dataset, EmbeddedStore, open_store
from lodpub.release import Release
from support.releases import CLAIMS, EX, FACTS, KH
from support.servers import settings_for

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def release_store(tiny_app):
    return tiny_app.extensions["lodpub"].store


@pytest.fixture(scope="module")
def data_store(data_app):
    return data_app.extensions["lodpub"].store


def test_store_select_returns_rdflib_terms(release_store):
    rows = release_store.select(f"SELECT ?label WHERE {{ <{KH}> <{LABEL}> ?label }}")
    assert rows == [{"label": Literal("Kataib Hezbollah", lang="en")}]
    rows = release_store.select(
        "SELECT ?d ?missing WHERE { <https://w3id.org/lodpub/id/transition-2021> "
        "<https://w3id.org/lodpub/ontology/date> ?d }")
    assert rows == [{"d": Literal("2021-12", datatype=XSD.gYearMonth)}]  # unbound: absent


def test_store_select_blank_nodes(data_store):
    rows = data_store.select("SELECT ?b WHERE { BIND(BNODE() AS ?b) }")
    assert isinstance(rows[0]["b"], BNode)


def test_store_construct_returns_graph(release_store):
    graph = release_store.construct(f"CONSTRUCT {{ <{KH}> ?p ?o }} WHERE {{ <{KH}> ?p ?o }}")
    assert isinstance(graph, Graph) and len(graph) > 4
    assert (URIRef(KH), RDFS.label, Literal("Kataib Hezbollah", lang="en")) in graph


def test_store_ask(release_store):
    assert release_store.ask(f"ASK {{ <{KH}> ?p ?o }}") is True
    assert release_store.ask("ASK { <http://example.org/none> ?p ?o }") is False


def test_store_release_default_graph_is_what_the_publisher_asserts(release_store):
    graphs = {str(r["g"]) for r in release_store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {FACTS, CLAIMS} <= graphs  # every named graph stays reachable with GRAPH
    parts = ", ".join(f"<{g}>" for g in DEFAULT_GRAPHS)
    total = release_store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    merged = release_store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g IN ({parts})) }} }}")[0]["n"]
    assert int(total) == int(merged)
    assert release_store.ask(  # the claims are not in it
        f"ASK {{ GRAPH <{CLAIMS}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ?p ?o }} }}")


def test_store_data_default_graph_is_its_own(data_store):
    names = {str(r["n"]) for r in data_store.select(f"SELECT ?n {{ ?s <{EX}name> ?n }}")}
    assert names == {"Alice", "Bob"}


def _run(store, text, fmt=Format.JSON, **kw):
    return store.execute(store.prepare(text), fmt, **kw)


def test_store_execute_dataset_arguments(release_store):
    result = _run(release_store, f"SELECT ?l WHERE {{ ?s <{LABEL}> ?l }}",
                  dataset=Dataset(default_graphs=(FACTS,)))
    labels = {r["l"]["value"] for r in json.loads(result.read())["results"]["bindings"]}
    assert "Kataib Hezbollah" in labels and "Test document" not in labels  # not graph:claims
    result = _run(release_store, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                  dataset=Dataset(named_graphs=(CLAIMS,)))
    assert {r["g"]["value"] for r in json.loads(result.read())["results"]["bindings"]} == {CLAIMS}


def test_store_execute_formats(release_store):
    csv = _run(release_store, f"SELECT ?l {{ <{KH}> <{LABEL}> ?l }}", Format.CSV)
    assert csv.media_type == "text/csv" and csv.read().decode().splitlines() == [
        "l", "Kataib Hezbollah"]
    nt = _run(release_store, f"DESCRIBE <{KH}>", Format.NTRIPLES)
    assert (URIRef(KH), RDFS.label, None) in Graph().parse(data=nt.read(), format="nt")
    with pytest.raises(NotAcceptable):
        _run(release_store, f"DESCRIBE <{KH}>", Format.JSON)


def test_store_large_result_streams_in_chunks(tmp_path):
    lines = [f'<{EX}s{i}> <{EX}p> "{"x" * 50} {i}" .\n' for i in range(5000)]
    (tmp_path / "many.nt.gz").write_bytes(gzip.compress("".join(lines).encode()))
    store = EmbeddedStore.for_files(settings_for(tmp_path, workers=1), [tmp_path / "many.nt.gz"])
    try:
        result = _run(store, "SELECT * WHERE { ?s ?p ?o }")
        chunks = list(result.chunks)
        assert len(chunks) > 1 and all(len(c) <= CHUNK + 8192 for c in chunks)
        assert len(json.loads(b"".join(chunks))["results"]["bindings"]) == 5000
        # a reader that stops midway: the busy worker is replaced, the store keeps answering
        partial = _run(store, "SELECT * WHERE { ?s ?p ?o }")
        next(partial.chunks)
        partial.chunks.close()
        end = time.monotonic() + 30  # synchronisation only: wait for a replacement if needed
        while not (len(store.runner.pids()) == 1 and store.runner.busy() == 0):
            assert time.monotonic() < end
            time.sleep(0.02)
        assert store.ask(f"ASK {{ <{EX}s1> ?p ?o }}") is True
    finally:
        store.close()


def test_store_errors(release_store):
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        release_store.select("SELECT ?x WHERE { ?x ")
    with pytest.raises(UpdateRefused, match="read-only"):
        release_store.select("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(ServiceRefused, match="service_allowlist"):
        release_store.select("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")


def test_store_loads_every_rdf_format(tmp_path):
    ttl = f"<{EX}a> <{EX}p> <{EX}b> .\n"
    (tmp_path / "a.ttl").write_text(ttl)
    (tmp_path / "b.nq").write_text(f"<{EX}c> <{EX}p> <{EX}d> <{EX}g> .\n")
    (tmp_path / "c.rdf").write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}e"><ex:p rdf:resource="{EX}f"/>'
        "</rdf:Description></rdf:RDF>")
    (tmp_path / "d.jsonld").write_text(json.dumps(
        {"@id": f"{EX}h", f"{EX}p": {"@id": f"{EX}i"}}))
    files = [tmp_path / n for n in ("a.ttl", "b.nq", "c.rdf", "d.jsonld")]
    store = EmbeddedStore.for_files(settings_for(tmp_path, workers=1), files)
    try:
        default = {str(r["s"]) for r in store.select(f"SELECT ?s {{ ?s <{EX}p> ?o }}")}
        assert default == {f"{EX}a", f"{EX}e", f"{EX}h"}
        named = store.select(f"SELECT ?s {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}")
        assert [str(r["s"]) for r in named] == [f"{EX}c"]
    finally:
        store.close()
    assert store.path.is_relative_to(tmp_path / "dist" / ".cache")  # kept for the next start
    again = EmbeddedStore.for_files(settings_for(tmp_path, workers=1), files)
    try:
        assert again.path == store.path  # the same files: the store is opened, not rebuilt
    finally:
        again.close()


def test_store_rejects_unknown_and_broken_files(tmp_path):
    (tmp_path / "x.docx").write_text("nope")
    (tmp_path / "broken.ttl").write_text("<a> <b> .")
    settings = settings_for(tmp_path, workers=1)
    with pytest.raises(ConfigError, match="unknown RDF format"):
        EmbeddedStore.for_files(settings, [tmp_path / "x.docx"])
    with pytest.raises(ConfigError, match="broken.ttl"):
        EmbeddedStore.for_files(settings, [tmp_path / "broken.ttl"])


def test_store_release_cache_is_built_once(release_store, tiny_release):
    assert release_store.path.name.endswith(f"-{tiny_release.version}")
    assert release_store.path.parent.name == ".cache"
    marker = release_store.path / "LODPUB_READY"
    built = marker.stat().st_mtime_ns
    settings = settings_for(release_store.path.parent.parent.parent, workers=1)
    again = open_store(settings, release=Release.latest(settings))
    try:
        assert again.path == release_store.path and marker.stat().st_mtime_ns == built
        assert again.ask(f"ASK {{ <{KH}> ?p ?o }}") is True
    finally:
        again.close()


def test_store_worker_copies_small_data_into_memory(tmp_path):
    import pyoxigraph as ox

    from lodpub.query.diskstore import build_disk_store
    from lodpub.query.engine import open_store as open_worker_store

    data = tmp_path / "d.nt"
    data.write_text("<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> <urn:c> .\n")
    path = str(build_disk_store([data], tmp_path / "store"))
    extra = ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.NamedNode("urn:y"))
    small = open_worker_store(path, memory_max_quads=2)
    assert len(small) == 2
    small.add(extra)  # an in-memory copy is writable; the on-disk store is untouched
    assert len(open_worker_store(path, memory_max_quads=0)) == 2
    on_disk = open_worker_store(path, memory_max_quads=1)  # too big: served from disk
    with pytest.raises((OSError, RuntimeError)):  # pyoxigraph: read-only instances refuse
        on_disk.add(extra)


def test_store_workers_outlive_ctrl_c(data_store):
    # Ctrl-C in a terminal sends SIGINT to the whole process group, query workers included:
    # the parent stops them, so they must neither die nor print a KeyboardInterrupt traceback
    pool = data_store.runner
    before = pool.pids()
    for pid in before:
        os.kill(pid, signal.SIGINT)
    assert len(data_store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")) == 1
    assert pool.pids() == before
    assert all(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in before)
