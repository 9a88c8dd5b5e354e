from __future__ import annotations

import sys

# Compiled modules are kept (in __pycache__, which git ignores) even where the
# shell sets PYTHONDONTWRITEBYTECODE: the parallel workers and the `kiosk`
# processes the tests start then load the kiosk and the rewritten test modules
# rather than compiling them again each (collecting the suite: 9.9 s of CPU
# a worker, 4.1 s once compiled).  Set before the kiosk is first imported.
sys.dont_write_bytecode = False

import gc
import itertools
import os
import random
import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kiosk.app import DemoConsole, KioskApp
from kiosk.core.clock import FrozenClock
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.service import KioskService
from kiosk.core.teller import TellerDesk
from kiosk.teller_app import TellerApp
from kiosk.demo import seed_demo
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.i18n import set_language
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store import make_engine
from tests import pgserver
from tests.counts import COUNTS
from tests.store_templates import StoreTemplates

TEST_PEPPER = b"test-pepper-not-for-production!!"
# The authenticator secret every test teller enrols with, so enrolment screens can be snapshotted.
TELLER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# KIOSK_LONG=1: the long versions of the race, crash and hostile-input tests.
LONG = os.environ.get("KIOSK_LONG") == "1"
settings.register_profile(
    "kiosk",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "kiosk-long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("kiosk-long" if LONG else "kiosk")


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    """Test stores are thrown away: SQLite hands each commit to the OS without
    waiting for the disk (~3.6 ms a commit here), as the tests' PostgreSQL
    runs with fsync off (tests/pgserver.py).  Kiosks the tests start as
    processes keep the product's setting; a killed process loses nothing
    either way (only a power cut would)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


STORES = ("sqlite", "postgresql")
_database_names = itertools.count(1)


def pytest_generate_tests(metafunc):
    """Tests marked ``both_stores`` that use the store run twice: [sqlite] and [postgresql]."""
    if "store_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("store_kind", STORES, indirect=True)


def pytest_collection_modifyitems(items):
    """The long tests first (marker ``long``): the parallel workers take the
    tests in this order, and a long one taken last leaves the run waiting on
    it alone while the other workers stand idle."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_collection_finish(session):
    """Everything imported so far lives as long as the test process: the
    kiosk's own ``gc.collect()`` between visits then walks only what the tests
    made since, not every module of the suite (a second a visit, late in a run)."""
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session):
    """A parallel worker hands its counts to the run that prints them."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["kiosk_counts"] = dict(COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    COUNTS.update(getattr(node, "workeroutput", {}).get("kiosk_counts", {}))


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        terminalreporter.section("kiosk: races, crashes and hostile inputs")
        for name, value in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the session, with a migrated template database."""
    bin_dir = pgserver.find_bin_dir()
    if bin_dir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
            "/usr/lib/postgresql/*/bin: install Debian's postgresql to run the store tests on PostgreSQL"
        )
        if os.environ.get(pgserver.REQUIRE_ENV) == "1":
            pytest.fail(f"{pgserver.REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    server = pgserver.PostgresServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def store_kind(request) -> str:
    """Which store a test runs on: SQLite unless parametrized (``both_stores``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def store_url(store_kind, tmp_path, request):
    """An empty database: a new SQLite file, or a new PostgreSQL database."""
    if store_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"kiosk_{os.getpid()}_{next(_database_names)}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory):
    """Stores migrated (and seeded) once per test process, copied for each test."""
    return StoreTemplates(tmp_path_factory.mktemp("store-templates"))


_SEEDED = pytest.StashKey[bool]()


def _demo_seed_key(request):
    """What a demo seeding depends on, when a copy of an earlier one will do:
    the test's own hasher and clock, both the ordinary kinds."""
    if "service_for" not in request.fixturenames:
        return None
    hasher, clock = request.getfixturevalue("hasher"), request.getfixturevalue("clock")
    if type(hasher) is not Hasher or type(clock) is not FrozenClock:
        return None
    return (hasher, clock)


def _migrated_url(store_kind, tmp_path, request):
    """A migrated database for the test (seeded with the demo members when the
    test seeds them anyway, see ``service_for``): a copy of a template."""
    templates = request.getfixturevalue("store_templates")
    seeding = _demo_seed_key(request)
    if seeding is not None:
        request.node.stash[_SEEDED] = True
    if store_kind == "sqlite":
        path = tmp_path / "kiosk.db"
        templates.copy_sqlite(path, seeding)
        return f"sqlite:///{path}", None
    server = request.getfixturevalue("postgres_server")
    name = f"kiosk_{os.getpid()}_{next(_database_names)}"
    return server.create_database(name, template=templates.postgres_template(server, seeding)), (server, name)


@pytest.fixture(autouse=True)
def spanish():
    set_language("es")
    yield
    set_language("es")


@pytest.fixture
def engine(store_kind, tmp_path, request):
    """A migrated store: SQLite, or PostgreSQL in ``both_stores`` tests."""
    url, created = _migrated_url(store_kind, tmp_path, request)
    engine = make_engine(url)  # a copy of a migrated template: nothing left to migrate
    yield engine
    engine.dispose()
    if created:
        server, name = created
        server.drop_database(name)


@pytest.fixture
def hasher():
    # bcrypt's lowest cost keeps the suite fast; production uses 12.
    return Hasher(TEST_PEPPER, cost=4)


@pytest.fixture
def sealer():
    return Sealer(TEST_PEPPER)


@pytest.fixture
def clock():
    return FrozenClock(datetime(2026, 11, 21, 15, 0, tzinfo=UTC))


@pytest.fixture
def profile():
    return load_profile("progressa", step_types=set(STEP_SCREENS))


@pytest.fixture
def service_for(engine, hasher, sealer, clock, request):
    """The core for one institution, over the seeded demo store."""
    if not request.node.stash.get(_SEEDED, False):  # else the engine's copy was seeded alike
        seed_demo(engine, hasher, clock)

    def make(slug: str) -> KioskService:
        profile = load_profile(slug, step_types=set(STEP_SCREENS))
        return KioskService(engine, hasher, sealer, clock, profile.slug, profile.name)

    return make


@pytest.fixture
def desk_for(engine, hasher, sealer, clock, service_for):
    """The teller console's core for one institution, over the seeded demo store."""

    def make(slug: str = "progressa") -> TellerDesk:
        profile = load_profile(slug, step_types=set(STEP_SCREENS))
        return TellerDesk(
            engine, hasher, sealer, clock, profile.slug, profile.name,
            temporary_key_length=profile.setting("key_length"),
            new_secret=lambda: TELLER_SECRET,
        )

    return make


@pytest.fixture
def service(service_for, profile):
    return service_for(profile.slug)


@pytest.fixture
def make_app(service, profile, service_for):
    def make(
        idle_timeout: float = 600.0,
        operator_pin: str | None = None,
        seed: int = 7,
        institution: str = "progressa",
    ) -> KioskApp:
        chosen = profile if institution == profile.slug else load_profile(institution, step_types=set(STEP_SCREENS))
        return KioskApp(
            service if institution == profile.slug else service_for(institution),
            chosen,
            idle_timeout=idle_timeout,
            operator_pin=operator_pin,
            rng=random.Random(seed),
        )

    return make


@pytest.fixture
def make_teller_app(desk_for):
    def make(institution: str = "progressa", idle_timeout: float = 600.0) -> TellerApp:
        return TellerApp(desk_for(institution), idle_timeout=idle_timeout)

    return make


@pytest.fixture
def make_demo_app(service_for):
    """The demo console: the operator's start screen, every shipped institution."""

    def make(idle_timeout: float = 600.0, seed: int = 7) -> KioskApp:
        def open_institution(slug: str):
            return service_for(slug), load_profile(slug, step_types=set(STEP_SCREENS))

        slugs = available_profiles()
        institutions = [(p.slug, p.name, p.portal) for p in (load_profile(slug) for slug in slugs)]
        demo = DemoConsole(institutions, open_institution)
        return KioskApp(None, None, idle_timeout=idle_timeout, rng=random.Random(seed), demo=demo)

    return make


@pytest.fixture(autouse=True)
def shipped_institutions(monkeypatch):
    """Every test sees the shipped institutions (data/institutions), whatever
    the shell exports; a test that wants others points KIOSK_INSTITUTIONS_DIR
    at them (tests/test_sixth_institution.py)."""
    monkeypatch.delenv("KIOSK_INSTITUTIONS_DIR", raising=False)


@pytest.fixture(autouse=True)
def cli_data_dir(tmp_path, monkeypatch):
    """`kiosk` commands run in the tests keep their log in the test's own
    directory, not in the project's data/."""
    from kiosk import cli

    monkeypatch.setattr(cli, "DATA_DIR", tmp_path / "cli-data")
    monkeypatch.setattr(cli, "LOG_FILE", tmp_path / "cli-data" / "kiosk.log")
