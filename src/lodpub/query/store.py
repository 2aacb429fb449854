"""Query access: the only module that knows the query backend.

``Store`` is the interface (see docs/architecture.md): ``execute`` returns serialized results
as streamed bytes with their media type; ``select``, ``construct`` and ``ask`` are helpers for
the HTML pages that return rdflib terms. Two implementations:

- ``OxigraphStore`` (default): pyoxigraph, embedded. The data is bulk-loaded once into an
  on-disk store (a cache directory), which every query worker process opens read-only; queries
  run in those workers under a time limit (``queryworker.WorkerPool``). A release is served
  with the union of its named graphs as the default graph; ``--data`` files keep their own
  default graph.
- ``RemoteStore``: forwards the query to a SPARQL 1.1 endpoint URL with requests.

Both refuse, before anything runs: SPARQL Update (read-only), and SERVICE to any endpoint not
in ``settings.service_allowlist``. FROM / FROM NAMED and ``default-graph-uri`` /
``named-graph-uri`` only select local graphs; nothing is ever fetched to build a dataset.
``timeout=None`` means the store's default limit (``settings.query_timeout``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import requests
from rdflib import Graph
from rdflib.term import Node

from lodpub.errors import ConfigError, QueryError, QueryTimeout
from lodpub.formats import ResultFormat
from lodpub.namespaces import BASE
from lodpub.query.diskstore import build_disk_store, cache_key
from lodpub.query.pool import WorkerPool
from lodpub.query.scan import QueryInfo, refused_services, scan
from lodpub.query.worker import CHUNK, EngineError, Job
from lodpub.release import Release
from lodpub.settings import Settings
from lodpub.terms import from_sparql_json

# The base IRI of a query that has no BASE (SPARQL 1.1 section 4.1.1.1 leaves it to the service;
# the Protocol suggests the endpoint): lodpub's persistent endpoint IRI, the same on every host,
# so an answer never depends on the Host header (ETags and the answer cache rely on that).
QUERY_BASE = BASE + "sparql"


class QuerySyntaxError(QueryError):
    """The query does not parse; the message carries the parser's line and column."""


class DatasetError(QueryError):
    """A ``default-graph-uri`` or ``named-graph-uri`` that is not an absolute IRI."""


class Unsupported(QueryError):
    """The query uses something the engine does not implement (e.g. an unknown function)."""


class UpdateRefused(QueryError):
    """A SPARQL Update reached the read-only endpoint."""


class ServiceRefused(QueryError):
    """The query calls SERVICE on an endpoint that is not allow-listed."""


class NotAcceptable(QueryError):
    """The requested format cannot carry this query form's results."""


@dataclass
class QueryResult:
    """Serialized results: the media type, the body as chunks, and whether rows were cut.

    ``body`` is the whole answer when it was already complete (one chunk: most answers), so a
    response can carry a Content-Length; otherwise it is None and ``chunks`` streams.
    """

    media_type: str
    chunks: Iterator[bytes]
    truncated: bool = False
    max_rows: int = 0
    format: ResultFormat | None = None
    body: bytes | None = None

    def read(self) -> bytes:
        """The whole body (consumes ``chunks``)."""
        return self.body if self.body is not None else b"".join(self.chunks)


