"""build(settings): load, compile, check quotes, validate, reason, and write a release atomically.

A release is written into a temporary directory beside the others and renamed into place; only
then is ``dist/current`` switched (by renaming a new symlink over it). A step that fails leaves
the release being served untouched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from lodpub import __version__
from lodpub.errors import LodpubError, RecordError, ReleaseError, StorageError, ValidationFailed
from lodpub.namespaces import (
    BASE,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_WIKIDATA,
    bind_prefixes,
)
from lodpub.pipeline.compile import Compiled, compile_dataset, coverage
from lodpub.pipeline.disagreements import load_disagreements
from lodpub.pipeline.dump import (
    DumpFile,
    checksums,
    file_entries,
    manifest,
    rdf_files,
    serialize,
    sorted_quads,
    write_files,
)
from lodpub.pipeline.records import Entity, Record, load_entities, load_not_encoded, load_records
from lodpub.pipeline.sources import SUGGESTIONS_FILE, Source, load_sources
from lodpub.pipeline.void import describe
from lodpub.pipeline.wikidata_terms import load_terms, problems
from lodpub.release import CURRENT, Release
from lodpub.settings import Settings

Progress = Callable[[str], None]
log = logging.getLogger(__name__)
INPUT_DIRS = ("data", "ontology", "shapes")


def _quiet(_: str) -> None:
    """Default progress sink: say nothing."""


def load_turtle_dir(directory: Path) -> Graph:
    """Every ``*.ttl`` file of ``directory`` parsed into one graph."""
    graph = Graph()
    paths = sorted(directory.glob("*.ttl"))
    if not paths:
        raise RecordError(f"no Turtle files in {directory}")
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except (SyntaxError, ValueError, LookupError) as exc:  # rdflib's parser errors
            raise RecordError(f"{path}: not valid Turtle: {exc}") from exc
    bind_prefixes(graph)
    return graph


def input_digest(settings: Settings, *, reason: bool = True) -> str:
    """SHA-256 over every input file, lodpub's own code and the options: a build's identity."""
    digest = hashlib.sha256(f"{__version__} reason={reason}".encode())
    roots = [settings.project_dir / d for d in INPUT_DIRS] + [Path(__file__).parents[1]]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.name == SUGGESTIONS_FILE:
                continue  # suggestions are a curator's worksheet: the build never reads them
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, loaded and checked."""

    ontology: Graph
    shapes: Graph
    sources: dict[str, Source]
    compiled: Compiled
    entities: list[Entity]
    records: list[Record]
    coverage: dict[str, dict[int, str]]

    def locations(self, root: Path) -> dict[str, str]:
        """``file:line`` (relative to ``root``) of every entity and claim record, by IRI."""
        found = {}
        for item in [*self.entities, *self.records]:
            path = Path(item.file)
            shown = path.relative_to(root) if path.is_relative_to(root) else path
            found[str(item.iri)] = f"{shown}:{item.line}"
        return found


def check_alignments(data_dir: Path, ontology: Graph) -> None:
    """Raise RecordError listing what is wrong with data/wikidata-terms.yaml and with the
    ontology's Wikidata alignments (each must be backed there by evidence)."""
    found = problems(load_terms(data_dir), ontology)
    if found:
        raise RecordError(f"{len(found)} problem(s) with the Wikidata alignments:\n  - "
                          + "\n  - ".join(found))


def load_inputs(settings: Settings, progress: Progress = _quiet) -> Inputs:
    """Read data/, ontology/ and shapes/, compile the records and check every quote."""
    progress("reading ontology and shapes")
    ontology = load_turtle_dir(settings.ontology_dir)
    shapes = load_turtle_dir(settings.shapes_dir)
    check_alignments(settings.data_dir, ontology)
    progress("reading sources and records")
    sources = load_sources(settings.data_dir)
    entities = load_entities(settings.data_dir)
    records = load_records(settings.data_dir)
    not_encoded = load_not_encoded(settings.data_dir)
    disagreements = load_disagreements(settings.data_dir)
    progress(f"compiling {len(records)} records and {len(entities)} entities; checking quotes")
    compiled = compile_dataset(ontology, entities, records, sources, not_encoded, disagreements)
    return Inputs(ontology, shapes, sources, compiled, entities, records,
                  coverage(sources, compiled, not_encoded))


def checked_graphs(inputs: Inputs, settings: Settings):
    """The compiled graphs plus graph:links, and their SHACL report (which may not conform)."""
    from lodpub.pipeline.linkgraph import links_graph
    from lodpub.pipeline.validate import validate

    graphs: dict[URIRef, Graph] = dict(inputs.compiled.graphs)
    graphs[GRAPH_LINKS] = links_graph(inputs.entities)
    locations = inputs.locations(settings.project_dir)
    return graphs, validate(graphs, inputs.shapes, inputs.ontology, locations)


def validate_inputs(settings: Settings, progress: Progress = _quiet):
    """The SHACL report of the data as it stands, and the inputs it was made from (what
    `lodpub validate` prints: the report, then each document's coverage)."""
    inputs = load_inputs(settings, progress)
    progress("validating with SHACL")
    return checked_graphs(inputs, settings)[1], inputs


