"""Migrating a store (Alembic) and seeding the demo members take about a
second a test; each test process does it once per kind of store and gives
every test a copy: SQLite's backup API for a file, ``CREATE DATABASE ...
TEMPLATE`` on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from kiosk.demo import seed_demo
from kiosk.store import make_engine, open_store

_names = itertools.count(1)


def _seed_key(seeding) -> tuple | None:
    if seeding is None:
        return None
    hasher, clock = seeding
    return (hasher._pepper, hasher._cost, clock.now())


class StoreTemplates:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: dict[tuple | None, Path] = {}
        self._postgres: dict[tuple | None, str] = {}

    def copy_sqlite(self, target: Path, seeding=None) -> None:
        """``target`` becomes a migrated store (seeded by ``seeding``'s hasher and clock, if given)."""
        source = self._sqlite_template(seeding)
        with closing(sqlite3.connect(source)) as template, closing(sqlite3.connect(target)) as copy:
            template.backup(copy)

    def _sqlite_template(self, seeding) -> Path:
        key = _seed_key(seeding)
        if key not in self._sqlite:
            path = self.directory / f"template-{next(_names)}.db"
            if key is None:
                open_store(f"sqlite:///{path}").dispose()
            else:
                self.copy_sqlite(path)
                engine = make_engine(f"sqlite:///{path}")
                seed_demo(engine, *seeding)
                engine.dispose()
            self._sqlite[key] = path
        return self._sqlite[key]

    def postgres_template(self, server, seeding=None) -> str:
        """The name of a template database on ``server``, like ``copy_sqlite``'s."""
        key = _seed_key(seeding)
        if key not in self._postgres:
            name = f"kiosk_template_{os.getpid()}_{next(_names)}"
            if key is None:
                open_store(server.create_database(name)).dispose()
            else:
                engine = make_engine(server.create_database(name, template=self.postgres_template(server)))
                seed_demo(engine, *seeding)
                engine.dispose()
            self._postgres[key] = name
        return self._postgres[key]
