"""The `lodpub` command: exit codes 0 / 1 / 2 and readable output."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lodpub.cli import main
from support import record_file_quoting


def _run(settings, *args):
    runner = CliRunner()
    return runner.invoke(main, ["--project", str(settings.project_dir),
                                "--dist", str(settings.resolved_dist), *args])


def test_cli_stats_reports_coverage_and_links(release, release_settings):
    result = _run(release_settings, "stats")
    assert result.exit_code == 0, result.output
    assert f"Release {release.version}" in result.output
    assert "sentences accounted for" in result.output
    assert "Wikidata links:" in result.output
    figures = json.loads(_run(release_settings, "stats", "--json").output)
    assert figures["coverage"] and all(c["missing"] == 0 for c in figures["coverage"].values())
    assert figures["wikidata"]["linked"] >= 10


def test_cli_query_prints_a_table_and_csv(release, release_settings):
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             "SELECT ?label WHERE { <https://w3id.org/lodpub/id/iraq> rdfs:label ?label }")
    result = _run(release_settings, "query", query)
    assert result.exit_code == 0, result.output
    assert "Iraq" in result.output and "(1 row)" in result.output
    csv = _run(release_settings, "query", query, "--format", "csv")
    assert csv.output.splitlines() == ["label", "Iraq"]


def test_cli_query_reads_a_file_and_reports_bad_queries(release, release_settings, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?s ?p ?o }")
    assert _run(release_settings, "query", str(path)).output.strip() == "yes"
    bad = _run(release_settings, "query", "SELECT ?x WHERE { ?x ")
    assert bad.exit_code == 2
    assert "error:" in bad.output and "Traceback" not in bad.output


def test_cli_validate_exit_codes(copy_settings):
    ok = _run(copy_settings, "validate")
    assert ok.exit_code == 0, ok.output
    records = record_file_quoting(copy_settings.data_dir,
                                  "Iraq needs continued U.S. support to maintain its security.")
    original = records.read_text(encoding="utf-8")
    records.write_text(original + (
        "\n- id: date-that-is-not-a-date\n"
        "  quote: \"Iraq needs continued U.S. support to maintain its security.\"\n"
        "  kind: fact\n"
        "  statements:\n"
        "    - [fall-of-the-assad-regime, date, {text: \"soon\"}]\n"), encoding="utf-8")
    violations = _run(copy_settings, "validate")
    assert violations.exit_code == 1, violations.output
    assert "fall-of-the-assad-regime" in violations.output
    assert re.search(r"\(data/entities/events\.yaml:\d+\)", violations.output)
    records.write_text(original + "\n- id: [broken\n", encoding="utf-8")
    broken = _run(copy_settings, "validate")
    assert broken.exit_code == 2
    assert "not valid YAML" in broken.output and "Traceback" not in broken.output


def test_cli_build_without_release_data_reports_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data").mkdir()
    result = CliRunner().invoke(main, ["--project", str(tmp_path), "build", "--no-reason"])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output


def test_cli_serve_get_answers_one_request(release, release_settings):
    result = _run(release_settings, "serve", "--get", "/downloads?format=json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert release.version in json.dumps(listing)


def test_cli_query_stopped_at_the_limit_is_one_line(release, release_settings):
    # the cross product streams rows until the limit; the worker is killed and a replacement
    # starts just as the command exits: the pool must stop it, and no process (the command,
    # a worker, a replacement) may print a traceback. stderr is read to its end, which comes
    # only when every process holding it (orphaned workers included) has exited.
    command = [str(Path(sys.executable).with_name("lodpub")),
               "--project", str(release_settings.project_dir),
               "--dist", str(release_settings.resolved_dist), "query",
               "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--format", "tsv"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LODPUB_QUERY_TIMEOUT": "1"})
    assert done.returncode == 2
    assert "query stopped after 1 s" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_serve_without_java_builds_unreasoned_and_serves(copy_settings, monkeypatch):
    # README's first command on a machine without Java: it must still serve, and say why the
    # release has no inferred graph
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = _run(copy_settings, "serve", "--get", "/downloads?format=json")
    assert result.exit_code == 0, result.output
    assert "needs Java" in result.output and "building without reasoning" in result.output
    names = {f["name"] for f in json.loads(result.output[result.output.index("{"):])["files"]}
    assert "lodpub.ttl" in names


# ----------------------------------------------------------------------------- found by a QA review


def test_cli_query_cli_names_a_missing_query_file(tmp_path):
    result = CliRunner().invoke(main, ["query", str(tmp_path / "missing.rq")])
    assert result.exit_code == 2
    assert "no such query file" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, FileNotFoundError)


def test_cli_query_cli_refuses_a_non_utf8_query_file(tmp_path):
    path = tmp_path / "latin1.rq"
    path.write_bytes('SELECT * { ?s ?p "caf\u00e9" }'.encode("latin-1"))
    result = CliRunner().invoke(main, ["query", str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


@pytest.mark.parametrize("option", [["--port", "99999"], ["--port", "-1"], ["--timeout", "-1"],
                                    ["--timeout", "0"], ["--workers", "0"], ["--threads", "0"],
                                    ["--max-rows", "-3"]])
def test_cli_serve_refuses_impossible_options(option):
    result = CliRunner().invoke(main, ["serve", *option, "--get", "/"])
    assert result.exit_code == 2
    assert f"Invalid value for '{option[0]}'" in result.output


def test_cli_serve_says_when_the_port_is_taken(release_settings, release):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--dist", str(release_settings.dist_dir), "serve",
                                           "--port", str(port), "--workers", "1"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
