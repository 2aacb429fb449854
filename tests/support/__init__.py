"""Helpers the tests share: the tiny release, RDF and HTML readers, servers, the W3C suites."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project: pyproject.toml, data/, ontology/ …


def record_files(data_dir: Path) -> list[Path]:
    """Every record file of every document under ``data_dir``, in build order."""
    from lodpub.pipeline.records import record_files as files
    from lodpub.pipeline.sources import source_folders

    return [path for folder in source_folders(data_dir) for path in files(folder)]


def record_file_quoting(data_dir: Path, quote: str) -> Path:
    """The first record file of the document whose text holds ``quote``."""
    from lodpub.pipeline.records import record_files as files
    from lodpub.pipeline.sources import TEXT_FILE, source_folders

    folder = next(f for f in source_folders(data_dir)
                  if quote in (f / TEXT_FILE).read_text(encoding="utf-8"))
    return files(folder)[-1]
