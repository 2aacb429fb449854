"""lodpub's exceptions: one base class, a shallow tree, and each error's HTTP status.

Every message says what went wrong, where, and how to fix it. An error that reaches a client
is answered with its ``status`` (``lodpub.web.http.errors`` renders every one of them, the
pages included); ``ClientError`` messages are the client's to read, and the messages of server
faults (status 500) stay in the server log. The command line maps ``ValidationFailed`` to exit
code 1 and every other ``LodpubError`` to exit code 2 (``exit_code``).
"""

from __future__ import annotations


class LodpubError(Exception):
    """Base class for every error lodpub raises on purpose."""

    status = 500  # the HTTP status when the error reaches a client
    exit_code = 2  # the command line's exit code

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})

    @property
    def public_message(self) -> str:
        """What a client may read: the message, unless the error is a fault of the server."""
        if self.status >= 500 and self.status != 503:
            return SERVER_FAULT
        return self.message


SERVER_FAULT = "internal error; it has been logged on the server"


# ----------------------------------------------------------------- building and serving

class ConfigError(LodpubError):
    """A setting is missing or has a value lodpub cannot use."""


class SourceError(LodpubError):
    """A source document or its metadata cannot be read."""


class RecordError(LodpubError):
    """A curated record in data/ is malformed; the message names the file, line and record id."""


class QuoteError(RecordError):
    """A record's quote is not found verbatim in its source document."""


class ValidationFailed(LodpubError):
    """The build does not conform to the SHACL shapes; carries the report."""

    exit_code = 1

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class ReasoningError(LodpubError):
    """The reasoner found the ontology and facts inconsistent, or could not run."""


class JavaMissing(ReasoningError):
    """Java, which owlready2's HermiT needs, is not installed."""


class ReleaseError(LodpubError):
    """No usable release exists, or a release directory is damaged."""


class StorageError(LodpubError):
    """A file or directory cannot be written or read (read-only, disk full, permissions)."""


class LoadFailed(LodpubError):
    """``lodpub publish`` could not load a release into a remote engine (the served release is
    left as it was, unless the message says otherwise)."""


# ----------------------------------------------------------------- a client's mistakes (4xx)

class ClientError(LodpubError):
    """The request is wrong; the message is safe to show to the client and says how to fix it."""

    status = 400


class BadRequest(ClientError):
    """400: the request is malformed."""


class QueryError(ClientError):
    """400: a SPARQL query is malformed or not allowed."""


class QuerySyntaxError(QueryError):
    """The query does not parse; the message carries the parser's line and column."""


class DatasetError(QueryError):
    """A ``default-graph-uri`` or ``named-graph-uri`` that is not an absolute IRI."""


class Unsupported(QueryError):
    """The query uses something the engine does not implement."""


class UpdateRefused(QueryError):
    """A SPARQL Update reached the read-only endpoint."""


class ServiceRefused(QueryError):
    """The query calls SERVICE on an endpoint that is not allow-listed."""


class QueryTooComplex(QueryError):
    """The query nests deeper, or is longer, than the endpoint's limits."""


class NotFound(ClientError):
    """404: nothing here."""

    status = 404


class NotAcceptable(ClientError):
    """406: no format the client accepts can carry the answer."""

    status = 406


class PayloadTooLarge(ClientError):
    """413: the query or request body is larger than ``max_query_bytes``."""

    status = 413


class UnsupportedMediaType(ClientError):
    """415: a body in a content type the protocol does not define."""

    status = 415


# ----------------------------------------------------------------- stopped or overloaded (503)

class Unavailable(LodpubError):
    """503: the answer cannot be given now; ``Retry-After`` says when to try again."""

    status = 503

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message,
                         headers={"Retry-After": str(retry_after)} if retry_after else None)


class QueryStopped(Unavailable):
    """A query was stopped before it finished (time or memory limit, or its worker was lost)."""


class QueryTimeout(QueryStopped):
    """A query ran past its time limit and was stopped."""


class QueryOutOfMemory(QueryStopped):
    """A query used more memory than its worker may, and was stopped."""


class Overloaded(Unavailable):
    """Every query worker is busy; the client should retry later."""


class EngineUnavailable(Unavailable):
    """The query engine (a remote SPARQL server, or the worker pool) cannot answer now."""


class EngineFailure(LodpubError):
    """500: the engine failed on a query for a reason that is not the client's."""


class ServiceFailure(LodpubError):
    """502: an allow-listed SERVICE the query calls failed; the message is the client's to read."""

    status = 502

    @property
    def public_message(self) -> str:
        """The upstream's failure, which the client asked for."""
        return self.message
