"""A release on disk: an immutable directory under dist/releases/ and the dist/current pointer.

This module only reads releases; ``build`` writes them. ``Release.verify`` checks a release
against its own SHA256SUMS (every file there, none missing, none changed): ``lodpub serve``
refuses a damaged release and ``lodpub build`` repairs one. Hashing a large release at every
start would cost seconds, so a successful full check leaves a stamp beside the release (each
file's size, modification time and inode, under dist/.cache/); a later start that finds every
file as the stamp describes it trusts the check, and any difference sends it back to hashing.
``lodpub verify`` always hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
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
REBUILD = "run `lodpub build` to repair it (a build rewrites a damaged release)"


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(path: Path) -> dict[str, str]:
    """The ``name -> sha256`` lines of a SHA256SUMS file; ReleaseError if it cannot be read."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path}: cannot read the checksums ({exc})") from None
    listed = {}
    for number, line in enumerate(lines, 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise ReleaseError(f"{path}:{number}: not a SHA256SUMS line: {line[:80]!r}")
        listed[name] = digest
    return listed


def checksum_problems(directory: Path, listed: Mapping[str, str]) -> list[str]:
    """What differs between the files under ``directory`` and their listed SHA-256 sums."""
    problems = []
    for name, digest in sorted(listed.items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name} does not match its SHA-256 in {CHECKSUMS}")
    return problems


def file_stats(directory: Path, names) -> dict[str, list[int]]:
    """Size, modification time and inode of each file (what a verification stamp records)."""
    stats = {}
    for name in sorted(names):
        try:
            stat = (directory / name).stat()
        except OSError:
            continue
        stats[name] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    return stats


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

    def problems(self) -> list[str]:
        """Every way the release differs from its SHA256SUMS (hashing every file)."""
        listed = read_checksums(self.path / CHECKSUMS)
        problems = checksum_problems(self.path, listed)
        try:
            named = {entry["name"] for entry in self.manifest["files"]} | {MANIFEST}
        except (KeyError, TypeError, ReleaseError):
            return [*problems, f"{MANIFEST} is not a release manifest"]
        problems += [f"{name} is not in {CHECKSUMS}" for name in sorted(named - set(listed))]
        return problems

    @property
    def stamp(self) -> Path:
        """Where a successful verification of this release is recorded (dist/.cache/)."""
        return self.path.parents[1] / ".cache" / f"verified-{self.path.name}.json"

    def verify(self, *, use_stamp: bool = True) -> dict[str, list[int]]:
        """Raise ReleaseError naming what is damaged, else return each file's verified stats.

        With ``use_stamp``, files the stamp describes exactly are not hashed again.
        """
        names = {CHECKSUMS, *self._listed()}
        stats = file_stats(self.path, names)
        if use_stamp and _stamp_matches(self.stamp, self.version, stats):
            return stats
        problems = self.problems()
        if problems:
            raise ReleaseError(f"release {self.path.name} is damaged: {'; '.join(problems)}; "
                               + REBUILD)
        _write_stamp(self.stamp, self.version, stats)
        return stats

    def _listed(self) -> list[str]:
        try:
            return list(read_checksums(self.path / CHECKSUMS))
        except ReleaseError:
            return []


def _stamp_matches(stamp: Path, version: str, stats: dict) -> bool:
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == {"version": version, "files": stats}


def _write_stamp(stamp: Path, version: str, stats: dict) -> None:
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        temp = stamp.with_name(f".{stamp.name}.{os.getpid()}")
        temp.write_text(json.dumps({"version": version, "files": stats}), encoding="utf-8")
        os.replace(temp, stamp)
    except OSError:
        pass  # a read-only dist/: the next start hashes again, nothing is lost
