"""``kiosk backup PATH`` and ``kiosk restore PATH`` for a SQLite store.

A backup is SQLite's online backup (``sqlite3.Connection.backup``): one
consistent copy even while kiosks write, each of their transactions in it
whole or not at all.  It is written 0600 and never over another file.  The
pepper is not in it (it never is in the store): keep a copy of the pepper
file with the backups, once.

A restore refuses anything but a sound kiosk store made with the pepper at
hand (its ``store_meta`` check value, kiosk.store.pepper), and copies it into
the store with the same backup API, so that a kiosk still running sees the
old store or the new one, never half of each.  On PostgreSQL: pg_dump and
pg_restore.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from kiosk.i18n import _
from kiosk.store import problems
from kiosk.store.db import BUSY_TIMEOUT_SECONDS
from kiosk.store.files import PRIVATE_FILE, NotWritable, make_private, private_file, writable_dir
from kiosk.store.pepper import matches

REQUIRED_TABLES = {"alembic_version", "member", "store_meta"}


@dataclass(frozen=True)
class Copied:
    members: int
    size: int  # bytes


def backup(database_url: str, path: Path) -> Copied:
    source = _sqlite_file(database_url, _("En PostgreSQL haga la copia con pg_dump (kiosk backup es para SQLite)."))
    if not source.is_file():
        raise problems.StoreProblem(_("No hay base de datos en {path}.").format(path=source))
    if path.exists():
        raise problems.StoreProblem(
            _("{path} ya existe: una copia nunca se escribe sobre otro archivo; elija otro nombre.").format(path=path)
        )
    try:
        writable_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except (NotWritable, PermissionError) as error:
        raise problems.not_writable(path.parent) from error
    os.close(fd)
    try:
        with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as live, \
                closing(sqlite3.connect(path)) as copy:
            live.backup(copy)  # in one step: a snapshot of one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
            members = _sound_store_members(copy, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    make_private(path)
    return Copied(members, path.stat().st_size)


def restore(database_url: str, path: Path, pepper: bytes | None) -> Copied:
    target = _sqlite_file(database_url, _("En PostgreSQL restaure con pg_restore o psql (kiosk restore es para SQLite)."))
    if not path.is_file():
        raise problems.StoreProblem(_("No hay copia en {path}.").format(path=path))
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as copy:
        members = _sound_store_members(copy, path)
        stored = copy.execute("SELECT pepper_check FROM store_meta WHERE id = 1").fetchone()
        if stored is None or pepper is None or not matches(pepper, stored[0]):
            raise problems.StoreProblem(
                _("La copia {path} no se hizo con la pimienta de este kiosco: no se restaura (restaure "
                  "primero el archivo de pimienta que acompaña esa copia).").format(path=path)
            )
        try:
            writable_dir(target.parent)
            private_file(target)
            with closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)) as live:
                copy.backup(live)
                live.execute("PRAGMA journal_mode=WAL")
        except NotWritable as error:
            raise problems.not_writable(target.parent) from error
        except sqlite3.DatabaseError:  # the store is past opening: put the copy in its place
            _replace(copy, target)
    make_private(target, Path(f"{target}-wal"), Path(f"{target}-shm"))
    return Copied(members, target.stat().st_size)


def _replace(copy: sqlite3.Connection, target: Path) -> None:
    fresh = target.with_name(target.name + ".restoring")
    fresh.unlink(missing_ok=True)
    private_file(fresh)
    with closing(sqlite3.connect(fresh)) as new:
        copy.backup(new)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):  # the damaged store's, not the copy's
        stale.unlink(missing_ok=True)
    os.replace(fresh, target)


def _sound_store_members(connection: sqlite3.Connection, path: Path) -> int:
    """How many members the kiosk store at ``connection`` holds; a
    ``StoreProblem`` if it is not a sound kiosk store."""
    def not_a_store(why: str) -> problems.StoreProblem:
        return problems.StoreProblem(
            _("{path} no es un almacén del kiosco en buen estado ({why}): no se usa.").format(path=path, why=why)
        )

    try:
        findings = [row[0] for row in connection.execute("PRAGMA quick_check")]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise not_a_store(str(error)) from error
    if findings != ["ok"]:
        raise not_a_store(findings[0])
    if missing := REQUIRED_TABLES - tables:
        raise not_a_store(_("le falta la tabla {table}").format(table=sorted(missing)[0]))
    return connection.execute("SELECT count(*) FROM member").fetchone()[0]


def _sqlite_file(database_url: str, on_postgresql: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise problems.StoreProblem(on_postgresql)
    return Path(url.database)
