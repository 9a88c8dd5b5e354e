"""Counts the long-running tests record (processes, iterations, kills, inputs
tried), printed at the end of the run so they can be quoted."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()


def add(name: str, value: int = 1) -> None:
    COUNTS[name] += value
