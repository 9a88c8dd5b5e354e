"""A demo history for the supervisor view (``kiosk reset-demo --history``): a
few weeks of plausible visits across every institution and three branches,
seeded by the same code as the supervision benchmark (kiosk.bench.visits), so
``kiosk supervisor`` shows something on a fresh machine."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from kiosk.core.clock import Clock

DEMO_BRANCHES = ("centro", "norte", "sur")
DEMO_DAYS = 28
DEMO_VISITS = 3000  # about a hundred a day: seeded in a second or two


def seed_history(engine: Engine, clock: Clock, visits: int = DEMO_VISITS) -> int:
    """Seed ``visits`` visits over the DEMO_DAYS days up to today; the number of step events."""
    from kiosk.bench.visits import seed_visits

    last_day = clock.now().date()
    _seconds, events = seed_visits(engine, visits, last_day=last_day, days=DEMO_DAYS, branches=DEMO_BRANCHES,
                                   messages=False)
    return events

