"""The on-disk pyoxigraph store the query workers share: built once, then opened read-only.

``build_disk_store`` bulk-loads RDF files (any format pyoxigraph reads, optionally gzipped)
into a new store directory, atomically: it is written to a temporary sibling and renamed, and a
``LODPUB_READY`` marker lists every file of the store with its size, modification time and
SHA-256. The store is derived data: one that no longer matches its marker (a file missing,
truncated or changed) is rebuilt, never opened. A release's store is kept per version under
dist/.cache/; ``serve --data`` stores live in a temporary directory. A full disk or a
read-only directory is one ``StorageError`` naming the store, not the input file.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from lodpub.errors import ConfigError, StorageError
from lodpub.release import file_stats, sha256_file

READY = "LODPUB_READY"
UNCHECKED = ("LOCK", "LOG")  # RocksDB's lock and info log: not data, may change on opening
STORAGE_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT)
log = logging.getLogger(__name__)


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
        if exc.errno in STORAGE_ERRNOS or "No space left" in str(exc):
            raise  # the store's side: build_disk_store names the store
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc


def build_disk_store(files: Iterable[Path], target: Path) -> Path:
    """Bulk-load ``files`` into a new on-disk pyoxigraph store at ``target`` (kept if intact).

    Written to a temporary sibling and renamed, so a half-built store is never opened; a
    store at ``target`` that does not match its marker is removed and built again.
    """
    if intact(target):
        return target
    if target.exists():
        log.warning("the query-ready store %s is damaged or incomplete; building it again",
                    target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    except OSError as exc:
        raise _storage(exc, target) from None
    try:
        quads = _load(files, tmp)
        (tmp / READY).write_text(json.dumps({**_listing(tmp), "quads": quads}),
                                 encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except OSError as exc:
        if not intact(target):  # another process may have built it first
            raise _storage(exc, target) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _load(files: Iterable[Path], directory: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store(str(directory))
    try:
        for path in files:
            load_file(store, Path(path))
        store.flush()
        return len(store)
    finally:
        del store  # closes RocksDB so the workers can open it read-only


def quad_count(directory: Path) -> int | None:
    """How many quads the store at ``directory`` holds, as recorded when it was built."""
    try:
        return int(json.loads((directory / READY).read_text(encoding="utf-8"))["quads"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _listing(directory: Path) -> dict:
    names = [p.name for p in directory.iterdir() if p.is_file() and p.name != READY
             and not p.name.startswith(UNCHECKED)]
    stats = file_stats(directory, names)
    return {"files": {name: [*stats[name], sha256_file(directory / name)] for name in stats}}


def intact(directory: Path) -> bool:
    """Whether the store at ``directory`` is complete and every file is as it was written.

    Files whose size, modification time and inode are unchanged are trusted; any other is
    hashed again.
    """
    try:
        listing = json.loads((directory / READY).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    stats = file_stats(directory, listing)
    for name, (size, mtime, inode, digest) in listing.items():
        if name not in stats or stats[name][0] != size:
            return False
        if stats[name] != [size, mtime, inode] and sha256_file(directory / name) != digest:
            return False
    return True


def _storage(exc: OSError, target: Path) -> StorageError:
    return StorageError(f"cannot write the query-ready store {target}: {exc.strerror or exc}; "
                        "check that the disk has room and the directory is writable")


def cache_key(files: Sequence[Path]) -> str:
    """A digest of the files' paths, sizes and modification times."""
    digest = hashlib.sha256()
    for path in files:
        stat = Path(path).stat()
        digest.update(f"{Path(path).resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
