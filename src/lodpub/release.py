"""A release on disk: an immutable directory under dist/releases/ and the dist/current pointer.

This module only reads releases; ``build`` writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from lodpub.errors import ReleaseError
from lodpub.settings import Settings

MANIFEST = "release.json"
CHECKSUMS = "SHA256SUMS"
CURRENT = "current"
UNLISTED = {MANIFEST: "application/json", CHECKSUMS: "text/plain"}  # files that list the others


@dataclass(frozen=True)
class Release:
    """One release directory and its manifest."""

    path: Path

    @classmethod
    def at(cls, path: Path) -> Release:
        """The release in directory ``path``; raises ReleaseError if it is not a release."""
        path = Path(path).resolve()
        if not (path / MANIFEST).is_file():
            raise ReleaseError(
                f"{path} is not a lodpub release (no {MANIFEST}); run `lodpub build` to make one"
            )
        return cls(path)

    @classmethod
    def latest(cls, settings: Settings) -> Release:
        """The release dist/current points at; raises ReleaseError if there is none."""
        pointer = settings.resolved_dist / CURRENT
        if not pointer.exists():
            raise ReleaseError(
                f"no release in {settings.resolved_dist}; run `lodpub build` first"
            )
        return cls.at(pointer.resolve())

    @classmethod
    def exists(cls, settings: Settings) -> bool:
        """Whether dist/current points at a release."""
        return (settings.resolved_dist / CURRENT / MANIFEST).is_file()

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The parsed release.json."""
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReleaseError(f"{self.path / MANIFEST}: unreadable manifest ({exc})") from exc

    @property
    def version(self) -> str:
        """The release version, e.g. ``0.1.0-3fa2b1c4d5e6``."""
        return self.manifest["version"]

    def file(self, name: str) -> Path:
        """Path of a file listed in the manifest; raises ReleaseError for anything else."""
        listed = {entry["name"] for entry in self.manifest["files"]} | set(UNLISTED)
        if name not in listed:
            raise ReleaseError(f"{name!r} is not a file of release {self.version}")
        return self.path / name

    @property
    def dataset_file(self) -> Path:
        """The TriG dump holding every named graph: what a store loads."""
        return self.path / "lodpub.trig"
