"""A damaged release is detected and repaired, never served; derived data is rebuilt.

Each test damages a copy of a release the way disks and people damage them (a file deleted,
changed, truncated; a manifest gone; the query-ready store broken) and checks what lodpub does:
``lodpub verify`` names the damage (exit 1), ``serve`` refuses it with how to repair it,
``lodpub build`` repairs it, and the query-ready store, derived data, is rebuilt.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from lodpub.cli import main
from lodpub.errors import ReleaseError, StorageError
from lodpub.pipeline import build as build_module
from lodpub.pipeline.build import build
from lodpub.query.diskstore import READY, build_disk_store, intact
from lodpub.release import Release
from lodpub.settings import load_settings
from support.releases import write_release
from support.servers import make_app
from support.waiting import wait_for


@pytest.fixture
def tiny(tmp_path) -> Release:
    """A fresh copy of the tiny release a test may damage."""
    return Release.at(write_release(tmp_path))


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_release_integrity_verify_passes_an_intact_release(tiny):
    result = cli("--dist", str(tiny.path.parents[1]), "verify")
    assert result.exit_code == 0, result.output
    assert "every file matches SHA256SUMS" in result.output


@pytest.mark.parametrize("damage", ["delete", "change", "truncate"])
def test_release_integrity_damage_is_named_and_refused(tiny, damage):
    path = tiny.path / "lodpub.trig"
    if damage == "delete":
        path.unlink()
    elif damage == "change":
        path.write_text(path.read_text(encoding="utf-8").replace("Iran", "Iraq"),
                        encoding="utf-8")
    else:
        path.write_bytes(path.read_bytes()[:100])
    result = cli("--dist", str(tiny.path.parents[1]), "verify")
    assert result.exit_code == 1
    assert "lodpub.trig" in result.output and "lodpub build" in result.output
    with pytest.raises(ReleaseError, match=r"damaged: lodpub\.trig .*lodpub build"):
        make_app(tiny)


def test_release_integrity_a_stamp_never_hides_a_change(tiny):
    make_app(tiny).extensions["lodpub"].close()  # verified once: the stamp is written
    assert tiny.stamp.is_file()
    (tiny.path / "void.ttl").unlink()
    with pytest.raises(ReleaseError, match="void.ttl is missing"):
        make_app(tiny)


def test_release_integrity_missing_manifest_is_refused(tiny):
    (tiny.path / "release.json").unlink()
    with pytest.raises(ReleaseError, match="lodpub build"):
        Release.latest(load_settings(dist_dir=tiny.path.parents[1]))


def test_release_integrity_file_changed_while_serving_is_not_served(tiny):
    app = make_app(tiny)
    try:
        client = app.test_client()
        assert client.get("/downloads/lodpub.trig").status_code == 200
        (tiny.path / "lodpub.trig").write_text("tampered", encoding="utf-8")
        response = client.get("/downloads/lodpub.trig")
        assert response.status_code == 503
        assert "not as it was published" in response.get_json()["error"]
        assert response.headers["Retry-After"]
    finally:
        app.extensions["lodpub"].close()


def test_release_integrity_build_repairs_a_damaged_release(release, release_settings,
                                                           tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(release_settings.resolved_dist / "releases", dist / "releases",
                    symlinks=True)
    (dist / "current").symlink_to(os.readlink(release_settings.resolved_dist / "current"))
    copy = Release.at(dist / "current")
    (copy.path / "lodpub.ttl").unlink()
    (copy.path / "void.ttl").write_text("tampered", encoding="utf-8")
    settings = load_settings(release_settings.project_dir, dist_dir=dist)
    repaired = build(settings)
    assert repaired.version == release.version
    assert repaired.problems() == []
    assert (repaired.path / "lodpub.ttl").read_bytes() == (release.path / "lodpub.ttl").read_bytes()
    mode = stat.S_IMODE(repaired.path.stat().st_mode)
    assert mode & 0o055 == 0o055, oct(mode)  # readable by a web server running as another user


def test_release_integrity_disk_full_is_one_line_naming_the_path(copy_settings, monkeypatch):
    def full(directory, files):
        raise OSError(errno.ENOSPC, "No space left on device", str(directory / "lodpub.trig"))

    monkeypatch.setattr(build_module, "write_files", full)
    with pytest.raises(StorageError, match=r"cannot write .*lodpub\.trig: No space left"):
        build(copy_settings, reason=False)
    assert not (copy_settings.resolved_dist / "current").exists()  # nothing half-published


@pytest.mark.parametrize("damage", ["delete-data", "truncate-data", "garbage-marker",
                                    "no-marker"])
def test_release_integrity_damaged_store_is_rebuilt(tiny, damage):
    app = make_app(tiny)
    store = app.extensions["lodpub"].store
    path = store.path
    app.extensions["lodpub"].close()
    data = max((p for p in path.iterdir() if p.suffix == ".sst"), key=lambda p: p.stat().st_size)
    if damage == "delete-data":
        data.unlink()
    elif damage == "truncate-data":
        data.write_bytes(data.read_bytes()[:10])
    elif damage == "garbage-marker":
        (path / READY).write_text("{not json", encoding="utf-8")
    else:
        (path / READY).unlink()
    assert not intact(path)
    again = make_app(tiny)  # rebuilt from the release's TriG, not refused
    try:
        assert intact(path)
        answer = again.test_client().get("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
                                         headers={"Accept": "application/sparql-results+json"})
        assert answer.get_json()["boolean"] is True
    finally:
        again.extensions["lodpub"].close()


def test_release_integrity_store_damaged_while_serving_is_repaired(tiny):
    app = make_app(tiny, workers=1)
    try:
        store = app.extensions["lodpub"].store
        for sst in store.path.glob("*.sst"):
            sst.unlink()  # the running worker keeps its open files; a new one could not start
        store.runner._replace(next(iter(store.runner._all)))  # as after a query over its limit
        wait_for(lambda: store.runner.health()["full_strength"])
        assert store.runner.health()["failed_starts"] >= 1  # it failed, then the store was rebuilt
        assert intact(store.path)
        client = app.test_client()
        assert client.get("/health").status_code == 200
        assert client.get("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
                          headers={"Accept": "application/sparql-results+json"}
                          ).get_json()["boolean"] is True
    finally:
        app.extensions["lodpub"].close()


def test_release_integrity_store_of_a_full_disk_is_one_line(tmp_path, monkeypatch):
    from lodpub.query import diskstore

    source = tmp_path / "d.nt"
    source.write_text("<urn:a> <urn:p> <urn:b> .\n", encoding="utf-8")

    def full(files, directory):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(diskstore, "_load", full)
    with pytest.raises(StorageError, match=r"query-ready store .*store: No space left"):
        build_disk_store([source], tmp_path / "store")
