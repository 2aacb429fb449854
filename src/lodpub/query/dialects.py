"""What lodpub knows about each remote SPARQL engine: its endpoints, its limits, its deviations.

An engine is recognised by the ``Server`` header of its answers; anything else is ``GENERIC``,
treated by the standards alone (and with the most care). Each deviation lodpub works around is
named here and tested in tests/test_remote_*.py (docs/deploying.md lists them all):

- Oxigraph server: one update request is one transaction, and a query reads one snapshot. At
  its own time limit (``--timeout-s``) it answers 200 with the body cut and an error message
  appended, so every answer is parsed strictly before it is passed on (``lodpub.query.remote``).
  Endpoints: ``/query``, ``/update``, ``/store`` (Graph Store Protocol).
- Virtuoso 7: each operation of an update request commits on its own (a failing one leaves the
  earlier ones done) and queries read committed rows, not a snapshot, so the switch to a new
  release is marked in the engine first and checked around every query. Its per-query limit is
  the ``timeout`` parameter (ms): at it Virtuoso answers 200 with what it found so far and
  ``X-SQL-State: S1TAT``; ``ResultSetMaxRows`` cuts answers silently but for
  ``X-SPARQL-MaxRows``. A query POSTed as ``application/sparql-query`` never gets an answer
  (lodpub always sends forms). Writing needs HTTP Digest as ``dba``: ``/sparql-auth`` for
  updates and ``/sparql-graph-crud-auth`` for the Graph Store Protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from lodpub.errors import ConfigError


@dataclass(frozen=True)
class Dialect:
    """One engine's ways: endpoints beside the query endpoint, transactions, time limit."""

    name: str
    server: str = ""  # how its Server header starts ("" never matches)
    atomic_updates: bool = False  # one update request is one transaction
    update_path: str = ""  # the update endpoint, replacing the query endpoint's last segment
    gsp_path: str = ""  # the Graph Store Protocol endpoint, likewise
    timeout_parameter: str = ""  # a per-query time limit the engine takes with each query
    timeout_scale: float = 1.0  # seconds -> the parameter's unit

    def update_url(self, query_url: str) -> str:
        """The engine's SPARQL Update endpoint beside ``query_url``."""
        return _beside(query_url, self.update_path, "update", self.name)

    def gsp_url(self, query_url: str) -> str:
        """The engine's Graph Store Protocol endpoint beside ``query_url``."""
        return _beside(query_url, self.gsp_path, "Graph Store", self.name)

    def timeout_parameters(self, seconds: float) -> list[tuple[str, str]]:
        """The request parameters that give the engine its own time limit, if it takes one."""
        if not self.timeout_parameter:
            return []
        return [(self.timeout_parameter, str(max(1, int(seconds * self.timeout_scale))))]


OXIGRAPH = Dialect("Oxigraph server", server="Oxigraph", atomic_updates=True,
                   update_path="update", gsp_path="store")
VIRTUOSO = Dialect("Virtuoso", server="Virtuoso", atomic_updates=False,
                   update_path="sparql-auth", gsp_path="sparql-graph-crud-auth",
                   timeout_parameter="timeout", timeout_scale=1000.0)
GENERIC = Dialect("an engine lodpub does not know")
DIALECTS = (OXIGRAPH, VIRTUOSO)


def recognise(server_header: str | None) -> Dialect:
    """The dialect of the engine whose answers carry this ``Server`` header."""
    header = (server_header or "").strip()
    return next((d for d in DIALECTS if header.startswith(d.server)), GENERIC)


def _beside(query_url: str, path: str, what: str, engine: str) -> str:
    if not path:
        raise ConfigError(f"lodpub cannot tell where the {what} endpoint of {engine} is; give "
                          f"it (lodpub publish --{'gsp' if what != 'update' else 'update'} URL; "
                          "see docs/deploying.md)")
    parts = urlsplit(query_url)
    folder = parts.path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, f"{folder}/{path}", "", ""))
