"""The ``lodpub`` command: thin click commands over the library.

Exit codes (as pySHACL's): 0 success / conforms, 1 the data does not conform (SHACL
violations), 2 any other error (bad input, missing release, reasoner failure, bad usage).
Errors are printed as one clear message, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import LodpubError, ValidationFailed
from .settings import Settings, load_settings

EXIT_OK, EXIT_NONCONFORMING, EXIT_ERROR = 0, 1, 2
DOCS = "see README.md and docs/ for more"


def _progress(message: str) -> None:
    click.echo(f"lodpub: {message}", err=True)


def handle_errors(command):
    """Turn lodpub's errors into a message on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(f"lodpub: {exc}", err=True)
            sys.exit(EXIT_NONCONFORMING)
        except LodpubError as exc:
            click.echo(f"lodpub: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lodpub")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              help="Project directory (default: the nearest one holding pyproject.toml and data/).")
@click.option("--dist", type=click.Path(file_okay=False, path_type=Path),
              help="Release directory (default: dist/ in the project).")
@click.pass_context
def main(ctx: click.Context, project: Path | None, dist: Path | None) -> None:
    """lodpub: publish a policy document's facts as validated, cited linked open data."""
    ctx.obj = {"project": project, "dist": dist}


def _settings(ctx: click.Context, **overrides) -> Settings:
    try:
        return load_settings(ctx.obj["project"], dist_dir=ctx.obj["dist"], **overrides)
    except LodpubError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.option("--no-reason", is_flag=True, help="Skip the owlready2/HermiT step (no Java needed).")
@click.pass_context
@handle_errors
def build(ctx: click.Context, no_reason: bool) -> None:
    """Compile data/, check quotes, validate (SHACL), reason, and publish a release in dist/."""
    from .build import build as run_build

    settings = _settings(ctx)
    release = run_build(settings, reason=False if no_reason else None, progress=_progress)
    click.echo(release.version)


@main.command()
@click.pass_context
@handle_errors
def validate(ctx: click.Context) -> None:
    """Validate the current data against the SHACL shapes and print the report in plain words.

    Exit 0 when it conforms, 1 when it has violations, 2 on any other error.
    """
    from .build import validate_inputs

    report = validate_inputs(_settings(ctx), progress=_progress)
    click.echo(report.text())
    sys.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMING)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]),
              default="table", show_default=True, help="Output format for SELECT and ASK.")
@click.pass_context
@handle_errors
def query(ctx: click.Context, query: str, fmt: str) -> None:
    """Run a SPARQL QUERY (text, or a path to a .rq file) on the latest release."""
    from .cliquery import run_query

    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") else query
    click.echo(run_query(_settings(ctx), text, fmt), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
@handle_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts per graph and class, sentence coverage and Wikidata link coverage."""
    from .stats import collect, render

    figures = collect(_settings(ctx))
    click.echo(json.dumps(figures, indent=2) if as_json else render(figures))
