"""Bulk seeding of synthetic benchmark members, outbox messages and audit rows.

Rows go in by the batch inside one transaction: ``executemany`` on SQLite,
``COPY`` on PostgreSQL.  Every member has the same login key, hashed once
(they are synthetic members of a throwaway store, never a real one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from time import perf_counter
from typing import Iterable, Iterator

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection, Engine

from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.store.models import AuditEvent, Member, MemberKey, OutboxMessage

INSTITUTION = "progressa"
FIRST_DOCUMENT = 60_000_000  # member n has document FIRST_DOCUMENT + n (8 digits up to 39,999,999 members)
BIRTH_DATE = date(1980, 1, 1)
SEEDED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FIRST_KEY = "582017"
NEW_KEY = "749261"  # a new key the key policy accepts for every seeded member and the demo member
PEPPER = b"bench-pepper-not-for-production!"
BATCH = 50_000


def document(number: int) -> str:
    return str(FIRST_DOCUMENT + number)


def _member_rows(first: int, count: int, born: object, at: object) -> Iterator[tuple]:
    for n in range(first, first + count):
        yield (n + 1, INSTITUTION, "CC", document(n), "Asociado", f"Prueba {n}", born, f"31{n:08d}",
               f"asociado{n}@mail.com", at)


def _key_rows(first: int, count: int, key_hash: str, no: object, at: object) -> Iterator[tuple]:
    for n in range(first, first + count):
        yield (n + 1, "login", key_hash, no, None, 0, no, at, no)


def _outbox_rows(members: int, count: int, sealed: str, at: object) -> Iterator[tuple]:
    for n in range(count):
        member = n % members
        yield (member + 1, "sms", f"31{member:08d}", "Clave temporal", sealed, at)


def _audit_rows(members: int, count: int, at: object) -> Iterator[tuple]:
    for n in range(count):
        yield (at, INSTITUTION, n % members + 1, "member", "code_sent", "temporary_key por sms")


MEMBER_COLUMNS = ("id", "institution", "document_type", "document_number", "first_names", "last_names",
                  "birth_date", "mobile", "email", "created_at")
KEY_COLUMNS = ("member_id", "kind", "hash", "temporary", "expires_at", "failed_tries", "blocked", "changed_at",
               "issued_at_office")
OUTBOX_COLUMNS = ("member_id", "channel", "recipient", "subject", "sealed_body", "created_at")
AUDIT_COLUMNS = ("at", "institution", "member_id", "actor", "action", "detail")


def seed(
    engine: Engine, hasher: Hasher, sealer: Sealer, members: int, outbox: int = 0, audit: int = 0, first: int = 0
) -> dict[str, float]:
    """Add members ``first`` .. ``first + members - 1`` (ids from ``first + 1``,
    each with the login key ``FIRST_KEY``), then ``outbox`` messages and
    ``audit`` rows spread over all members, in one transaction.  Returns the
    seconds each table took (``ANALYZE`` counted under "analyze")."""
    key_hash = hasher.hash(FIRST_KEY)
    sealed = sealer.seal("Progressa: su clave temporal es 000000. Vence en 10 minutos. No la comparta con nadie.")
    total = first + members
    # The few values that are not text or numbers, as the driver takes them (converted once).
    born = _driver_value(engine, Member.__table__, "birth_date", BIRTH_DATE)
    at = _driver_value(engine, Member.__table__, "created_at", SEEDED_AT)
    no = _driver_value(engine, MemberKey.__table__, "blocked", False)
    tables = [
        (Member.__table__, MEMBER_COLUMNS, _member_rows(first, members, born, at)),
        (MemberKey.__table__, KEY_COLUMNS, _key_rows(first, members, key_hash, no, at)),
        (OutboxMessage.__table__, OUTBOX_COLUMNS, _outbox_rows(total, outbox, sealed, at)),
        (AuditEvent.__table__, AUDIT_COLUMNS, _audit_rows(total, audit, at)),
    ]
    with engine.execution_options(kiosk_write=True).begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if not postgres:
            connection.exec_driver_sql("PRAGMA cache_size=-200000")  # 200 MB of page cache while seeding
        else:
            # Not the daily roll-up triggers (migration 0011): 200,000 upserts of the same few
            # rows in one transaction take PostgreSQL many minutes, and this store's
            # measurements (finding members, codes) never read the roll-ups.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        seconds: dict[str, float] = {}
        for table, columns, rows in tables:
            started = perf_counter()
            (_copy if postgres else _insert_many)(connection, table, columns, rows)
            seconds[table.name] = perf_counter() - started
        started = perf_counter()
        if postgres:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('member', 'id'), (SELECT max(id) FROM member))"))
            connection.execute(text("ANALYZE"))
    if not postgres:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    seconds["analyze"] = perf_counter() - started
    return seconds


def _driver_value(engine: Engine, table: Table, column: str, value: object) -> object:
    """``value`` as SQLAlchemy hands it to the driver for ``table.column`` (its
    type's own conversion: how SQLite stores dates and times)."""
    if engine.dialect.name == "postgresql":
        return value  # psycopg's COPY adapts Python values itself
    processor = table.c[column].type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    return processor(value) if processor else value


def _insert_many(connection: Connection, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """SQLite: ``executemany`` by the batch."""
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        connection.exec_driver_sql(sql, batch)


def _copy(connection: Connection, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` through psycopg, on the transaction's own connection."""
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