def derive_graphs(inputs: Inputs, settings: Settings, *, reason: bool,
                  progress: Progress = _quiet):
    """Validate the compiled graphs, then add the inferred and Wikidata-model graphs.

    Returns ``(graphs, report)``; raises ValidationFailed when the shapes are violated.
    """
    from lodpub.pipeline.reason import reason as run_reasoner
    from lodpub.pipeline.wikidata_graph import wikidata_view

    progress("validating with SHACL")
    graphs, report = checked_graphs(inputs, settings)
    if not report.conforms:
        raise ValidationFailed(
            f"the build does not conform to the SHACL shapes "
            f"({len(report.results)} results):\n{report.text()}", report)
    if reason:
        progress("reasoning with owlready2/HermiT (consistency, inferred triples)")
        graphs[GRAPH_INFERRED] = run_reasoner(inputs.ontology, graphs[GRAPH_FACTS])
    graphs[GRAPH_WIKIDATA] = wikidata_view(graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS],
                                           inputs.ontology)
    for graph in graphs.values():
        bind_prefixes(graph)
    return graphs, report


def release_files(inputs: Inputs, graphs: dict[URIRef, Graph], report, version: str,
                  digest: str, settings: Settings) -> dict[str, bytes]:
    """Every file of the release, by relative name."""
    listed = rdf_files(graphs, inputs.shapes)
    report_ttl = serialize(sorted_quads({None: report.graph}), ox.RdfFormat.TURTLE)
    listed["shacl-report.ttl"] = (report_ttl, DumpFile(
        "shacl-report.ttl", "Turtle", "text/turtle", "SHACL validation report of this release",
        len(report.graph)))
    listed["shacl-report.txt"] = (report.text().encode("utf-8"), DumpFile(
        "shacl-report.txt", "Text", "text/plain", "SHACL report in plain words"))
    for source in inputs.sources.values():
        name = f"sources/{source.id}.txt"
        title = source.meta.get("title") or source.id
        kind = "" if source.complete else " (an excerpt: only part could be retrieved)"
        listed[name] = (source.path.read_bytes(), DumpFile(
            name, "Text", "text/plain; charset=utf-8",
            f"The text of {title}{kind}, byte for byte as retrieved"))
    void_graph = describe(version, graphs, file_entries(listed), list(inputs.sources.values()),
                          settings.license)
    listed["void.ttl"] = (serialize(sorted_quads({None: void_graph}), ox.RdfFormat.TURTLE),
                          DumpFile("void.ttl", "Turtle", "text/turtle",
                                   "VoID + DCAT description of the dataset and this release",
                                   len(void_graph)))
    files = {name: data for name, (data, _) in listed.items()}
    files["release.json"] = manifest(version, digest, BASE, graphs, file_entries(listed),
                                     list(inputs.sources), report.conforms)
    files["SHA256SUMS"] = checksums(files)
    return files


def publish(settings: Settings, version: str, files: dict[str, bytes]) -> Release:
    """Write ``files`` as release ``version`` and point dist/current at it, atomically.

    A release directory that already exists is kept when it verifies against its checksums
    and replaced (written anew beside it, then swapped in) when it does not: a build repairs a
    damaged release. Directories are made readable by everyone (the umask permitting), since a
    web server may run as another user. File-system failures are one ``StorageError``.
    """
    releases = settings.releases_dir
    target = releases / version
    try:
        releases.mkdir(parents=True, exist_ok=True)
        if not _intact(target):
            _write_release(releases, target, files)
        pointer = settings.resolved_dist / CURRENT
        temp_link = settings.resolved_dist / f".{CURRENT}-{os.getpid()}"
        if temp_link.is_symlink() or temp_link.exists():
            temp_link.unlink()
        temp_link.symlink_to(Path("releases") / version)
        os.replace(temp_link, pointer)
    except OSError as exc:
        raise storage_error(exc, settings.resolved_dist) from None
    return Release.at(target)


def _intact(target: Path) -> bool:
    if not target.exists():
        return False
    try:
        Release.at(target).verify(use_stamp=False)
        return True
    except ReleaseError as exc:
        log.warning("%s; writing it anew", exc)
        return False


def _write_release(releases: Path, target: Path, files: dict[str, bytes]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=releases))
    damaged = releases / f".{target.name}-damaged-{os.getpid()}"
    try:
        write_files(staging, files)
        _readable(staging)
        if target.exists():
            os.replace(target, damaged)
        os.replace(staging, target)
    finally:
        for leftover in (staging, damaged):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def _readable(directory: Path) -> None:
    """Give ``directory`` and its subdirectories the mode a new directory gets (mkdtemp: 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in (directory, *(p for p in directory.rglob("*") if p.is_dir())):
        path.chmod(0o777 & ~umask)


def storage_error(exc: OSError, fallback: Path) -> StorageError:
    """One line naming the path and the cause of a file-system failure."""
    where = exc.filename or fallback
    return StorageError(f"cannot write {where}: {exc.strerror or exc}; check that the disk has "
                        "room and the directory is writable")


def build(settings: Settings, *, reason: bool | None = None,
          progress: Progress = _quiet) -> Release:
    """Run every stage and publish a new release; on any error the current release stays."""
    reason = settings.reason if reason is None else reason
    digest = input_digest(settings, reason=reason)
    version = f"{__version__}-{digest[:12]}"
    inputs = load_inputs(settings, progress)
    missing = [
        (source, number) for source, status in inputs.coverage.items()
        for number, state in status.items() if state == "missing"
    ]
    if missing:
        progress(f"warning: {len(missing)} sentences are neither encoded nor listed in their "
                 "document's not-encoded.yaml (see `lodpub stats`)")
    graphs, report = derive_graphs(inputs, settings, reason=reason, progress=progress)
    progress("writing the release")
    files = release_files(inputs, graphs, report, version, digest, settings)
    release = publish(settings, version, files)
    progress(f"release {version} published in {release.path}")
    return release


__all__ = ["build", "load_inputs", "derive_graphs", "publish", "input_digest", "LodpubError"]
