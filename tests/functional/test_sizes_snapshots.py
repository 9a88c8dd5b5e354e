"""The most crowded screen of each institution at the four terminal sizes a
branch kiosk may have (issue 20: it fits at every size).  Set up as the 80x24
snapshots are (tests/functional/test_snapshots.py): keypads seeded, cursors frozen."""

from __future__ import annotations

import pytest

from tests.functional.test_every_size import SIZES
from tests.functional.test_snapshots import at_step, bcs_at, coasmedas_at, cooperen_at, cootrasena_at, COASMEDAS

CROWDED = {
    "cooperen-questions": ("cooperen", lambda: cooperen_at("questions")),
    "coasmedas-recovery": (
        "coasmedas",
        lambda: coasmedas_at("recovery", False, {"document": COASMEDAS, "key": "8754", "confirmation": "8754"}),
    ),
    "bancocajasocial-login": ("bancocajasocial", lambda: bcs_at("login")),
    "progressa-security_image": ("progressa", lambda: at_step("security_image", proof=True)),
    "cootrasena-change": ("cootrasena", lambda: cootrasena_at("change")),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(CROWDED))
def test_most_crowded_screen(snap_compare, make_app, screen, size):
    slug, run_before = CROWDED[screen]
    assert snap_compare(make_app(institution=slug), terminal_size=size, run_before=run_before())
