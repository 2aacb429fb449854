"""``lodpub publish --to URL``: load a release into a remote engine, switched in atomically.

1. **Read** the engine's record of what it serves (``remote.RECORD``); if it already holds
   this release, every graph complete, there is nothing to do (rerunning is idempotent).
2. **Split** the release's TriG into one N-Triples document per named graph (a release has no
   default-graph triples, and no blank node shared by two graphs: both are refused, since one
   graph at a time cannot keep them).
3. **Stage**: PUT each graph with the SPARQL 1.1 Graph Store HTTP Protocol under a versioned
   name (``urn:lodpub:staging:<version>:<graph>``, listed in the record first so that a run
   that dies here is cleaned up by the next one); then count each staged graph against the
   release. Readers see nothing of this: lodpub queries only the served release's graphs.
4. **Switch** with one SPARQL Update request: each staged graph MOVEd onto its name, the old
   release's other graphs dropped, the record rewritten (release, graphs, a new nonce). On an
   engine whose update request is one transaction (Oxigraph), that is atomic; on one where each
   operation commits on its own (Virtuoso), the record is first marked as switching, so that
   lodpub answers 503 rather than from half a release, and a failure there says to run
   ``lodpub publish`` again.

Any failure before the switch drops what was staged and leaves the served release as it was:
``LoadFailed`` says what went wrong (``lodpub publish`` prints it in one line, exit code 2).
Writing needs the engine's update and Graph Store endpoints (derived from the query endpoint
for the engines in ``dialects``, or given) and, where the engine asks for them, credentials as
URL userinfo (``http://user:password@host/…``; HTTP Digest or Basic, as the engine asks).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from lodpub.errors import LoadFailed, LodpubError
from lodpub.query.connection import Endpoint
from lodpub.query.remote import GRAPH, NONCE, RECORD, RELEASE, SWITCHED, Record, RemoteStore
from lodpub.release import Release

STAGING = "urn:lodpub:staging"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
WRITE_WAIT = 600.0  # seconds for one write (a graph's upload, the switch)
Progress = Callable[[str], None]


def staging_name(version: str, graph: str) -> str:
    """The versioned name a graph of release ``version`` is loaded under before the switch."""
    return f"{STAGING}:{version}:{graph}"


@dataclass
class Outcome:
    """What ``load_release`` did: the release now served, its graphs' sizes, the one before."""

    version: str
    counts: dict[str, int]
    previous: str | None
    changed: bool

    def __str__(self) -> str:
        if not self.changed:
            return f"release {self.version} is already published there; nothing to do"
        was = f" (was {self.previous})" if self.previous else ""
        return (f"published release {self.version}{was}: {sum(self.counts.values())} triples "
                f"in {len(self.counts)} graphs")


@dataclass
class Split:
    """A release's graphs as N-Triples files, and the distinct triples of each."""

    files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def split_release(release: Release, into: Path) -> Split:
    """One N-Triples file per named graph of ``release``'s TriG (see the module docstring)."""
    import pyoxigraph as ox

    split, seen, handles = Split(), {}, {}
    owner: dict[str, str] = {}  # blank node -> the graph it appeared in
    try:
        for quad in ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise LoadFailed(f"{release.dataset_file} has triples in the default graph; "
                                 "a lodpub release keeps every triple in a named graph")
            graph = quad.graph_name.value
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.BlankNode) and owner.setdefault(term.value, graph) != graph:
                    raise LoadFailed(f"blank node _:{term.value} is in two graphs ({graph} and "
                                     f"{owner[term.value]}); loading one graph at a time would "
                                     "make it two nodes")
            line = f"{quad.triple} .\n"
            if hash(line) in seen.setdefault(graph, set()):
                continue
            seen[graph].add(hash(line))
            if graph not in handles:
                split.files[graph] = into / f"graph-{len(handles)}.nt"
                handles[graph] = split.files[graph].open("w", encoding="utf-8")
            handles[graph].write(line)
    except SyntaxError as exc:
        raise LoadFailed(f"{release.dataset_file} does not parse: {exc}") from None
    finally:
        for handle in handles.values():
            handle.close()
    split.counts = {graph: len(lines) for graph, lines in seen.items()}
    return split


