"""Engine, sessions and migrations.

The schema is owned by the Alembic migrations in ``kiosk/store/migrations``;
``open_store`` brings any database (SQLite file, PostgreSQL URL) up to date.

Several kiosks may share one store.  A unit of work that writes
(``transaction``) takes the write lock as it begins: on SQLite with
``BEGIN IMMEDIATE``, so two kiosks never both read and then both try to upgrade
to a write lock (the "database is locked" deadlock of deferred transactions;
the second simply waits, up to the busy timeout); on PostgreSQL the core locks
the rows it reads and then updates (``lock_member``, ``lock_subject``) so that
concurrent kiosks queue on the same member instead of losing an update.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine, select

from kiosk.store.files import make_private, private_file, writable_dir
from kiosk.store.models import Member

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10
WRITE = "kiosk_write"  # execution option: this connection's transaction will write
# The newest migration's revision (a test keeps it Alembic's head): a store
# already there is opened without importing Alembic, a quarter of a second
# of every start.
SCHEMA_HEAD = "0013"


def make_engine(database_url: str) -> Engine:
    # hide_parameters: an error's text (logged) never carries a statement's
    # values: document numbers, hashes, sealed contacts.
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # A connection the server dropped (restarted, gone away) is found and
        # replaced as it is taken from the pool; a server that does not answer
        # fails the call within seconds, not the system's TCP timeout.
        return create_engine(
            url, pool_pre_ping=True, hide_parameters=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        )
    database = Path(url.database) if url.database and url.database != ":memory:" else None
    if database is not None:
        # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm
        # files the database's own mode.
        writable_dir(database.parent)
        private_file(database)
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling begins late and DEFERRED; turn it
        # off and begin every transaction ourselves (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers (the outbox viewer, other kiosks) work while a kiosk writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()
        if database is not None:  # a database that was once 0644 leaves no wider -wal/-shm behind
            make_private(database, Path(f"{database}-wal"), Path(f"{database}-shm"))

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        # SQLAlchemy's documented pysqlite recipe, with the write lock taken up front.
        immediate = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest migration.  Kiosks starting together
    take turns: the first upgrades, the others then find nothing to do."""
    if at_schema_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key("migrate")})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def at_schema_head(engine: Engine) -> bool:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [SCHEMA_HEAD]


def open_store(database_url: str) -> Engine:
    engine = make_engine(database_url)
    migrate(engine)
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work that writes: everything in the block commits together
    or not at all, and no other kiosk writes the same rows meanwhile."""
    with Session(engine.execution_options(**{WRITE: True}), expire_on_commit=False) as session:
        with session.begin():
            yield session


def lock_member(session: Session, member_id: int) -> None:
    """Hold the member's row until the unit of work ends, so kiosks working on
    the same member (codes, tries, keys) take turns.  The member row is always
    the first lock taken, so two units of work never wait on each other in a
    circle.  SQLite needs nothing: its write transaction already excludes all
    other writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Member.id).where(Member.id == member_id).with_for_update()).first()


def lock_subject(session: Session, subject: str) -> None:
    """Like ``lock_member`` for a document nobody holds (keyed digest): a
    transaction-scoped advisory lock on PostgreSQL, nothing on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(subject)})


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
