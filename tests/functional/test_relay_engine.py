"""The relay's own connections commit without waiting for the disk; the
kiosks' connections to the same store still wait (their changes are a
member's key, a code used up)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kiosk.relay.claims import commits_without_waiting_for_the_disk
from kiosk.store import make_engine, open_store


def _setting(engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return str(connection.execute(text("PRAGMA synchronous")).scalar())
        return connection.execute(text("SHOW synchronous_commit")).scalar()


@pytest.mark.both_stores
def test_only_the_relays_connections_skip_waiting_for_the_disk(store_url):
    open_store(store_url).dispose()
    kiosk, relay = make_engine(store_url), commits_without_waiting_for_the_disk(make_engine(store_url))
    try:
        if kiosk.dialect.name == "sqlite":  # NORMAL (1); the kiosks keep theirs (FULL, 2; the tests' own: OFF)
            assert _setting(relay) == "1" and _setting(kiosk) != "1"
        else:  # the kiosks keep the server's own setting (the tests' server itself runs without it)
            with kiosk.connect() as connection:
                server_default = connection.execute(
                    text("SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'")).scalar()
            assert (_setting(kiosk), _setting(relay)) == (server_default, "off")
        with relay.begin() as connection:  # and it still writes
            connection.execute(text("CREATE TABLE relay_probe (n integer)"))
        assert _setting(relay) in ("1", "off")  # kept past a transaction
    finally:
        kiosk.dispose()
        relay.dispose()
