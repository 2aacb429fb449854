"""The W3C test suites (SPARQL 1.0/1.1, RDF 1.1 syntax), fetched at test time, and their manifests.

The suites ship inside rdflib's source distribution on PyPI (``test/data/suites/w3c/``), the only
place CI can reach. ``suite_root`` downloads the sdist of the installed rdflib with pip into
``.cache/w3c/`` (git-ignored) and extracts the suites once; a failed download raises
``SuiteUnavailable`` with what to do, which the tests turn into a failure (never a skip).

``read_manifest`` reads one ``manifest.ttl`` with rdflib into ``W3CTest`` records (mf:, qt:
vocabulary). IRIs are the ones the manifest resolves: ``file://`` IRIs of the extracted files,
so data graphs, FROM clauses (with the query's base) and result files agree on every IRI.
Comparing answers with expected results lives in ``w3c_results.py``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
SUITES = "test/data/suites/w3c"


class SuiteUnavailable(RuntimeError):
    """The W3C suites could not be downloaded or extracted (the message says how to fix it)."""


@dataclass(frozen=True)
class W3CTest:
    """One manifest entry: its IRI, type (local name), query or input file, dataset and result."""

    iri: str
    kind: str
    name: str
    area: str
    action: Path | None = None
    data: tuple[str, ...] = ()
    graph_data: tuple[str, ...] = ()
    result: Path | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def case_id(self) -> str:
        """A readable test id: the suite area and the entry's local name."""
        return f"{self.area}#{self.iri.rsplit('#', 1)[-1]}"

    @property
    def query_iri(self) -> str:
        """The IRI of the query (or input) file: the base a W3C harness parses it with."""
        assert self.action is not None
        return self.action.as_uri()


def suite_root(cache: Path = CACHE) -> Path:
    """The extracted ``w3c/`` directory of the suites for the installed rdflib (downloaded once)."""
    version = importlib.metadata.version("rdflib")
    target = cache / f"rdflib-{version}"
    if (target / "READY").is_file():
        return target / "w3c"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        sdist = _download(version, Path(tmp))
        staging = Path(tmp) / "extract"
        _extract(sdist, f"rdflib-{version}/{SUITES}/", staging)
        (staging / "READY").write_text(f"rdflib {version} sdist\n")
        try:
            staging.rename(target)
        except OSError:  # another test run extracted it first: use theirs
            if not (target / "READY").is_file():
                raise SuiteUnavailable(f"cannot put the W3C suites at {target}") from None
    return target / "w3c"


def _download(version: str, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", f"rdflib=={version}", "--no-binary",
               ":all:", "--no-deps", "-q", "-d", str(into)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SuiteUnavailable(f"cannot run pip to fetch the W3C suites: {exc}") from exc
    found = sorted(into.glob("rdflib-*.tar.gz"))
    if done.returncode != 0 or not found:
        raise SuiteUnavailable(
            f"could not download rdflib=={version}'s sdist from PyPI (it carries the W3C test "
            f"suites); pip said:\n{done.stderr.strip()[-2000:]}\nCheck that PyPI is reachable, or "
            f"put rdflib-{version}.tar.gz's {SUITES}/ under {CACHE}/rdflib-{version}/w3c/ "
            "with a READY file beside it."
        )
    return found[0]


def _extract(sdist: Path, prefix: str, staging: Path) -> None:
    try:
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
            for member in members:
                member.name = "w3c/" + member.name[len(prefix):]
            tar.extractall(staging, members=members, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise SuiteUnavailable(f"cannot extract the W3C suites from {sdist}: {exc}") from exc
    if not members:
        raise SuiteUnavailable(f"{sdist.name} has no {prefix}: rdflib moved its test suites")


def iri_path(iri: str) -> Path:
    """The local file a ``file://`` IRI names."""
    return Path(unquote(urlparse(iri).path))


def read_manifest(path: Path, area: str) -> list[W3CTest]:
    """The entries of one manifest, in manifest order."""
    graph = Graph().parse(path, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    entries = graph.value(manifest, MF.entries)
    if entries is None:
        return []
    return [_entry(graph, URIRef(str(e)), area) for e in Collection(graph, entries)]


def _entry(graph: Graph, node: URIRef, area: str) -> W3CTest:
    kind = str(graph.value(node, RDF.type)).rsplit("#", 1)[-1]
    name = str(graph.value(node, MF.name) or node)
    action = graph.value(node, MF.action)
    result = graph.value(node, MF.result)
    result_path = iri_path(str(result)) if isinstance(result, URIRef) else None
    if isinstance(action, URIRef):  # syntax tests: the action is the query or input file itself
        return W3CTest(str(node), kind, name, area, iri_path(str(action)), result=result_path,
                       extra=_approval(graph, node))
    query = graph.value(action, QT.query)
    data = tuple(sorted(str(d) for d in graph.objects(action, QT.data)))
    named = tuple(sorted(str(d) for d in graph.objects(action, QT.graphData)))
    extra = _approval(graph, node)
    if graph.value(node, MF.resultCardinality) == MF.LaxCardinality:
        extra["cardinality"] = "lax"  # REDUCED: any number of duplicates may be left out
    return W3CTest(str(node), kind, name, area, iri_path(str(query)) if query else None,
                   data, named, result_path, extra)


def _approval(graph: Graph, node: URIRef) -> dict[str, str]:
    approval = graph.value(node, DAWGT.approval)
    return {"approval": str(approval).rsplit("#", 1)[-1]} if approval is not None else {}


def read_area(root: Path, area: str) -> list[W3CTest]:
    """The tests of one suite directory (``sparql11/aggregates``, ``dawg-data-r2/basic``…)."""
    return read_manifest(root / area / "manifest.ttl", area)


@functools.cache
def cases_of(areas: tuple[str, ...]) -> tuple[list[W3CTest], str | None]:
    """Every manifest entry of ``areas``, or no entries and why the suites are unavailable."""
    try:
        root = suite_root()
    except SuiteUnavailable as exc:
        return [], str(exc)
    return [case for area in areas for case in read_area(root, area)], None


def parametrize_cases(metafunc, areas: tuple[str, ...],
                      choose: Callable[[list[W3CTest]], list[W3CTest]]) -> None:
    """Parametrize a test's ``case`` per chosen W3C test, named by its id; if the suites could
    not be fetched, one failing case that says why (never a silent skip)."""
    if "case" not in metafunc.fixturenames:
        return
    cases, error = cases_of(areas)
    if error is not None:
        metafunc.parametrize("case", [pytest.param(error, id="w3c-suite-unavailable")])
        return
    metafunc.parametrize("case", [pytest.param(c, id=c.case_id) for c in choose(cases)])