class Writer:
    """Update and Graph Store requests to one engine, with its credentials."""

    def __init__(self, update: Endpoint, gsp: Endpoint):
        self.update_endpoint, self.gsp_endpoint = update, gsp
        self.session = requests.Session()

    def update(self, text: str) -> None:
        """Run a SPARQL Update request (form POST); raise ``LoadFailed`` unless it succeeds."""
        self._send("POST", self.update_endpoint, data={"update": text},
                   what="the SPARQL Update request")

    def put(self, graph: str, path: Path) -> None:
        """Replace ``graph`` with the N-Triples file ``path`` (Graph Store HTTP Protocol)."""
        with path.open("rb") as body:
            self._send("PUT", self.gsp_endpoint, params={"graph": graph}, data=body,
                       headers={"Content-Type": "application/n-triples"},
                       what=f"the upload of {graph}")

    def _send(self, method: str, endpoint: Endpoint, *, what: str, **kw) -> None:
        credentials = endpoint.credentials
        auth = HTTPDigestAuth(*credentials) if credentials else None
        try:
            response = self.session.request(method, endpoint.url, auth=auth,
                                            timeout=(10, WRITE_WAIT), **kw)
            if response.status_code == 401 and credentials and response.headers.get(
                    "WWW-Authenticate", "").lower().startswith("basic"):
                if hasattr(kw.get("data"), "seek"):
                    kw["data"].seek(0)
                response = self.session.request(method, endpoint.url, timeout=(10, WRITE_WAIT),
                                                auth=HTTPBasicAuth(*credentials), **kw)
        except requests.RequestException as exc:
            raise LoadFailed(f"{what} to {endpoint.url} failed: {type(exc).__name__}") from None
        if response.status_code not in (200, 201, 204):
            detail = " ".join(response.text.split("\nSPARQL query:")[0].split())[:300]
            hint = ("; give credentials as http://user:password@host/… in the URL"
                    if response.status_code in (401, 403) else "")
            raise LoadFailed(f"{what} to {endpoint.url} answered {response.status_code}: "
                             f"{detail}{hint}")

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def load_release(release: Release, to: str, *, gsp: str | None = None,
                 update: str | None = None, progress: Progress = lambda _: None) -> Outcome:
    """Load ``release`` into the engine whose query endpoint is ``to`` (module docstring)."""
    reader = RemoteStore(to)
    try:
        return _Load(release, reader, gsp, update, progress).run()
    finally:
        reader.close()


class _Load:
    def __init__(self, release: Release, reader: RemoteStore, gsp: str | None,
                 update: str | None, progress: Progress):
        self.release, self.reader, self.progress = release, reader, progress
        self.version = release.version
        self.record = self._record()
        target = reader.endpoint
        self.writer = Writer(_with_credentials(update or reader.dialect.update_url(target.url),
                                               target),
                             _with_credentials(gsp or reader.dialect.gsp_url(target.url),
                                               target))

    def _record(self) -> Record | None:
        try:
            return self.reader._read_record()
        except LodpubError as exc:
            raise LoadFailed(f"cannot read what the engine at {self.reader.url} serves: "
                             f"{exc.message}") from None

    def run(self) -> Outcome:
        previous = self.record.release if self.record else None
        try:
            with tempfile.TemporaryDirectory(prefix="lodpub-publish-") as folder:
                split = split_release(self.release, Path(folder))
                self._forget_staging()
                if previous == self.version and set(self.record.graphs) == set(split.counts) \
                        and self._counts(split.counts) == split.counts:
                    return Outcome(self.version, split.counts, previous, changed=False)
                self._stage(split)
            self._switch(split)
        finally:
            self.writer.close()
        return Outcome(self.version, split.counts, previous, changed=True)

    def _stage(self, split: Split) -> None:
        staged = {graph: staging_name(self.version, graph) for graph in split.files}
        self.writer.update(_insert_record([(STAGING, s) for s in staged.values()]))
        try:
            for graph, path in split.files.items():
                self.progress(f"loading {graph} ({split.counts[graph]} triples)")
                self.writer.put(staged[graph], path)
            counts = self._counts({staged[g]: n for g, n in split.counts.items()})
            for graph, name in staged.items():
                if counts.get(name, 0) != split.counts[graph]:
                    raise LoadFailed(
                        f"the engine holds {counts.get(name, 0)} triples in the staged copy of "
                        f"{graph}, the release {split.counts[graph]} (an engine that merges "
                        "literals of the same value, such as \"01\" and \"1\", counts fewer)")
        except LoadFailed:
            self._forget_staging()
            raise

    def _switch(self, split: Split) -> None:
        old = set(self.record.graphs) if self.record else set()
        operations = [f"MOVE SILENT <{staging_name(self.version, g)}> TO <{g}>"
                      for g in sorted(split.files)]
        operations += [f"DROP SILENT GRAPH <{g}>" for g in sorted(old - set(split.files))]
        now = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        operations += [f"DROP SILENT GRAPH <{RECORD}>", _insert_record(
            [(RELEASE, self.version), (NONCE, uuid.uuid4().hex), (SWITCHED, now)]
            + [(GRAPH, g) for g in sorted(split.files)])]
        if not self.reader.dialect.atomic_updates:
            self.progress("marking the engine as switching (its updates are not transactions)")
            staged = [(STAGING, staging_name(self.version, g)) for g in sorted(split.files)]
            self.writer.update(f"DROP SILENT GRAPH <{RECORD}> ;\n" + _insert_record(
                [(NONCE, "switching-" + uuid.uuid4().hex), *staged]))
        self.progress(f"switching to release {self.version}")
        try:
            self.writer.update(" ;\n".join(operations))
        except LoadFailed as exc:
            if self.reader.dialect.atomic_updates:
                raise LoadFailed(f"{exc}; the engine still serves "
                                 f"{self.record.release if self.record else 'no release'}") \
                    from None
            raise LoadFailed(f"{exc}; the switch may be half done (the engine's updates are not "
                             "transactions): lodpub answers 503 from it until `lodpub publish` "
                             "is run again") from None

    def _counts(self, expected: dict[str, int]) -> dict[str, int]:
        """Triples per graph of ``expected``'s graphs, as the engine holds them now."""
        values = " ".join(f"<{g}>" for g in expected)
        rows = self.reader.select_json(
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g "
            "{ ?s ?p ?o } } GROUP BY ?g", timeout=WRITE_WAIT)["results"]["bindings"]
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}

    def _forget_staging(self) -> None:
        """Drop staged graphs of earlier (or failed) runs and their entries in the record."""
        rows = self.reader.select_json(
            f"SELECT ?s WHERE {{ GRAPH <{RECORD}> {{ <{RECORD}> <{STAGING}> ?s }} }}"
        )["results"]["bindings"]
        names = sorted({row["s"]["value"] for row in rows})
        if names:
            self.writer.update(" ;\n".join(
                [f"DROP SILENT GRAPH <{n}>" for n in names]
                + [f"DELETE DATA {{ GRAPH <{RECORD}> {{ <{RECORD}> <{STAGING}> <{n}> }} }}"
                   for n in names]))


