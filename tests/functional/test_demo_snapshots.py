"""The demo operator's console as it looks: the start screen and the guide at
80x24, the member's phone beside the kiosk on a large terminal and over it on
a small one, and kiosk screens on a large terminal."""

from __future__ import annotations

import pytest

from kiosk.core import codes
from tests.helpers import ORDINARY, click, settle, type_document
from tests.functional.test_snapshots import SIZE, freeze

LARGE = (160, 48)


async def opened(pilot, slug: str = "progressa") -> None:
    await pilot.pause()
    await click(pilot, f"#institution-{slug}")


def test_demo_start(snap_compare, make_demo_app):
    async def run_before(pilot):
        await pilot.pause()
        await freeze(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_demo_guide(snap_compare, make_demo_app):
    async def run_before(pilot):
        await pilot.pause()
        await click(pilot, "#guide")
        await freeze(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


async def sms_sent(pilot) -> None:
    """Progressa: the member asked for a temporary key by SMS; then the
    operator shows the phone (on a small terminal it covers the kiosk)."""
    await opened(pilot)
    await click(pilot, "#start")
    await type_document(pilot, ORDINARY)
    await click(pilot, "#forgot")
    await click(pilot, "#continue")
    await pilot.press("f2")
    await settle(pilot)  # the phone reads its messages in a thread
    await freeze(pilot)


@pytest.fixture
def fixed_code(monkeypatch):
    """Codes are random; the phone's snapshot shows one, so it is fixed here."""
    monkeypatch.setattr(codes, "new_code", lambda digits: "402715"[:digits])


def test_phone_beside_the_kiosk_on_a_large_terminal(snap_compare, make_demo_app, fixed_code):
    assert snap_compare(make_demo_app(), terminal_size=LARGE, run_before=sms_sent)


def test_phone_over_the_kiosk_at_80x24(snap_compare, make_demo_app, fixed_code):
    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=sms_sent)


def test_key_step_on_a_large_terminal(snap_compare, make_demo_app):
    async def run_before(pilot):
        await opened(pilot)
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await freeze(pilot)

    assert snap_compare(make_demo_app(), terminal_size=LARGE, run_before=run_before)


def test_welcome_on_a_large_terminal(snap_compare, make_demo_app):
    async def run_before(pilot):
        await opened(pilot, "bancocajasocial")
        await freeze(pilot)

    assert snap_compare(make_demo_app(), terminal_size=LARGE, run_before=run_before)
