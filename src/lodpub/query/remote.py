"""A remote SPARQL 1.1 endpoint behind the ``Store`` interface (Oxigraph server, Fuseki, …).

The query is checked by lodpub first (``Store.prepare``: size, nesting, updates, SERVICE), so
nothing the endpoint would refuse leaves lodpub; then it is POSTed to the endpoint with the
answer's media type in ``Accept`` and lodpub's deadline on the HTTP call. An endpoint that
cannot be reached is ``EngineUnavailable`` (503 with Retry-After).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from lodpub.errors import EngineUnavailable, QueryError, QuerySyntaxError, QueryTimeout
from lodpub.formats import Format
from lodpub.query.engine import CHUNK
from lodpub.query.scan import PreparedQuery
from lodpub.query.store import NO_DATASET, Dataset, Helpers, Limits, QueryResult


@dataclass
class RemoteStore(Helpers):
    """A SPARQL 1.1 endpoint at ``url``."""

    url: str
    limits: Limits = field(default_factory=Limits)
    session: requests.Session = field(default_factory=requests.Session)

    def execute(self, query: PreparedQuery, fmt: Format, *, dataset: Dataset = NO_DATASET,
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """POST ``query`` to the remote endpoint and stream its answer back."""
        data = [("query", query.text)]
        data += [("default-graph-uri", g) for g in dataset.default_graphs]
        data += [("named-graph-uri", g) for g in dataset.named_graphs]
        limit = self.limits.timeout if timeout is None else timeout
        try:
            response = self.session.post(self.url, data=data,
                                         headers={"Accept": fmt.media_type}, stream=True,
                                         timeout=(min(limit, 5.0), limit))
        except requests.Timeout:
            raise QueryTimeout(f"query stopped after {limit:g} s (remote endpoint)") from None
        except requests.RequestException as exc:
            raise EngineUnavailable(f"the SPARQL engine at {self.url} cannot be reached "
                                    f"({type(exc).__name__})", retry_after=5) from None
        if response.status_code >= 400:
            message = response.text[:2000]
            response.close()
            if response.status_code == 400:
                raise QuerySyntaxError(f"the SPARQL engine refused the query: {message}")
            if response.status_code >= 500:
                raise EngineUnavailable(f"the SPARQL engine answered {response.status_code}",
                                        retry_after=5)
            raise QueryError(f"the SPARQL engine answered {response.status_code}: {message}")
        media = response.headers.get("Content-Type", fmt.media_type).split(";")[0].strip()
        return QueryResult(fmt, media, response.iter_content(CHUNK))

    def health(self) -> dict:
        """The remote engine's URL (reachability is found out by the next query)."""
        return {"engine": "remote", "url": self.url}

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()
