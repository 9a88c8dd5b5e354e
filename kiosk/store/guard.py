"""Opening the store for the kiosk and the operator's commands: checked
first, so that a store that cannot be used as it is stops everything with one
line (kiosk.store.problems) before anyone is served.

- its directory must be writable (SQLite's -wal and -shm files live there);
- a SQLite file must pass ``PRAGMA quick_check`` (a damaged page otherwise
  opens fine and then fails every login that reads it);
- the pepper must be the store's (kiosk.store.pepper);
- a database server that does not answer is named, without its password.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import exc, text
from sqlalchemy.engine import Engine, make_url

from kiosk.store import problems
from kiosk.store.db import make_engine, migrate
from kiosk.store.files import NotWritable
from kiosk.store.pepper import settle_pepper

# SQLite's primary result codes (https://sqlite.org/rescode.html).
SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB = 8, 11, 14, 26


def open_checked(database_url: str, pepper_hex: str | None, pepper_file: Path) -> tuple[Engine, bytes]:
    """The migrated store and its pepper, or a ``StoreProblem``."""
    url = make_url(database_url)
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    sqlite_file = Path(url.database) if on_file else None
    engine = None
    try:
        engine = make_engine(database_url)
        if sqlite_file is not None:
            quick_check(engine, sqlite_file)
        migrate(engine)
        return engine, settle_pepper(engine, pepper_hex, pepper_file)
    except NotWritable as error:
        _dispose(engine)
        raise problems.not_writable(error.path if error.path.is_dir() else error.path.parent) from error
    except exc.DBAPIError as error:
        _dispose(engine)
        if sqlite_file is not None and isinstance(error.orig, sqlite3.Error):
            raise _sqlite_problem(error.orig, sqlite_file) from error
        if url.get_backend_name() != "sqlite" and problems.is_outage(error):
            where = url.render_as_string(hide_password=True)
            raise problems.unreachable(where, problems.outage_cause(error)) from error
        raise
    except BaseException:
        _dispose(engine)
        raise


def quick_check(engine: Engine, sqlite_file: Path) -> None:
    with engine.connect() as connection:
        findings = connection.execute(text("PRAGMA quick_check")).scalars().all()
    if findings != ["ok"]:
        lines = "\n".join(findings).splitlines()
        first = next((line for line in lines if not line.startswith("***")), lines[0])
        raise problems.corrupt_database(str(sqlite_file), first)


def _sqlite_problem(error: sqlite3.Error, sqlite_file: Path) -> Exception:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return problems.corrupt_database(str(sqlite_file), str(error))
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN):
        return problems.not_writable(sqlite_file.parent)
    return error


def _dispose(engine: Engine | None) -> None:
    if engine is not None:
        engine.dispose()
