"""``kiosk bench``'s supervision part on tiny stores: its bulk seed keeps the
roll-ups exactly as the recorder would, and every figure is timed.  No timing
is asserted: the figures are the benchmark's to print."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.bench import visits
from kiosk.core import supervision
from kiosk.store import open_store
from kiosk.store.models import AuditDaily, AuditEvent, OutboxDaily, OutboxMessage, VisitEvent, VisitStepDaily, VisitTimeDaily


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


@pytest.mark.both_stores
def test_the_audit_and_outbox_rows_are_counted_per_day_as_the_triggers_count_them(store_url):
    """PostgreSQL's bulk seed leaves the triggers off and counts at the end:
    the daily tables must hold what the rows add up to, per day and kind."""
    engine = open_store(store_url)
    visits.seed_visits(engine, 400)
    audit, outbox = AuditEvent.__table__, OutboxMessage.__table__
    audit_daily, outbox_daily = AuditDaily.__table__, OutboxDaily.__table__
    with engine.connect() as connection:
        actions = dict(connection.execute(select(audit.c.action, func.count()).group_by(audit.c.action)).all())
        daily_actions = dict(connection.execute(
            select(audit_daily.c.action, func.sum(audit_daily.c.count)).group_by(audit_daily.c.action)).all())
        channels = dict(connection.execute(select(outbox.c.channel, func.count()).group_by(outbox.c.channel)).all())
        daily_channels = dict(connection.execute(
            select(outbox_daily.c.channel, func.sum(outbox_daily.c.count)).group_by(outbox_daily.c.channel)).all())
        days = connection.execute(select(func.count(func.distinct(audit_daily.c.day)))).scalar()
    engine.dispose()
    assert sum(actions.values()) == 400 and sum(channels.values()) == 200
    assert {action: int(count) for action, count in daily_actions.items()} == actions
    assert {channel: int(count) for channel, count in daily_channels.items()} == channels
    assert days > 1


def test_every_figure_is_timed_on_both_stores(tmp_path):
    figures = visits.measure(f"sqlite:///{tmp_path}/small.db", f"sqlite:///{tmp_path}/big.db",
                             big_visits=400, label="SQLite", small_visits=100)
    names = [figure.name for figure in figures]
    assert names[0] == "seed 400 visits (SQLite)"
    assert names[1:] == [f"{name}, 30 days, 400 visits (SQLite)" for name in supervision.FIGURES]
    assert all("the 100-visit store" in figure.comparison for figure in figures[1:])
