"""The ``lodpub`` command: thin click commands over the library.

Exit codes (as pySHACL's): 0 success / conforms, 1 the data does not conform (SHACL
violations) or the release is damaged (`lodpub verify`), 2 any other error (bad input, missing
release, reasoner failure, a file that cannot be written, bad usage). Errors are printed as one
clear message, never a traceback.
"""

from __future__ import annotations

import errno
import functools
import json
import sys
from pathlib import Path

import click

from lodpub import __version__
from lodpub.errors import LodpubError, ValidationFailed
from lodpub.namespaces import DOCUMENT_FIELDS
from lodpub.settings import Settings, load_settings

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
        except OSError as exc:  # the file system's own errors, translated at the boundary
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"lodpub: error: {where}{exc.strerror or exc}", err=True)
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
    from lodpub.pipeline.build import build as run_build

    settings = _settings(ctx)
    release = run_build(settings, reason=False if no_reason else None, progress=_progress)
    click.echo(release.version)


@main.command()
@click.pass_context
@handle_errors
def validate(ctx: click.Context) -> None:
    """Validate the current data against the SHACL shapes and print the report in plain words,
    then each document's sentences: encoded, skipped with a reason, still to do.

    Exit 0 when it conforms, 1 when it has violations, 2 on any other error.
    """
    from lodpub.pipeline.build import validate_inputs
    from lodpub.pipeline.stats import document_figures, document_lines

    report, inputs = validate_inputs(_settings(ctx), progress=_progress)
    click.echo(report.text())
    click.echo("\n".join(["", "Documents:", *document_lines(document_figures(inputs))]))
    sys.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMING)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]),
              default="table", show_default=True, help="Output format for SELECT and ASK.")
@click.pass_context
@handle_errors
def query(ctx: click.Context, query: str, fmt: str) -> None:
    """Run a SPARQL QUERY (text, or a path to a .rq file) on the latest release."""
    from lodpub.cli.render import run_query

    click.echo(run_query(_settings(ctx), _query_text(query), fmt), nl=False)


def _query_text(query: str) -> str:
    """The query itself, or the text of the .rq file it names (a clear error if unreadable)."""
    if not query.endswith(".rq"):
        return query
    try:
        return Path(query).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.BadParameter(f"no such query file: {query}", param_hint="QUERY") from None
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{query} is not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start}); save it as UTF-8", param_hint="QUERY") from None
    except OSError as exc:
        raise click.BadParameter(f"cannot read {query}: {exc.strerror}",
                                 param_hint="QUERY") from None


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
@handle_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts per graph and class, each document's coverage, and Wikidata link coverage."""
    from lodpub.pipeline.stats import collect, render

    figures = collect(_settings(ctx))
    click.echo(json.dumps(figures, indent=2) if as_json else render(figures))


@main.command("new-source")
@click.argument("text_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path))
@click.option("--id", "source_id", required=True,
              help="The document's id, a slug such as agency-report-2024-03-01.")
@click.option("--title", required=True, help="The document's title.")
@click.option("--not-stated", "not_stated", multiple=True,
              type=click.Choice(list(DOCUMENT_FIELDS)),
              help="The document does not state this field: the value you give comes from "
                   "elsewhere (say where in source.yaml's <field>_note). Repeatable.")
@click.option("--author", "authors", multiple=True,
              help="Entity id of who wrote or issued it, if stated (repeatable).")
@click.option("--publisher", help="Entity id of the publisher.")
@click.option("--date", help="Date of the document: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--url", help="Where the text was retrieved.")
@click.option("--retrieved", help="When it was retrieved: YYYY-MM-DD.")
@click.option("--license", "licence", help="Its licence: an IRI, or words.")
@click.option("--excerpt", metavar="WHAT-IS-MISSING",
              help="The text is an excerpt: say what it holds and what is missing.")
@click.option("--language", default="en", show_default=True, help="Language of the text.")
@click.option("--segmentation", type=click.Choice(["sentences", "lines"]), default="sentences",
              show_default=True, help="Cut sentences at punctuation, or one per line.")
@click.pass_context
@handle_errors
def new_source(ctx: click.Context, text_file: Path, source_id: str, title: str,
               not_stated: tuple[str, ...], authors: tuple[str, ...], publisher: str | None,
               date: str | None, url: str | None, retrieved: str | None, licence: str | None,
               excerpt: str | None, language: str, segmentation: str) -> None:
    """Register FILE as a new document and write its curation worksheet (suggestions only).

    The text is checked (UTF-8, nothing normalised) and stored byte for byte in
    data/sources/<id>/ with its metadata, empty records and not-encoded lists, and
    suggestions.yaml: per sentence, the known entities it names, its dates and cue words for
    its kind. Nothing is published until you write records.
    """
    from lodpub.curate.newsource import create

    meta = {"id": source_id, "title": title,
            **{f"{field}_stated_in_document": False for field in not_stated},
            "author": list(authors), "publisher": publisher, "date": date, "url": url,
            "retrieved": retrieved, "license": licence, "complete": excerpt is None,
            "excerpt_note": excerpt, "language": language, "segmentation": segmentation}
    click.echo(str(create(_settings(ctx), text_file, meta)))


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535),
              help="Port to listen on (default 5000; 0: any free port).")
