"""Waiting for a state (a worker busy, the pool at full strength), never for a duration.

Tests never time things: these waits only synchronise with something that happens in another
thread or process, with a generous bound that fails the test if the state never comes.
"""

from __future__ import annotations

import time


def wait_for(condition, limit: float = 60.0) -> None:
    """Wait until ``condition()`` holds (synchronisation only; nothing is timed)."""
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.02)


def at_full_strength(pool) -> bool:
    """Every worker live and idle: replacements for stopped queries have started."""
    state = pool.health()
    return state["full_strength"] and state["idle"] == state["workers"]
