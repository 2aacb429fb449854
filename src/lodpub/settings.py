"""Frozen settings: defaults -> [tool.lodpub] in pyproject.toml -> LODPUB_* env -> CLI flags.

Every setting is declared once here, with its help text; docs/settings.md is checked against
this list by a test.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lodpub.errors import ConfigError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every lodpub setting with its default; build one with ``load_settings``."""

    project_dir: Path = _setting(Path("."), "Project root holding data/, ontology/, shapes/.")
    dist_dir: Path = _setting(Path("dist"), "Where releases are written and served from.")
    public_url: str = _setting(
        "", "Public URL the server is reached at (absolute links, redirects and the service "
        "description use it); unset, only hosts in trusted_hosts get absolute links.")
    trusted_hosts: tuple[str, ...] = _setting(
        ("localhost", "127.0.0.1", "[::1]"), "Host names whose Host header may be used for "
        "absolute links when public_url is unset (comma-separated in env; '.example.org' "
        "allows subdomains); any other Host gets relative links.")
    host: str = _setting("127.0.0.1", "Address `lodpub serve` listens on.")
    port: int = _setting(5000, "Port `lodpub serve` listens on.")
    workers: int = _setting(
        2, "Worker processes: under waitress, HTTP worker processes that run queries; "
        "otherwise (granian, tests, lodpub query) query worker processes. Each runs one query "
        "at a time.")
    threads: int = _setting(8, "HTTP server threads per process.")
    http_server: str = _setting(
        "waitress", "HTTP server of `lodpub serve`: waitress (worker processes that run "
        "queries themselves), or granian (pip install 'lodpub[granian]'; one HTTP process "
        "with a pool of query worker processes).")
    query_timeout: float = _setting(5.0, "Seconds a SPARQL query may run before it is stopped.")
    max_rows: int = _setting(0, "Row cap on SELECT results; 0 means no cap. Truncation is flagged.")
    memory_store_max_quads: int = _setting(
        2_000_000, "Data of at most this many quads is served from memory (two to five times "
        "faster scans and joins). lodpub serve loads it once (about 0.4 GB per million quads; "
        "above a hundredth of this, while the workers already serve from the on-disk store, "
        "which they then leave one at a time) and its workers share it through fork until "
        "queries touch it: pyoxigraph's store writes as it reads, so after heavy queries each "
        "worker holds much of its own copy (1.3 GB in all at 1M quads with two workers). A "
        "pool of query workers keeps at most 500,000 quads in memory. Larger data is served "
        "from the on-disk store, which opens at once; 0: always on disk.")
    max_query_bytes: int = _setting(100_000, "Largest accepted query or request body, in bytes.")
    max_query_nesting: int = _setting(
        4_096, "Most brackets, negations and quoted triples a query may open (an upper bound "
        "on its nesting depth, checked before the engine).")
    query_memory_mb: int = _setting(
        0, "Memory a query may take in its worker, in MB, before it is stopped (503) and the "
        "worker replaced; 0: half the machine's memory shared by the workers (256-4096).")
    result_cache_bytes: int = _setting(
        64 * 1024 * 1024, "Memory for complete SPARQL answers kept per release and request "
        "(LRU, in bytes; streamed answers are not kept); 0 turns the cache off.")
    service_allowlist: tuple[str, ...] = _setting(
        (), "SPARQL endpoints a query may call with SERVICE (comma-separated in env)."
    )
    store: str = _setting(
        "", "SPARQL 1.1 query endpoint of a remote engine that serves the release (loaded there "
        "by `lodpub publish`), instead of the embedded engine; credentials as URL userinfo. "
        "Empty: the embedded engine.")
    gsp: str = _setting(
        "", "Graph Store Protocol endpoint `lodpub publish` loads the store engine through, "
        "where lodpub cannot derive it from the store URL (it can for the Oxigraph server and "
        "Virtuoso); credentials as URL userinfo.")
    reason: bool = _setting(True, "Run the owlready2/HermiT reasoner during `lodpub build`.")
    license: str = _setting(
        "https://creativecommons.org/licenses/by/4.0/", "Licence of the published dataset."
    )
    wikidata_api: str = _setting(
        "https://www.wikidata.org/w/api.php", "Wikidata API used by `lodpub link` when online."
    )

    def __post_init__(self) -> None:
        for name, low, high in _RANGES:
            value = getattr(self, name)
            if not low <= value <= high or (name == "query_timeout" and value == 0):
                bound = f"at least {low}" if high == _NO_MAX else f"between {low} and {high}"
                bound = "greater than 0" if name == "query_timeout" else bound
                raise ConfigError(f"setting {name!r} is {value!r}; it must be {bound}")
        for name in ("store", "gsp"):
            value = getattr(self, name)
            if value and not _is_http_url(value):
                raise ConfigError(f"setting {name!r} must be the http(s) URL of a SPARQL "
                                  f"engine's endpoint, not {urlsplit(value).scheme or 'a path'}"
                                  "://…")
        if self.http_server not in ("waitress", "granian"):
            raise ConfigError(f"setting 'http_server' is {self.http_server!r}; use waitress or "
                              "granian")

    @property
    def data_dir(self) -> Path:
        """Curated records and source texts."""
        return self.project_dir / "data"

    @property
    def ontology_dir(self) -> Path:
        """The OWL ontology (Turtle)."""
        return self.project_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        """The SHACL shapes (Turtle)."""
        return self.project_dir / "shapes"

    @property
    def releases_dir(self) -> Path:
        """Immutable release directories, one per version."""
        return self.resolved_dist / "releases"

    @property
    def resolved_dist(self) -> Path:
        """``dist_dir`` made absolute against the project directory."""
        dist = Path(self.dist_dir)
        return dist if dist.is_absolute() else self.project_dir / dist


