"""The store: created by the Alembic migrations, idempotent to reopen, the
migrations in step with the SQLModel tables, and SQLite in WAL mode."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from kiosk.store import models, open_store, transaction
from kiosk.store.models import Member, MemberKey

pytestmark = pytest.mark.both_stores

EXPECTED_TABLES = {
    "member",
    "product",
    "member_key",
    "key_history",
    "security_image",
    "one_time_code",
    "outbox_message",
    "audit_event",
    "consent",
    "store_meta",
}


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kiosk.store.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


HEAD = _head()


def test_the_schema_head_the_store_skips_alembic_at_is_alembics_own():
    from kiosk.store.db import SCHEMA_HEAD

    assert SCHEMA_HEAD == HEAD, "a new migration: set kiosk.store.db.SCHEMA_HEAD to its revision"


def test_a_store_at_the_head_is_opened_without_alembic(store_url):
    import subprocess
    import sys

    open_store(store_url).dispose()
    opened_again = (
        "import sys; from kiosk.store import open_store; open_store(sys.argv[1]).dispose(); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", opened_again, store_url], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def url_in(tmp_path, name: str = "fresh.db") -> str:
    return f"sqlite:///{tmp_path / 'sub' / 'dir' / name}"


def test_sqlite_file_gets_its_parent_folders(tmp_path):
    engine = open_store(url_in(tmp_path))
    engine.dispose()
    assert (tmp_path / "sub" / "dir" / "fresh.db").exists()


def test_fresh_store_gets_every_table_from_the_migration(store_url):
    engine = open_store(store_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert EXPECTED_TABLES | {"alembic_version"} <= tables
        # Every table the models declare exists (nothing was forgotten in the migration).
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == [HEAD]
    finally:
        engine.dispose()


def test_models_module_declares_the_expected_tables():
    declared = {table.name for table in SQLModel.metadata.tables.values() if table.name in EXPECTED_TABLES}
    assert declared == EXPECTED_TABLES
    assert models.OneTimeCode.__tablename__ == "one_time_code"


def test_opening_twice_is_harmless_and_keeps_the_data(store_url):
    url = store_url
    engine = open_store(url)
    with transaction(engine) as session:
        session.add(
            Member(
                institution="progressa", document_type="CC", document_number="1010123456",
                first_names="Ana María", last_names="Rojas Pérez", birth_date=date(1985, 3, 14),
                created_at=datetime(2026, 11, 21, 15, 0, tzinfo=UTC),
            )
        )
    engine.dispose()

    engine = open_store(url)
    try:
        with Session(engine) as session:
            (member,) = session.exec(select(Member)).all()
        assert member.first_names == "Ana María"
        assert member.created_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == [HEAD]
    finally:
        engine.dispose()


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_compare_metadata_would_notice_a_drift(engine):
    # The check above can fail: a column the migrations never created is reported.
    from sqlalchemy import Column, Integer, MetaData, Table

    drifted = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(drifted)
    Table("member", drifted, Column("loyalty_points", Integer), extend_existing=True)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, drifted)
    assert any(diff[0] == "add_column" and diff[3].name == "loyalty_points" for diff in differences)


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = open_store(url_in(tmp_path))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_sqlite_write_units_take_the_write_lock_as_they_begin(tmp_path):
    """BEGIN IMMEDIATE: a second writer waits for the lock instead of reading
    first and failing with "database is locked" when it tries to write."""
    engine = open_store(url_in(tmp_path))
    with transaction(engine) as session:
        assert session.connection().exec_driver_sql("SELECT 1").scalar() == 1
        other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("SELECT count(*) FROM member").fetchone()  # readers are never blocked (WAL)
        other.close()
    engine.dispose()


def test_foreign_keys_enforced(engine):
    with pytest.raises(IntegrityError):
        with transaction(engine) as session:
            session.add(
                MemberKey(member_id=424242, kind="login", hash="x", changed_at=datetime(2026, 1, 1, tzinfo=UTC))
            )


def test_transaction_rolls_back_on_error(engine):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with transaction(engine) as session:
            session.add(
                Member(
                    institution="progressa", document_type="CC", document_number="1",
                    first_names="A", last_names="B", birth_date=date(2000, 1, 1),
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
            session.flush()
            raise Boom
    with Session(engine) as session:
        assert session.exec(select(Member)).all() == []


def test_an_older_database_is_upgraded_in_place_keeping_its_data(store_url):
    from datetime import UTC, date, datetime

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from kiosk.store import make_engine, open_store, transaction
    from kiosk.store.db import MIGRATIONS_DIR
    from kiosk.store.models import Member

    url = store_url
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert "recovery_attempt" not in inspect(engine).get_table_names()
    with transaction(engine) as session:
        session.add(Member(institution="progressa", document_type="CC", document_number="123456",
                           first_names="A", last_names="B", birth_date=date(1990, 1, 1),
                           created_at=datetime.now(UTC)))
    engine.dispose()

    upgraded = open_store(url)
    assert "recovery_attempt" in inspect(upgraded).get_table_names()
    with upgraded.connect() as connection:
        assert connection.exec_driver_sql("SELECT document_number FROM member").scalar() == "123456"
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    upgraded.dispose()
