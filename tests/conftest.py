"""Shared fixtures, built from the real ontology/, data/ and shapes/.

The chain: ``settings`` -> ``release`` (one real build per test session, with reasoning) ->
``app`` -> ``client``. Tests that need to break the data work on ``project_copy``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lodpub.pipeline.build import build
from lodpub.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("pyproject.toml", "data", "ontology", "shapes")


@pytest.fixture(scope="session")
def release_settings(tmp_path_factory) -> Settings:
    """Settings for the real project with a session-wide dist/ in a temporary directory."""
    return load_settings(ROOT, dist_dir=tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def release(release_settings):
    """The real release, built once per session (SHACL, HermiT and all)."""
    return build(release_settings)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project's inputs that a test may break."""
    target = tmp_path / "project"
    target.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def copy_settings(project_copy) -> Settings:
    """Settings for ``project_copy`` with its own dist/."""
    return load_settings(project_copy, dist_dir=project_copy / "dist")


@pytest.fixture(scope="session")
def release_store(release, release_settings):
    """The real release behind the store interface the endpoint uses (worker processes)."""
    from lodpub.query.store import open_store

    store = open_store(release_settings, release=release)
    yield store
    store.close()