def write_nquads(release: Release, target: Path) -> int:
    """Write ``release``'s quads and the engine's record of it to ``target`` (N-Quads), for an
    engine loaded offline (a QLever index is built from files): what ``load_release`` would
    leave in the engine. Returns the number of quads written."""
    import pyoxigraph as ox

    graphs: set[str] = set()

    def quads():
        for quad in ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise LoadFailed(f"{release.dataset_file} has triples in the default graph; "
                                 "a lodpub release keeps every triple in a named graph")
            graphs.add(quad.graph_name.value)
            yield quad

    record, count = ox.NamedNode(RECORD), 0
    try:
        with target.open("wb") as out:
            for quad in quads():
                out.write(f"{quad} .\n".encode())
                count += 1
            now = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
            facts = [(RELEASE, ox.Literal(release.version)),
                     (NONCE, ox.Literal(uuid.uuid4().hex)),
                     (SWITCHED, ox.Literal(now, datatype=ox.NamedNode(XSD_DATETIME)))]
            facts += [(GRAPH, ox.NamedNode(g)) for g in sorted(graphs)]
            for prop, value in facts:
                out.write(f"{ox.Quad(record, ox.NamedNode(prop), value, record)} .\n".encode())
    except SyntaxError as exc:
        raise LoadFailed(f"{release.dataset_file} does not parse: {exc}") from None
    except OSError as exc:
        raise LoadFailed(f"cannot write {target}: {exc.strerror}") from None
    return count + len(facts)


def _insert_record(pairs: list[tuple[str, str]]) -> str:
    """INSERT DATA of (property, value) pairs about the record (IRIs or plain strings)."""
    def value(prop: str, text: str) -> str:
        if prop in (GRAPH, STAGING):
            return f"<{text}>"
        return f'"{text}"^^<{XSD_DATETIME}>' if prop == SWITCHED else f'"{text}"'

    objects = " ; ".join(f"<{p}> {value(p, v)}" for p, v in pairs)
    return f"INSERT DATA {{ GRAPH <{RECORD}> {{ <{RECORD}> {objects} }} }}"


def _with_credentials(url: str, fallback: Endpoint) -> Endpoint:
    """``url`` as an endpoint, with the query endpoint's credentials if it carries none."""
    endpoint = Endpoint.parse(url)
    if endpoint.user is None and fallback.user is not None:
        return Endpoint(endpoint.url, fallback.user, fallback.password)
    return endpoint
