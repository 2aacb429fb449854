"""The on-disk pyoxigraph store the query workers share: built once, then opened read-only.

``build_disk_store`` bulk-loads RDF files (any format pyoxigraph reads, optionally gzipped)
into a new store directory, atomically: it is written to a temporary sibling and renamed, and a
``LODPUB_READY`` marker says it is complete. A release's store is cached per version under
dist/.cache/; ``serve --data`` stores live in a temporary directory.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from lodpub.errors import ConfigError

READY = "LODPUB_READY"


def rdf_format(path: Path):
    """The pyoxigraph RdfFormat of ``path``, from its extension (``.gz`` ignored)."""
    import pyoxigraph as ox

    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    extension = name.rsplit(".", 1)[-1].lower()
    fmt = ox.RdfFormat.from_extension({"owl": "rdf", "xml": "rdf", "json": "jsonld"}.get(
        extension, extension))
    if fmt is None:
        raise ConfigError(
            f"{path}: unknown RDF format; use .ttl, .trig, .nt, .nq, .rdf or .jsonld"
            " (optionally .gz)"
        )
    return fmt


def load_file(store, path: Path) -> None:
    """Bulk-load one RDF file into the pyoxigraph ``store``, or raise ``ConfigError``.

    Relative IRIs (``<#a>``, ``<>``) resolve against the file's own ``file://`` IRI, as RDF
    1.1 resolves them against the retrieval IRI. The error names the file and, for a syntax
    error, the parser's line and column.
    """
    fmt = rdf_format(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            store.bulk_load(fh, fmt, base_iri=path.resolve().as_uri())
    except SyntaxError as exc:
        raise ConfigError(f"{path}: not valid {fmt.name}: {exc}; correct the file (or its "
                          "extension, which sets the format) and start again") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc


def build_disk_store(files: Iterable[Path], target: Path) -> Path:
    """Bulk-load ``files`` into a new on-disk pyoxigraph store at ``target`` (kept if present).

    Written to a temporary sibling and renamed, so a half-built store is never opened.
    """
    import pyoxigraph as ox

    if (target / READY).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    store = ox.Store(str(tmp))
    try:
        for path in files:
            load_file(store, Path(path))
    except ConfigError:
        del store
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.flush()
    del store  # closes RocksDB so the workers can open it read-only
    (tmp / READY).write_text("ok\n")
    try:
        tmp.rename(target)
    except OSError:  # another process built it first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def cache_key(files: Sequence[Path]) -> str:
    """A digest of the files' paths, sizes and modification times."""
    digest = hashlib.sha256()
    for path in files:
        stat = Path(path).stat()
        digest.update(f"{Path(path).resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