class Store(Protocol):
    """What every query backend offers (see the module docstring)."""

    def execute(self, query: str, *, result_format: ResultFormat | str | None = None,
                default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (),
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Run ``query``; return its results serialized in ``result_format`` (or the default).

        ``max_rows`` caps SELECT rows (None: the store's ``settings.max_rows``; 0: no cap);
        the result's ``truncated`` says whether rows were cut.
        """

    def select(self, query: str, *, timeout: float | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT as dicts of variable name -> rdflib term (unbound names absent)."""

    def construct(self, query: str, *, timeout: float | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query."""

    def ask(self, query: str, *, timeout: float | None = None) -> bool:
        """The answer of an ASK query."""

    def close(self) -> None:
        """Release processes and files."""


def _format(value: ResultFormat | str | None, info: QueryInfo) -> ResultFormat:
    if isinstance(value, ResultFormat):
        if value.is_graph != info.is_graph and info.form is not None:
            raise NotAcceptable(f"{value.label} cannot carry the results of a {info.form} query")
        return value
    if value is None:
        return ResultFormat.TURTLE if info.is_graph else ResultFormat.JSON
    found = ResultFormat.by_name(value, graph=info.is_graph)
    if found is None:
        raise NotAcceptable(f"unknown or unsuitable result format {value!r} for this query")
    return found


@dataclass
class _Checks:
    """The checks every store applies before a query runs."""

    allowlist: tuple[str, ...] = ()

    def check(self, query: str) -> QueryInfo:
        info = scan(query)
        if info.is_update:
            raise UpdateRefused(
                f"this endpoint is read-only: SPARQL Update ({info.form}) is not accepted; "
                "send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
            )
        refused = refused_services(info, self.allowlist)
        if refused:
            raise ServiceRefused(
                f"SERVICE {', '.join(refused)} refused: this endpoint makes no outbound requests "
                "except to the endpoints in the service_allowlist setting (see docs/settings.md)"
            )
        return info


class _Helpers:
    """select/construct/ask on top of ``execute`` (shared by both stores).

    These serve lodpub's own pages, so the public row cap does not apply to them: a page that
    lists every entity must not lose rows silently.
    """

    def select(self, query: str, *, timeout: float | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT as dicts of variable name -> rdflib term (unbound names absent)."""
        data = json.loads(self.execute(query, result_format=ResultFormat.JSON, max_rows=0,
                                       timeout=timeout).read())
        rows = data["results"]["bindings"]
        return [{k: from_sparql_json(v) for k, v in row.items()} for row in rows]

    def construct(self, query: str, *, timeout: float | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query."""
        body = self.execute(query, result_format=ResultFormat.NTRIPLES, timeout=timeout,
                            max_rows=0).read()
        return Graph().parse(data=body.decode("utf-8"), format="nt")

    def ask(self, query: str, *, timeout: float | None = None) -> bool:
        """The answer of an ASK query."""
        body = self.execute(query, result_format=ResultFormat.JSON, timeout=timeout,
                            max_rows=0).read()
        return bool(json.loads(body)["boolean"])


@dataclass
class OxigraphStore(_Helpers):
    """pyoxigraph behind a pool of query workers; build one with ``for_release``/``for_files``."""

    path: Path
    union: bool
    workers: int = 2
    query_timeout: float = 5.0
    max_rows: int = 0
    checks: _Checks = field(default_factory=_Checks)
    queue_wait: float = 2.0
    memory_max_quads: int = 0
    _tmpdir: Path | None = None

    def __post_init__(self) -> None:
        self.pool = WorkerPool(str(self.path), self.workers, queue_wait=self.queue_wait,
                               memory_max_quads=self.memory_max_quads)
        self.pool.start()

    @classmethod
    def for_release(cls, settings: Settings, release: Release, **kw) -> OxigraphStore:
        """A store over ``release``'s TriG (cached on disk per version); union default graph."""
        import pyoxigraph  # the on-disk format may change between engine versions

        name = f"oxigraph-{pyoxigraph.__version__}-{release.version}"
        target = settings.resolved_dist / ".cache" / name
        path = build_disk_store([release.dataset_file], target)
        return cls(path, union=True, **_options(settings), **kw)

    @classmethod
    def for_files(cls, settings: Settings, files: Sequence[Path], **kw) -> OxigraphStore:
        """A store over RDF ``files`` with their own default graph (``serve --data``)."""
        if not files:
            raise ConfigError("no data files given; pass RDF files to `lodpub serve --data`")
        tmpdir = Path(tempfile.mkdtemp(prefix="lodpub-data-"))
        try:
            path = build_disk_store(files, tmpdir / f"oxigraph-{cache_key(files)}")
        except ConfigError:  # a file that does not load: leave nothing behind
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        return cls(path, union=False, _tmpdir=tmpdir, **_options(settings), **kw)

    def execute(self, query: str, *, result_format: ResultFormat | str | None = None,
                default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (),
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Run ``query`` in a worker; see ``Store.execute``."""
        info = self.checks.check(query)
        fmt = _format(result_format, info)
        explicit = bool(default_graph_uris or named_graph_uris)
        job = Job(
            query=query,
            results_format=ResultFormat.JSON.name if fmt.is_graph else fmt.name,
            graph_format=fmt.name if fmt.is_graph else ResultFormat.TURTLE.name,
            default_graphs=list(default_graph_uris) if explicit else None,
            named_graphs=list(named_graph_uris) if explicit else None,
            union=self.union and not info.has_from,  # FROM / FROM NAMED define the dataset
            max_rows=self.max_rows if max_rows is None else max_rows,
            base_iri=QUERY_BASE,
        )
        try:
            head, chunks = self.pool.run(job, self.query_timeout if timeout is None else timeout)
        except EngineError as exc:
            raise _translate(exc) from None
        used = ResultFormat.by_name(head.media_type, graph=fmt.is_graph) or fmt
        body = chunks[0] if isinstance(chunks, tuple) else None
        return QueryResult(head.media_type, iter(chunks), head.truncated, job.max_rows, used,
                           body)

    def close(self) -> None:
        """Stop the workers and remove a temporary store."""
        self.pool.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def _translate(exc: EngineError) -> QueryError:
    if exc.kind == "syntax":
        return QuerySyntaxError(f"malformed query: {exc}")
    if exc.kind == "format":
        return NotAcceptable(str(exc))
    if exc.kind == "unsupported":
        return Unsupported(f"this endpoint cannot run the query: {exc}")
    if exc.kind == "dataset":
        return DatasetError(f"default-graph-uri and named-graph-uri take absolute IRIs: {exc}")
    return QueryError(f"query failed: {exc}")


def _options(settings: Settings) -> dict:
    return {
        "workers": settings.workers,
        "query_timeout": settings.query_timeout,
        "max_rows": settings.max_rows,
        "memory_max_quads": settings.memory_store_max_quads,
        "checks": _Checks(tuple(settings.service_allowlist)),
    }


@dataclass
class RemoteStore(_Helpers):
    """A SPARQL 1.1 endpoint at ``url`` (Oxigraph server, Fuseki, Virtuoso, QLever…)."""

    url: str
    query_timeout: float = 5.0
    checks: _Checks = field(default_factory=_Checks)
    session: requests.Session = field(default_factory=requests.Session)

    def execute(self, query: str, *, result_format: ResultFormat | str | None = None,
                default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (),
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """POST ``query`` to the remote endpoint and stream its answer back.

        The remote endpoint applies its own limits; ``max_rows`` is not enforced here.
        """
        fmt = _format(result_format, self.checks.check(query))
        data = [("query", query)] + [("default-graph-uri", g) for g in default_graph_uris]
        data += [("named-graph-uri", g) for g in named_graph_uris]
        limit = self.query_timeout if timeout is None else timeout
        try:
            response = self.session.post(self.url, data=data, headers={"Accept": fmt.media_type},
                                         stream=True, timeout=(min(limit, 5.0), limit))
        except requests.Timeout:
            raise QueryTimeout(f"query stopped after {limit:g} s (remote endpoint)") from None
        except requests.RequestException as exc:
            raise QueryError(f"remote endpoint {self.url} unreachable: {exc}") from None
        if response.status_code >= 400:
            message = response.text[:2000]
            response.close()
            kind = QuerySyntaxError if response.status_code == 400 else QueryError
            raise kind(f"remote endpoint answered {response.status_code}: {message}")
        media = response.headers.get("Content-Type", fmt.media_type).split(";")[0].strip()
        return QueryResult(media, response.iter_content(CHUNK), format=fmt)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def open_store(settings: Settings, *, release: Release | None = None,
               data_files: Sequence[Path] = ()) -> Store:
    """The store for a deployment: ``data_files`` if given, else ``release``."""
    if data_files:
        return OxigraphStore.for_files(settings, [Path(f) for f in data_files])
    if release is None:
        raise ConfigError("nothing to serve: give a release or data files")
    return OxigraphStore.for_release(settings, release)
