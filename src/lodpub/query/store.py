"""Query access: the one interface every query goes through, and the embedded engine behind it.

``Store`` is the interface (see docs/architecture.md): ``prepare`` checks a query's text once
(``scan.prepare``: size, nesting, updates, SERVICE), ``execute`` runs a ``PreparedQuery`` and
returns the answer serialized in the ``Format`` asked for, as chunks; ``select``, ``construct``
and ``ask`` are helpers for lodpub's own pages that return rdflib terms, ``triples`` returns
pyoxigraph terms (documents). Implementations:

- ``EmbeddedStore`` (default): pyoxigraph. The release is bulk-loaded once into an on-disk
  store (``diskstore``, described by ``StoreFiles``), which the engine opens read-only; a
  ``Runner`` runs queries where they can be stopped at the time and memory limits: in this
  process (``local.LocalRunner``, `lodpub serve`'s workers) or in query worker processes
  (``pool.WorkerPool``, everywhere else). A release is served with the
  merge of ``namespaces.DEFAULT_GRAPHS`` (ontology, facts, inferred, wikidata: what the
  publisher asserts) as the default graph, never graph:claims or graph:links; ``--data`` files
  keep their own default graph.
- ``remote.RemoteStore``: forwards to a SPARQL 1.1 endpoint URL.

FROM / FROM NAMED and ``default-graph-uri`` / ``named-graph-uri`` only select graphs of the
store: nothing is ever fetched to build a dataset. ``timeout=None`` means the store's limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from lodpub.errors import ConfigError
from lodpub.formats import Format
from lodpub.namespaces import DEFAULT_GRAPHS, QUERY_BASE
from lodpub.query.diskstore import build_disk_store, cache_key
from lodpub.query.engine import Job
from lodpub.query.isolation import default_query_memory_mb
from lodpub.query.pool import WorkerPool
from lodpub.query.scan import PreparedQuery, prepare
from lodpub.release import Release
from lodpub.settings import Settings
from lodpub.terms import from_sparql_json

# The time limit of the queries lodpub itself asks once per release (labels, counts, the
# reconciliation index): their cost grows with the data, not with what a client asks, and a
# stopped query costs its worker (a runaway engine thread cannot be stopped otherwise).
RELEASE_QUERY_TIMEOUT = 60.0

# each pool worker holds its own copy (nothing is shared between spawned processes) and loads it
# again when it is replaced, so the pool copies less into memory than lodpub serve's workers
POOL_MEMORY_MAX_QUADS = 500_000


@dataclass(frozen=True)
class Limits:
    """What every query is held to (from the settings of the same names)."""

    timeout: float = 5.0
    max_rows: int = 0
    max_bytes: int = 100_000
    max_nesting: int = 4_096
    allowlist: tuple[str, ...] = ()
    memory_mb: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits the settings give (the memory limit sized for the machine when 0)."""
        return cls(settings.query_timeout, settings.max_rows, settings.max_query_bytes,
                   settings.max_query_nesting, tuple(settings.service_allowlist),
                   settings.query_memory_mb or default_query_memory_mb(settings.workers))