@click.option("--workers", type=click.IntRange(min=1), help="Query worker processes (default 2).")
@click.option("--threads", type=click.IntRange(min=1), help="HTTP server threads (default 8).")
@click.option("--timeout", "query_timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds a query may run before it is stopped (default 5).")
@click.option("--max-rows", type=click.IntRange(min=0),
              help="Row cap on SELECT results (0: none; flagged).")
@click.option("--allow-service", "allow", multiple=True,
              help="An endpoint SERVICE may call (repeatable; none by default).")
@click.option("--public-url", help="Public URL the server is reached at (maps the IRI base).")
@click.option("--data", "data_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve these RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD) "
                   "instead of the release. Repeatable.")
@click.option("--store", metavar="URL",
              help="Serve the release from the remote SPARQL engine with this query endpoint, "
                   "where `lodpub publish` loaded it (default: the embedded engine).")
@click.option("--no-reason", is_flag=True, help="If a build is needed, skip the reasoner.")
@click.option("--get", "get_path", metavar="PATH",
              help="Answer one GET request for PATH without opening a socket, then exit.")
@click.pass_context
@handle_errors
def serve(ctx: click.Context, host, port, workers, threads, query_timeout, max_rows, allow,
          public_url, data_files, store, no_reason, get_path) -> None:
    """Serve the latest release (building one first if there is none) over HTTP.

    With --store (or the store setting) the queries of every surface go to that engine, which
    must hold the same release (`lodpub publish --to URL`); several such servers can share it.
    """
    from lodpub.release import Release

    settings = _settings(ctx, host=host, port=port, workers=workers, threads=threads,
                         query_timeout=query_timeout, max_rows=max_rows,
                         service_allowlist=allow or None, public_url=public_url, store=store)
    if not data_files and not Release.exists(settings):
        _progress("no release yet: building one first")
        _first_build(settings, no_reason)
    if get_path:
        _answer_once(settings, get_path, data_files)
        return
    from lodpub.web.server import serve as run_server

    try:
        run_server(settings, data_files=data_files)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        click.echo(f"lodpub: error: cannot listen on {settings.host}:{settings.port}: "
                   f"{exc.strerror}; choose another --port or --host (or stop the other "
                   "server)", err=True)
        sys.exit(EXIT_ERROR)


def _first_build(settings: Settings, no_reason: bool) -> None:
    """Build the release `serve` needs; without Java, build it unreasoned rather than not serve.

    A newcomer's first `lodpub serve` should serve the data on a machine without Java: the
    release is validated (SHACL) as always, only graph:inferred is left out, and the output
    says how to get the full release.
    """
    from lodpub.errors import JavaMissing
    from lodpub.pipeline.build import build as run_build

    try:
        run_build(settings, reason=False if no_reason else None, progress=_progress)
    except JavaMissing as exc:
        _progress(f"warning: {exc}")
        _progress("building without reasoning (no inferred graph) so there is something to "
                  "serve; install Java and run `lodpub build` for the full release")
        run_build(settings, reason=False, progress=_progress)


def _answer_once(settings: Settings, path: str, data_files) -> None:
    from lodpub.release import Release
    from lodpub.web import create_app

    release = None if data_files else Release.latest(settings)
    app = create_app(settings, release=release, data_files=data_files)
    try:
        response = app.test_client().get(path)
        click.echo(response.get_data(as_text=True), nl=False)
    finally:
        app.extensions["lodpub"].store.close()
    sys.exit(EXIT_OK if response.status_code < 400 else EXIT_ERROR)


