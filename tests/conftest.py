from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from kiosk.app import KioskApp
from kiosk.core.clock import FrozenClock
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.service import KioskService
from kiosk.core.teller import TellerDesk
from kiosk.teller_app import TellerApp
from kiosk.demo import seed_demo
from kiosk.flow.profile import load_profile
from kiosk.i18n import set_language
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store import open_store

TEST_PEPPER = b"test-pepper-not-for-production!!"
# The authenticator secret every test teller enrols with, so enrolment screens can be snapshotted.
TELLER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def spanish():
    set_language("es")
    yield
    set_language("es")


@pytest.fixture
def engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    yield engine
    engine.dispose()


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
def service_for(engine, hasher, sealer, clock):
    """The core for one institution, over the seeded demo store."""
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