@dataclass(frozen=True)
class Dataset:
    """The protocol's dataset (``default-graph-uri``, ``named-graph-uri``); empty: the store's."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def explicit(self) -> bool:
        """Whether the request names its dataset."""
        return bool(self.default_graphs or self.named_graphs)


NO_DATASET = Dataset()


@dataclass
class QueryResult:
    """A serialized answer: its format, the body as chunks, and whether rows were cut.

    ``body`` is the whole answer when it was complete in one piece (most answers), so a
    response can carry a Content-Length; otherwise it is None and ``chunks`` streams.
    """

    format: Format
    media_type: str
    chunks: Iterator[bytes]
    truncated: bool = False
    max_rows: int = 0
    body: bytes | None = None

    def read(self) -> bytes:
        """The whole body (consumes ``chunks``)."""
        return self.body if self.body is not None else b"".join(self.chunks)


class Store(Protocol):
    """What every query backend offers (see the module docstring)."""

    limits: Limits

    def prepare(self, text: str) -> PreparedQuery:
        """Check ``text`` against this store's limits; raise the client's error if it fails."""

    def execute(self, query: PreparedQuery, fmt: Format, *, dataset: Dataset = NO_DATASET,
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Run ``query``; return its answer serialized in ``fmt``.

        ``max_rows`` caps SELECT rows (None: the store's ``limits.max_rows``; 0: no cap); the
        result's ``truncated`` says whether rows were cut.
        """

    def select(self, text: str, *, timeout: float | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT as dicts of variable name -> rdflib term (unbound names absent)."""

    def construct(self, text: str, *, timeout: float | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query."""

    def triples(self, text: str, *, timeout: float | None = None) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query as pyoxigraph terms."""

    def ask(self, text: str, *, timeout: float | None = None) -> bool:
        """The answer of an ASK query."""

    def health(self) -> dict:
        """The state of the engine (for /health)."""

    def close(self) -> None:
        """Release processes, connections and files."""


class Helpers:
    """``prepare``, ``select``, ``construct`` and ``ask`` on top of ``execute``.

    These serve lodpub's own pages, so the public row cap does not apply to them: a page that
    lists every entity must not lose rows silently.
    """

    limits: Limits

    def prepare(self, text: str) -> PreparedQuery:
        """Check ``text`` against this store's limits (see ``scan.prepare``)."""
        return prepare(text, allowlist=self.limits.allowlist, max_bytes=self.limits.max_bytes,
                       max_nesting=self.limits.max_nesting)

    def _read(self, text: str, fmt: Format, timeout: float | None) -> bytes:
        return self.execute(self.prepare(text), fmt, timeout=timeout, max_rows=0).read()  # type: ignore[attr-defined]

    def select(self, text: str, *, timeout: float | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT as dicts of variable name -> rdflib term (unbound names absent)."""
        rows = json.loads(self._read(text, Format.JSON, timeout))["results"]["bindings"]
        return [{k: from_sparql_json(v) for k, v in row.items()} for row in rows]

    def construct(self, text: str, *, timeout: float | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query."""
        body = self._read(text, Format.NTRIPLES, timeout)
        return Graph().parse(data=body.decode("utf-8"), format="nt")

    def ask(self, text: str, *, timeout: float | None = None) -> bool:
        """The answer of an ASK query."""
        return bool(json.loads(self._read(text, Format.JSON, timeout))["boolean"])

    def triples(self, text: str, *, timeout: float | None = None) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query as pyoxigraph terms (parsed in Rust:
        what documents use, many times faster than building an rdflib graph)."""
        body = self._read(text, Format.NTRIPLES, timeout)
        return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


class Runner(Protocol):
    """Where an embedded store's queries run: worker processes (``pool.WorkerPool``) or this
    process (``local.LocalRunner``)."""

    def run(self, job: Job, timeout: float | None):
        """Run ``job``: its head and its answer's chunks."""

    def health(self) -> dict:
        """The runner's state."""

    def pids(self) -> set[int]:
        """Processes it runs queries in, other than this one."""

    def close(self) -> None:
        """Stop what it started."""


@dataclass(frozen=True)
class StoreFiles:
    """An on-disk store ready to open: where it is, what it was built from, its default graph."""

    path: Path
    default_graphs: tuple[str, ...] | None  # the default graph's parts; None: the store's own
    sources: tuple[Path, ...]

    @classmethod
    def for_release(cls, settings: Settings, release: Release) -> StoreFiles:
        """The store of ``release``'s TriG (kept per version). Its default graph is the merge
        of ``DEFAULT_GRAPHS``: what the publisher asserts."""
        sources = (release.dataset_file,)
        return cls(build_disk_store(sources, release_store_path(settings, release)),
                   tuple(str(g) for g in DEFAULT_GRAPHS), sources)

    @classmethod
    def for_files(cls, settings: Settings, files: Sequence[Path]) -> StoreFiles:
        """The store of RDF ``files`` (``serve --data``), kept per files' identity in
        dist/.cache so a second start opens it; their own default graph."""
        if not files:
            raise ConfigError("no data files given; pass RDF files to `lodpub serve --data`")
        files = tuple(Path(f) for f in files)
        target = settings.resolved_dist / ".cache" / f"data-{cache_key(files)}"
        return cls(build_disk_store(files, target), None, files)

    def repair(self) -> None:
        """Rebuild the store from its sources if it is damaged (it is derived data)."""
        build_disk_store(self.sources, self.path)


@dataclass
class EmbeddedStore(Helpers):
    """pyoxigraph over an on-disk store, its queries run by ``runner``; see ``open_store``."""

    files: StoreFiles
    runner: Runner
    limits: Limits = field(default_factory=Limits)

    @property
    def path(self) -> Path:
        """The on-disk store's directory."""
        return self.files.path

    @classmethod
    def with_pool(cls, settings: Settings, files: StoreFiles, *,
                  queue_wait: float = 2.0) -> EmbeddedStore:
        """Queries in ``settings.workers`` worker processes that are killed at their limits."""
        limits = Limits.from_settings(settings)
        pool = WorkerPool(str(files.path), settings.workers, queue_wait=queue_wait,
                          memory_max_quads=min(settings.memory_store_max_quads,
                                               POOL_MEMORY_MAX_QUADS),
                          memory_limit_mb=limits.memory_mb, isolate=not limits.allowlist,
                          repair=files.repair)
        pool.start()
        return cls(files, pool, limits)

    @classmethod
    def for_release(cls, settings: Settings, release: Release, **kw) -> EmbeddedStore:
        """``release`` behind a pool of query workers."""
        return cls.with_pool(settings, StoreFiles.for_release(settings, release), **kw)

    @classmethod
    def for_files(cls, settings: Settings, files: Sequence[Path], **kw) -> EmbeddedStore:
        """RDF ``files`` behind a pool of query workers (``serve --data``)."""
        return cls.with_pool(settings, StoreFiles.for_files(settings, files), **kw)

    def execute(self, query: PreparedQuery, fmt: Format, *, dataset: Dataset = NO_DATASET,
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Run ``query`` with the runner; see ``Store.execute``."""
        default_graphs = list(dataset.default_graphs) if dataset.explicit else None
        own = self.files.default_graphs
        if default_graphs is None and own is not None and not query.has_from:
            default_graphs = list(own)  # FROM / FROM NAMED define their own dataset
        job = Job(
            query=query.text,
            format=fmt.name,
            default_graphs=default_graphs,
            named_graphs=list(dataset.named_graphs) if dataset.explicit else None,
            max_rows=self.limits.max_rows if max_rows is None else max_rows,
            base_iri=QUERY_BASE,
            calls_services=bool(query.services),
        )
        head, chunks = self.runner.run(job, self.limits.timeout if timeout is None else timeout)
        body = chunks[0] if isinstance(chunks, tuple) else None
        return QueryResult(fmt, head.media_type, iter(chunks), head.truncated, job.max_rows,
                           body)

    def health(self) -> dict:
        """The runner's state."""
        return {"engine": "embedded", **self.runner.health()}

    def close(self) -> None:
        """Stop the runner's workers."""
        self.runner.close()


def release_store_path(settings: Settings, release: Release) -> Path:
    """Where the query-ready copy of ``release`` is kept (``dist/.cache``, per engine version)."""
    import pyoxigraph  # the on-disk format may change between engine versions

    name = f"oxigraph-{pyoxigraph.__version__}-{release.version}"
    return settings.resolved_dist / ".cache" / name


def open_store(settings: Settings, *, release: Release | None = None,
               data_files: Sequence[Path] = ()) -> Store:
    """The store for a deployment: ``data_files`` if given, else ``release``."""
    if data_files:
        return EmbeddedStore.for_files(settings, [Path(f) for f in data_files])
    if release is None:
        raise ConfigError("nothing to serve: give a release or data files")
    return EmbeddedStore.for_release(settings, release)
