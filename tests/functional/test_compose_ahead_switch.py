"""Composing ahead can be switched off (``KioskApp.composes_ahead``), so
``kiosk bench --compare-compose-ahead`` can time step transitions with and
without it in one run; off, the member goes through the same steps."""

from __future__ import annotations

import pytest

from kiosk.bench import flow
from kiosk.screens.document import DocumentScreen
from tests.helpers import click

pytestmark = pytest.mark.long


async def test_with_composing_ahead_off_nothing_is_composed_and_the_first_step_is_made_as_shown(make_app):
    app = make_app()
    app.composes_ahead = False
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause(3 * app.PREPARE_AHEAD_AFTER)
        assert app.prepared == {}
        await click(pilot, "#start")
        assert isinstance(app.screen, DocumentScreen)
        await pilot.pause(3 * app.PREPARE_AHEAD_AFTER)
        assert app.prepared == {}


def test_the_bench_times_transitions_with_and_without_composing_ahead(tmp_path):
    figures = flow.measure(tmp_path, runs=1, bcrypt_cost=4, compare_compose_ahead=True)
    comparison = figures[-1]
    assert comparison.name.strip() == "step transition, nothing composed ahead"
    assert comparison.measured.startswith("p50 ") and "gain p50" in comparison.comparison
    assert len(figures) == 7  # the six usual ones, then the comparison
