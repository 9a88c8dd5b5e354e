"""The one-line delegations of a facade (``KioskService``, ``TellerDesk``) to
the capability objects it holds."""

from __future__ import annotations

import functools
from collections.abc import Callable


def forward(method: Callable, part: str) -> Callable:
    """A facade method: ``method`` of the capability the facade holds as
    ``part``, with its name, signature and docstring (one place for each)."""
    name = method.__name__

    @functools.wraps(method)
    def delegated(self, *args, **kwargs):
        return getattr(getattr(self, part), name)(*args, **kwargs)

    return delegated
