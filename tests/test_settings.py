"""Settings: the documented order of precedence, and docs that list every setting."""

from __future__ import annotations

import pytest

from lodpub.errors import ConfigError
from lodpub.settings import load_settings, setting_help
from support import ROOT


def test_settings_docs_list_every_setting_with_its_help():
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, help_text in setting_help().items():
        assert f"`{name}`" in page, name
        assert help_text in page, name


def test_settings_precedence_defaults_pyproject_env_flags(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.lodpub]\nquery_timeout = 3.5\nport = 6000\n")
    monkeypatch.setenv("LODPUB_PORT", "7000")
    settings = load_settings(tmp_path, workers=4)
    assert settings.query_timeout == 3.5
    assert settings.port == 7000
    assert settings.workers == 4
    assert settings.threads == 8


def test_settings_reject_unknown_and_malformed(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.lodpub]\nquery_timout = 3\n")
    with pytest.raises(ConfigError, match="unknown setting .*'query_timout'"):
        load_settings(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.lodpub]\n")
    monkeypatch.setenv("LODPUB_WORKERS", "many")
    with pytest.raises(ConfigError, match="'workers'.*'many'"):
        load_settings(tmp_path)


def test_settings_allowlist_from_env_is_a_tuple(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("LODPUB_SERVICE_ALLOWLIST", "https://query.wikidata.org/sparql, http://x/")
    settings = load_settings(tmp_path)
    assert settings.service_allowlist == ("https://query.wikidata.org/sparql", "http://x/")


@pytest.mark.parametrize(("name", "value", "says"), [
    ("query_timeout", "-1", "greater than 0"), ("query_timeout", "0", "greater than 0"),
    ("workers", "0", "at least 1"), ("port", "99999", "between 0 and 65535"),
    ("max_rows", "-5", "at least 0"), ("http_server", "nginx", "use waitress or granian"),
])
def test_settings_out_of_range_values_are_refused_from_any_source(tmp_path, monkeypatch, name,
                                                                  value, says):
    monkeypatch.setenv("LODPUB_" + name.upper(), value)
    with pytest.raises(ConfigError, match=says):
        load_settings(tmp_path)
    monkeypatch.delenv("LODPUB_" + name.upper())
    with pytest.raises(ConfigError, match=says):
        load_settings(tmp_path, **{name: value})