@main.command()
@click.pass_context
@handle_errors
def verify(ctx: click.Context) -> None:
    """Check the current release against its SHA256SUMS, hashing every file.

    Exit 0 when every file is as it was published, 1 when the release is damaged (each problem
    is listed; `lodpub build` repairs it), 2 when there is no release to check.
    """
    from lodpub.release import REBUILD, Release

    release = Release.latest(_settings(ctx))
    problems = release.problems()
    if problems:
        for problem in problems:
            click.echo(f"lodpub: {release.version}: {problem}", err=True)
        click.echo(f"lodpub: release {release.version} is damaged; {REBUILD}", err=True)
        sys.exit(EXIT_NONCONFORMING)
    release.verify(use_stamp=False)
    click.echo(f"release {release.version}: every file matches SHA256SUMS ({release.path})")


@main.command()
@click.option("--to", "to", metavar="URL",
              help="The engine's SPARQL 1.1 query endpoint (default: the store setting); "
                   "credentials as URL userinfo, http://user:password@host/….")
@click.option("--gsp", metavar="URL",
              help="Its Graph Store Protocol endpoint (default: the gsp setting, else derived "
                   "for the Oxigraph server and Virtuoso).")
@click.option("--update", metavar="URL",
              help="Its SPARQL Update endpoint (default: derived for the Oxigraph server and "
                   "Virtuoso).")
@click.option("--nquads", type=click.Path(dir_okay=False, path_type=Path),
              help="Instead, write what the engine would hold (the release's quads and "
                   "lodpub's record of it) to this N-Quads file, for an engine loaded offline.")
@click.pass_context
@handle_errors
def publish(ctx: click.Context, to, gsp, update, nquads) -> None:
    """Load the latest release into a remote SPARQL engine and switch it in atomically.

    Each named graph is loaded under a versioned name (Graph Store Protocol), counted, then
    switched in with one update; readers never see half a release, and a failure leaves the
    served release as it was. Rerunning is idempotent. See docs/deploying.md.
    """
    from lodpub.query.graphstore import load_release, write_nquads
    from lodpub.release import Release

    if nquads:
        release = Release.latest(_settings(ctx))
        count = write_nquads(release, nquads)
        click.echo(f"wrote release {release.version} ({count} quads, lodpub's record "
                   f"included) to {nquads}")
        return
    settings = _settings(ctx, store=to, gsp=gsp)
    if not settings.store:
        raise click.UsageError("which engine? give its query endpoint: lodpub publish --to URL "
                               "(or set the store setting)")
    release = Release.latest(settings)
    _progress(f"publishing release {release.version}")
    outcome = load_release(release, settings.store, gsp=settings.gsp or None, update=update,
                           progress=_progress)
    click.echo(str(outcome))


@main.command()
@click.option("--offline", "offline_file", type=click.Path(exists=True, path_type=Path),
              help="Answer from a recorded Wikidata response file instead of the live API.")
@click.option("--api", "api_url", help="Wikidata API URL (default: the wikidata_api setting).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("link-review.yaml"),
              show_default=True, help="Review file to write.")
@click.option("--include-none", is_flag=True,
              help="Also search for entities recorded as having no item (events, n-ary nodes).")
@click.option("--apply", "review_file", type=click.Path(exists=True, path_type=Path),
              help="Record the candidates accepted in this review file in data/wikidata.yaml.")
@click.option("--verify", is_flag=True,
              help="Re-check every linked item (exists, not redirected, label, instance of) and "
                   "record the date and outcome in data/wikidata.yaml; exit 1 on a problem.")
@click.pass_context
@handle_errors
def link(ctx: click.Context, offline_file, api_url, out, include_none, review_file,
         verify) -> None:
    """Propose Wikidata items for unlinked entities, for a person to review; or apply a review;
    or re-check the linked ones (--verify).

    Nothing is accepted automatically: `lodpub link` writes a review file; mark each candidate
    `decision: accept` or `reject`, then run `lodpub link --apply FILE`.
    """
    from lodpub.curate import proposals as linking

    settings = _settings(ctx)
    if verify:
        from lodpub.curate.verify import verify as run_verify

        checked = run_verify(settings, offline_file=offline_file, api_url=api_url)
        click.echo(str(checked))
        sys.exit(EXIT_NONCONFORMING if checked.problems else EXIT_OK)
    if review_file:
        applied = linking.apply(settings, review_file)
        click.echo(str(applied))
        return
    proposal = linking.propose(settings, offline_file=offline_file, api_url=api_url, out=out,
                               include_none=include_none)
    click.echo(str(proposal))
