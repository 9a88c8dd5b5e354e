"""``kiosk bench``'s supervision part on tiny stores: its bulk seed keeps the
roll-ups exactly as the recorder would, and every figure is timed.  No timing
is asserted: the figures are the benchmark's to print."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.bench import visits
from kiosk.core import supervision
from kiosk.store import open_store
from kiosk.store.models import VisitEvent, VisitStepDaily, VisitTimeDaily


@pytest.mark.both_stores
def test_the_seeded_rollups_are_the_events_counted(store_url):
    engine = open_store(store_url)
    _seconds, events = visits.seed_visits(engine, 300)
    table, steps = VisitEvent.__table__, VisitStepDaily.__table__
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table)).scalar() == events
        counted = dict(connection.execute(
            select(table.c.step_id, func.count()).group_by(table.c.step_id)).all())
        rolled = dict(connection.execute(
            select(steps.c.step_id, func.sum(steps.c.count)).where(steps.c.branch == "*")
            .group_by(steps.c.step_id)).all())
        branches = connection.execute(
            select(func.sum(steps.c.count)).where(steps.c.branch != "*")).scalar()
        times_table = VisitTimeDaily.__table__
        times = connection.execute(select(func.sum(times_table.c.count)).where(times_table.c.branch == "*")).scalar()
        endings = connection.execute(select(func.count()).select_from(table).where(table.c.ended != "")).scalar()
    assert {step: int(count) for step, count in rolled.items()} == counted
    assert times == events == branches and endings == 300
    scope = supervision.Scope(visits.LAST_DAY.replace(day=1), visits.LAST_DAY)
    assert sum(row["started"] for row in supervision.daily_visits(engine, scope)) == 300
    engine.dispose()


def test_every_figure_is_timed_on_both_stores(tmp_path):
    figures = visits.measure(f"sqlite:///{tmp_path}/small.db", f"sqlite:///{tmp_path}/big.db",
                             big_visits=400, label="SQLite", small_visits=100)
    names = [figure.name for figure in figures]
    assert names[0] == "seed 400 visits (SQLite)"
    assert names[1:] == [f"{name}, 30 days, 400 visits (SQLite)" for name in supervision.FIGURES]
    assert all("the 100-visit store" in figure.comparison for figure in figures[1:])
