"""Helpers the tests share: the tiny release, RDF and HTML readers, servers, the W3C suites."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project: pyproject.toml, data/, ontology/ …
