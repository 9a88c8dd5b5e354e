"""A PostgreSQL server that is down or goes away: at start, one line for the
operator (a command) or «El kiosco no está disponible» on the welcome screen
(the kiosk, which tries again until the server is back); mid-visit, the member
is told the kiosk is not available for now, the log says why without a
statement's values, and the next press works once the server is back.

The server is the tests' throwaway one (tests/pgserver.py), stopped with
``pg_ctl stop`` and started again on the same port and data."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import exc
from textual.widgets import Button, Static

from kiosk.assembly import LazyStore
from kiosk.app import KioskApp
from kiosk.config import Settings
from kiosk.core.service import KioskService
from kiosk.demo import seed_demo
from kiosk.screens.document import DocumentScreen
from kiosk.screens.key_login import KeyLoginScreen
from kiosk.store import open_store
from kiosk.store.problems import is_outage
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY, click, settle, type_document
from tests.pgserver import _free_port

ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE = "El kiosco no está disponible en este momento. Intente de nuevo en unos minutos."


@contextmanager
def server_down(server):
    """The server stopped for the block (or until ``back()``), and running
    again after it whatever happens."""
    server.halt()
    state = {"down": True}

    def back() -> None:
        server.resume()
        state["down"] = False

    try:
        yield back
    finally:
        if state["down"]:
            server.resume()


@pytest.fixture
def pg_url(postgres_server, store_templates):
    name = f"kiosk_outage_{os.getpid()}"
    postgres_server.drop_database(name)
    url = postgres_server.create_database(name, template=store_templates.postgres_template(postgres_server))
    yield url
    postgres_server.drop_database(name)


def test_a_command_against_a_server_that_is_not_there_is_one_line_without_the_password(tmp_path):
    url = f"postgresql+psycopg://kiosk:s3cr3t-pw@127.0.0.1:{_free_port()}/kiosk"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    environment.update(KIOSK_DATA_DIR=str(tmp_path / "data"), KIOSK_PEPPER=TEST_PEPPER.hex(), PYTHONPATH=str(ROOT))
    for args in (("outbox",), ("seed",), ("teller", "list")):
        result = subprocess.run(
            [sys.executable, "-m", "kiosk", "--database-url", url, *args],
            env=environment, capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        (line,) = result.stderr.splitlines()
        assert line.startswith("kiosk: No se puede conectar con la base de datos postgresql+psycopg://kiosk:***@")
        assert "Connection refused" in line or "connection failed" in line
        log = (tmp_path / "data" / "kiosk.log").read_text()
        assert "s3cr3t-pw" not in line + log


async def test_a_kiosk_started_while_the_server_is_down_waits_for_it(postgres_server, pg_url, profile, caplog):
    settings = Settings(database_url=pg_url, pepper_hex=TEST_PEPPER.hex(), bcrypt_cost=4, kiosk_id="outage-test")
    store = LazyStore(settings)
    app = KioskApp(lambda: store.open().service_for(profile), profile, idle_timeout=600, rng=random.Random(7))
    app.STORE_RETRY_SECONDS = 0.2
    with server_down(postgres_server) as back:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            assert app.store_failed and app.screen.query_one("#start", Button).disabled
            status = str(app.screen.query_one("#welcome-status", Static).render())
            assert "El kiosco no está disponible" in status
            # Back: the next try opens it, with no one touching the kiosk.
            back()
            for _ in range(100):
                await pilot.pause(0.1)
                if app.store_ready:
                    break
            await settle(pilot)
            assert app.store_ready and not app.screen.query_one("#start", Button).disabled
            await click(pilot, "#start")
            await type_document(pilot, ORDINARY)
            assert isinstance(app.screen, KeyLoginScreen)
    assert "could not be opened" in caplog.text and "Traceback" not in caplog.text


async def test_the_server_going_away_mid_visit_is_a_message_and_the_kiosk_recovers(
    postgres_server, pg_url, profile, hasher, sealer, clock, caplog
):
    engine = open_store(pg_url)
    seed_demo(engine, hasher, clock)
    service = KioskService(engine, hasher, sealer, clock, profile.slug, profile.name)
    app = KioskApp(service, profile, idle_timeout=600, rng=random.Random(7))
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await click(pilot, "#start")
            with server_down(postgres_server), caplog.at_level(logging.ERROR):
                await type_document(pilot, ORDINARY)
                assert isinstance(app.screen, DocumentScreen)  # where the member was, their document kept
                assert UNAVAILABLE in str(app.screen.query_one("#message", Static).render())
            assert app.screen.query_one("#document").value == ORDINARY
            await click(pilot, "#continue")  # the server is back: the same press works
            assert isinstance(app.screen, KeyLoginScreen)
    finally:
        engine.dispose()
    logged = caplog.text
    assert "the database could not be reached" in logged
    assert ORDINARY not in logged and "SELECT" not in logged  # the cause, not the statement or its values


def test_what_counts_as_an_outage():
    refused = exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert is_outage(refused) and is_outage(exc.InterfaceError("x", {}, OSError("closed")))
    assert not is_outage(exc.IntegrityError("INSERT", {}, ValueError("duplicate")))
    assert not is_outage(ValueError("a bug"))
