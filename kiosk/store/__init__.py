"""The store.  Its engine and sessions (kiosk.store.db) are imported on first
use, so that the light parts (kiosk.store.files, kiosk.store.problems) can be
used before the kiosk's first screen without importing SQLAlchemy."""

from __future__ import annotations

from typing import Any

__all__ = ["make_engine", "migrate", "open_store", "transaction"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kiosk.store import db

        return getattr(db, name)
    raise AttributeError(f"module 'kiosk.store' has no attribute {name!r}")
