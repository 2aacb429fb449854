"""Per-release memoisation of what pages derive from the data (labels, parsed ontology, pictures).

A release is immutable, so anything computed from it stays valid while the app serves it; the
cache lives on the app (``app.extensions``), never at module level, and is keyed by version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
KEY = "lodpub.memo"


def per_release(name: str, build: Callable[[], T]) -> T:
    """The value ``build()`` gave for ``name`` on the served release (computed once)."""
    version = current_app.extensions["lodpub"].version
    memo = current_app.extensions.setdefault(KEY, {})
    if memo.get("version") != version:
        memo.clear()
        memo["version"] = version
    if name not in memo:
        memo[name] = build()
    return memo[name]
