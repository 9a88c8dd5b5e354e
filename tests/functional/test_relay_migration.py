"""Migration 0013 on a store that already has messages: they were only ever
simulated, so they are marked «simulated» (a relay configured later never
sends history), each with a key of its own and its member's institution;
down and up again works."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from kiosk.store.db import MIGRATIONS_DIR, make_engine

pytestmark = pytest.mark.both_stores


def migrate_to(engine, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_messages_already_there_stay_simulated(store_url):
    engine = make_engine(store_url)
    try:
        migrate_to(engine, "0012")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO member (id, institution, document_type, document_number, first_names, last_names,"
                " birth_date, created_at) VALUES (1, 'cooperen', 'CC', '12147', 'Gloria', 'Vargas', '1980-01-01',"
                " '2026-11-01 10:00:00')"
            ))
            for number in range(3):
                connection.execute(text(
                    "INSERT INTO outbox_message (member_id, channel, recipient, subject, sealed_body, created_at)"
                    " VALUES (:member, 'sms', '3001234567', 'Clave temporal', 'sealed', '2026-11-01 10:00:00')"
                ), {"member": 1 if number else None})
        migrate_to(engine, "head")
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT id, institution, state, attempts, idempotency_key, expires_at, next_attempt_at"
                " FROM outbox_message ORDER BY id"
            )).all()
        assert [tuple(row[1:]) for row in rows] == [
            ("", "simulated", 0, f"simulated-{rows[0][0]}", None, None),
            ("cooperen", "simulated", 0, f"simulated-{rows[1][0]}", None, None),
            ("cooperen", "simulated", 0, f"simulated-{rows[2][0]}", None, None),
        ]
        with engine.begin() as connection:  # the key is unique
            with pytest.raises(Exception, match="(?i)unique"):
                connection.execute(text(f"UPDATE outbox_message SET idempotency_key = 'simulated-{rows[0][0]}'"))
        migrate_to(engine, "0012", down=True)
        migrate_to(engine, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM outbox_message WHERE state = 'simulated'")).scalar() == 3
            # The daily roll-up's trigger (0011) survived the new columns.
            before = connection.execute(text("SELECT sum(count) FROM outbox_daily")).scalar()
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO outbox_message (member_id, channel, recipient, subject, sealed_body, created_at,"
                " idempotency_key) VALUES (1, 'sms', '3001234567', 'x', 'sealed', '2026-11-02 10:00:00', 'k1')"
            ))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT sum(count) FROM outbox_daily")).scalar() == before + 1
    finally:
        engine.dispose()