_NO_MAX = float("inf")
_RANGES = (  # name, lowest, highest allowed value (checked on every Settings)
    ("port", 0, 65535), ("workers", 1, _NO_MAX), ("threads", 1, _NO_MAX),
    ("query_timeout", 0, _NO_MAX), ("max_rows", 0, _NO_MAX),
    ("memory_store_max_quads", 0, _NO_MAX), ("max_query_bytes", 1, _NO_MAX),
    ("max_query_nesting", 1, _NO_MAX), ("query_memory_mb", 0, _NO_MAX),
    ("result_cache_bytes", 0, _NO_MAX),
)


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def setting_help() -> dict[str, str]:
    """Each setting's name and help text, in declaration order."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in dataclasses.fields(Settings)}[name]
    try:
        if kind in ("Path",):
            return Path(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "yes", "on")
        if kind.startswith("tuple"):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name!r}: cannot use {value!r} as {kind}") from None


def _find_project(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "data").is_dir():
            return candidate
    return start


def load_settings(project_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, pyproject's [tool.lodpub], LODPUB_* variables, then ``overrides``.

    ``overrides`` with the value ``None`` are ignored, so CLI options can be passed straight in.
    """
    env_project = os.environ.get("LODPUB_PROJECT_DIR")
    root = Path(project_dir or env_project or _find_project(Path.cwd())).resolve()
    names = {f.name for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {"project_dir": root}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        with pyproject.open("rb") as fh:
            table = tomllib.load(fh).get("tool", {}).get("lodpub", {})
        for key, value in table.items():
            key = key.replace("-", "_")
            if key not in names:
                raise ConfigError(
                    f"{pyproject}: unknown setting [tool.lodpub] {key!r}; "
                    f"known settings: {', '.join(sorted(names))}"
                )
            values[key] = _coerce(key, value)
    for key in names - {"project_dir"}:
        env = os.environ.get("LODPUB_" + key.upper())
        if env is not None:
            values[key] = _coerce(key, env)
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in names:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, value)
    return Settings(**values)
