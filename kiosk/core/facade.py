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


class OverCore:
    """What a facade built over a ``CoreContext`` (as ``self.core``) tells of
    the kiosk it serves."""

    engine = property(lambda self: self.core.engine)
    hasher = property(lambda self: self.core.hasher)
    sealer = property(lambda self: self.core.sealer)
    clock = property(lambda self: self.core.clock)
    institution = property(lambda self: self.core.institution)
    institution_name = property(lambda self: self.core.institution_name)
    kiosk_id = property(lambda self: self.core.kiosk_id)
