"""`lodpub new-source` and README's "Publish a new document", run step by step as written."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml
from click.testing import CliRunner

from lodpub.cli import main
from lodpub.curate.newsource import NewSourceError, decode, findings
from lodpub.curate.suggest import KnownName, cues_in, dates_in, entities_in
from lodpub.pipeline.build import input_digest
from lodpub.release import Release
from support import ROOT

SECTION = "## Publish a new document"


def readme_steps() -> tuple[str, list[str], list[tuple[str, str]]]:
    """The README section's example document, its commands, and its files (path, content)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^ *```(\w+)\n(.*?)^ *```", section, flags=re.MULTILINE | re.DOTALL)
    blocks = [(kind, "\n".join(line[3:] if line.startswith("   ") else line
                               for line in body.splitlines()) + "\n") for kind, body in blocks]
    [document] = [body for kind, body in blocks if kind == "text"]
    commands = [line for kind, body in blocks if kind == "sh" for line in body.splitlines()
                if line.startswith("lodpub ")]
    files = [(body.splitlines()[0].lstrip("# ").strip(), body) for kind, body in blocks
             if kind == "yaml"]
    return document, commands, files


def _lodpub(project, command: str):
    args = shlex.split(command)[1:]
    return CliRunner().invoke(main, ["--project", str(project), "--dist",
                                     str(project / "dist"), *args])


def test_new_source_readme_steps_publish_the_example_document(project_copy, tmp_path,
                                                               monkeypatch):
    document, commands, files = readme_steps()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "statement.txt").write_text(document, encoding="utf-8")
    outputs = {}
    for command in commands:
        name = command.split()[1]
        if name == "validate":  # the records are written before step 6
            for path, content in files:
                (project_copy / path).write_text(content, encoding="utf-8")
        result = _lodpub(project_copy, command)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        outputs[name] = result.output
    folder = project_copy / "data" / "sources" / "example-talks-2025"
    assert (folder / "text.txt").read_bytes() == document.encode("utf-8")
    worksheet = yaml.safe_load((folder / "suggestions.yaml").read_text(encoding="utf-8"))
    first, second = worksheet["sentences"]
    assert {e["id"] for e in first["entities"]} >= {"iraq", "united-states", "baghdad"}
    assert second["kind_cues"][0]["kind"] == "forecast?"
    assert "example-talks-2025: 0.0% of 2 sentences" in outputs["stats"]
    assert "still to do: s1, s2" in outputs["stats"]
    assert "example-talks-2025: 100.0% of 2 sentences accounted for (2 encoded" in (
        outputs["validate"])
    release = Release.latest(_settings(project_copy))
    assert {"id": "example-talks-2025", "file": "sources/example-talks-2025.txt"} in (
        release.manifest["sources"])
    trig = (release.path / "lodpub.trig").read_text(encoding="utf-8")
    assert "claim:example-talks-held" in trig and "claim:example-next-meeting-likely" in trig


def _settings(project):
    from lodpub.settings import load_settings

    return load_settings(project, dist_dir=project / "dist")


@pytest.mark.parametrize(("data", "message"), [
    (b"Caf\xe9 talks.\n", r"not UTF-8 \(byte 3, line 1"),
    ("\ufeffTalks.\n".encode(), "byte-order mark"),
    (b"Talks.\r\nMore.\r\n", "line 1 ends with a carriage return"),
    (b"  \n", "empty"),
])
def test_new_source_refuses_text_it_would_have_to_change(tmp_path, data, message):
    with pytest.raises(NewSourceError, match=message):
        decode(data, tmp_path / "statement.txt")


def test_new_source_reports_characters_a_quote_must_match():
    found = findings("Talks\u00a0held.\t\nMore. \nLast")
    assert "line 1, column 6: no-break space (kept; a quote must contain it too)" in found
    assert any(f.startswith("line 1, column 12: tab") for f in found)
    assert "line 2: ends with white space (kept)" in found
    assert "the text does not end with a line break (kept)" in found


def test_new_source_refuses_an_existing_folder_and_unknown_agents(project_copy, tmp_path):
    (tmp_path / "s.txt").write_text("One.\n", encoding="utf-8")
    taken = _lodpub(project_copy, f"lodpub new-source {tmp_path / 's.txt'} "
                                  "--id brookings-iraq-2025 --title T")
    assert taken.exit_code == 2 and "already exists" in taken.output
    unknown = _lodpub(project_copy, f"lodpub new-source {tmp_path / 's.txt'} --id new-doc "
                                    "--title T --author nobody-we-know")
    assert unknown.exit_code == 2 and "no entity 'nobody-we-know' in data/entities/" in (
        unknown.output)
    assert not (project_copy / "data" / "sources" / "new-doc").exists()


def test_new_source_suggests_entities_dates_and_kind_cues():
    names = [KnownName("kataib-hezbollah", "Kataib Hezbollah", "Kataib Hezbollah"),
             KnownName("higher-military-commission", "HMC", "Higher Military Commission"),
             KnownName("iraq", "Iraq", "Iraq")]
    text = ("Kata'ib Hizballah said the HMC should meet in Iraq no later than the end of "
            "September 2025, but not on 5 November 2025.")
    assert [(m["id"], m["score"]) for m in entities_in(text, names)] == [
        ("higher-military-commission", 100.0), ("iraq", 100.0), ("kataib-hezbollah", 96.0)]
    assert entities_in("The hmc met.", names) == []  # short names match exactly
    assert dates_in(text) == [
        {"text": "September 2025", "date": "2025-09",
         "hint": "a deadline or an end? (latestDate / endDate on a planned event)"},
        {"text": "5 November 2025", "date": "2025-11-05"}]
    assert {c["kind"]: c["cues"] for c in cues_in(text)} == {
        "recommendation?": "should", "negated?": "not", "quotation?": "said"}


def test_new_source_suggestions_are_never_part_of_a_build(copy_settings):
    before = input_digest(copy_settings)
    folder = copy_settings.data_dir / "sources" / "brookings-iraq-2025"
    (folder / "suggestions.yaml").write_text("sentences: []\n", encoding="utf-8")
    assert input_digest(copy_settings) == before


def test_new_source_registers_an_excerpt_with_what_is_missing(project_copy, tmp_path):
    (tmp_path / "s.txt").write_text("The first paragraph.\n", encoding="utf-8")
    result = _lodpub(project_copy, f"lodpub new-source {tmp_path / 's.txt'} --id partial-doc "
                                   "--title 'Untitled statement' --not-stated title "
                                   "--date 2024 --not-stated date "
                                   "--excerpt 'Only the first paragraph; the rest is cut off.' "
                                   "--retrieved 2026-12-05")
    assert result.exit_code == 0, result.output
    from lodpub.pipeline.sources import load_source

    source = load_source(project_copy / "data" / "sources" / "partial-doc")
    assert source.complete is False
    assert source.meta["excerpt_note"] == "Only the first paragraph; the rest is cut off."
    assert source.not_stated == ("title", "date")
    assert source.meta["retrieved"] == "2026-12-05"  # quoted in YAML: still a string
