"""What the app serves, and the typed accessors the blueprints use to reach it.

``Publication`` holds the settings, the release (or the data files of ``serve --data``) and the
store every query goes through; ``create_app`` puts one on the app, and ``publication()``
returns it for the current request. A release never changes while it is served, so whatever
pages derive from it is kept once per release (``memo``), and once per site root when it holds
links (``site=``): nothing kept ever depends on one client's request.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from flask import current_app

from lodpub.namespaces import DEFAULT_GRAPHS
from lodpub.query.store import RELEASE_QUERY_TIMEOUT, Store
from lodpub.release import Release
from lodpub.settings import Settings

T = TypeVar("T")
EXTENSION = "lodpub"


@dataclass
class Publication:
    """Settings, release (or data files) and store of one app; see the module docstring."""

    settings: Settings
    release: Release | None
    store: Store
    data_files: tuple[Path, ...] = ()
    verified: dict[str, list[int]] = field(default_factory=dict)  # release files as checked
    _memo: dict = field(default_factory=dict, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _building: dict = field(default_factory=dict, repr=False)  # key -> lock held while built

    @cached_property
    def version(self) -> str:
        """The release version, or a digest of the data files' paths, sizes and times."""
        if self.release is not None:
            return self.release.version
        digest = hashlib.sha256()
        for path in self.data_files:
            stat = path.stat()
            digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return "data-" + digest.hexdigest()[:12]

    @property
    def default_graphs(self) -> tuple[str, ...]:
        """The named graphs a release's default graph merges (``DEFAULT_GRAPHS``); ``()`` for
        ``--data`` files, which keep their own default graph."""
        return tuple(str(g) for g in DEFAULT_GRAPHS) if self.release is not None else ()

    def memo(self, name: str, build: Callable[[], T], *, site: str | None = None) -> T:
        """The value ``build()`` gave for ``name`` on this release (and ``site`` root).

        One caller builds it; others asking meanwhile wait for that value rather than build it
        beside it (on a large release the labels take seconds). If the build fails, the next
        caller tries again.
        """
        key = (name, site)
        found = self._memo.get(key, _MISSING)
        if found is not _MISSING:
            return found
        with self._memo_lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            found = self._memo.get(key, _MISSING)
            if found is _MISSING:
                found = self._memo[key] = build()
        return found

    def released_at(self) -> datetime | None:
        """When the served release went live, where every server sharing its engine can tell
        the same (the remote engine's record, ``lodpub publish``); None otherwise, when a
        file's own time is all there is (one server)."""
        released_at = getattr(self.store, "released_at", None)
        return released_at() if released_at is not None else None

    def graph_counts(self) -> dict[str | None, int]:
        """Triples per named graph IRI, and under ``None`` the default graph's count."""
        return dict(self.memo("graph-counts", self._count_graphs))

    def _count_graphs(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        rows = self.store.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            timeout=RELEASE_QUERY_TIMEOUT)
        for row in rows:
            counts[str(row["g"])] = int(row["n"])
        total = self.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                  timeout=RELEASE_QUERY_TIMEOUT)
        counts[None] = int(total[0]["n"])
        return counts

    def close(self) -> None:
        """Stop the store's workers."""
        self.store.close()


_MISSING = object()


def publication() -> Publication:
    """The ``Publication`` of the app handling the current request."""
    return current_app.extensions[EXTENSION]
