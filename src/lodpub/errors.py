"""lodpub's exceptions: one base class and a shallow tree.

Every message says what went wrong, where, and how to fix it. The CLI maps ``UsageError``-like
problems and ``BuildError`` to exit code 2 and ``ValidationFailed`` to exit code 1.
"""

from __future__ import annotations


class LodpubError(Exception):
    """Base class for every error lodpub raises on purpose."""


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

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class ReasoningError(LodpubError):
    """The reasoner found the ontology and facts inconsistent, or could not run."""


class JavaMissing(ReasoningError):
    """Java, which owlready2's HermiT needs, is not installed."""


class ReleaseError(LodpubError):
    """No usable release exists, or a release directory is damaged."""


class QueryError(LodpubError):
    """A SPARQL query is malformed or not allowed; the message is safe to show to the client."""


class QueryTimeout(QueryError):
    """A query ran past its time limit and was stopped."""


class Overloaded(LodpubError):
    """Every query worker is busy; the client should retry later."""
