"""Supervision at scale (issue 22 point 4): every figure of a 30-day period
(kiosk.core.supervision) on a store of 1,000,000 visits (about 8M step events)
against the same query on a store of 10,000 visits.

The stores are seeded in bulk (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), the roll-ups computed as the events are drawn, exactly as
kiosk.core.visits.write_step would have kept them; plus one audit row and half
an outbox message per visit (their daily roll-ups kept by the triggers, as
the kiosks' own writes are).
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date, timedelta
from time import perf_counter
from typing import Iterator

from kiosk.bench.report import Figure, ratio
from kiosk.bench.seed import _copy, _insert_many
from kiosk.core import supervision
from kiosk.core.supervision import Scope
from kiosk.core.visits import (
    ALL_BRANCHES, COMPLETED, DOCUMENT_STEP_TYPES, EXIT, IDLE, NOT_SUBMITTED, OFFICE, duration_bucket,
)
from kiosk.store.models import (
    AuditDaily, AuditEvent, KioskHeartbeat, KioskHourly, OutboxDaily, OutboxMessage, VisitEvent, VisitStepDaily, VisitTimeDaily,
)
from kiosk.store.rollups import fill_daily

LAST_DAY = date(2026, 11, 30)
DAYS = 30
BRANCHES = 20
RUNS = 5  # each figure's time: the median of this many runs, after one to warm the cache
REFUSALS = ("wrong_key", "not_found_or_wrong", "wrong_answers", "code_expired", "invalid_document")
EVENT_COLUMNS = ("visit", "at", "institution", "branch", "kiosk", "step_id", "step_type", "outcome", "refusal",
                 "refusals", "ended", "seconds")
AUDIT_ACTIONS = (("code_sent", "recovery por sms"), ("code_sent", "recovery por email"), ("login", ""),
                 ("login_failed", "intento 1"), ("recovery_unknown_document", ""), ("key_blocked", ""))


def _flows() -> dict[str, list[tuple[str, str]]]:
    from kiosk.flow.profile import available_profiles, load_profile

    return {slug: [(step.id, step.type) for step in load_profile(slug).steps] for slug in available_profiles()}


def _moment(day: date, second: int, postgres: bool) -> str:
    hours, rest = divmod(second, 3600)
    text = f"{day.isoformat()} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000"
    return text + "+00" if postgres else text


def _day(day: date, postgres: bool) -> object:
    return day if postgres else day.isoformat()


def _visits(count: int, postgres: bool, rollups: dict[str, Counter], last_day: date = LAST_DAY, days: int = DAYS,
            branches: tuple[str, ...] | None = None) -> Iterator[tuple]:
    """``count`` visits' events over the ``days`` days to ``last_day``, in 20
    branches (or ``branches``), one kiosk per branch and institution; the
    roll-ups counted on the way."""
    rng = random.Random(22)
    flows = _flows()
    slugs = sorted(flows)
    steps_daily, times_daily, hourly = rollups["step"], rollups["time"], rollups["hour"]
    first_day = last_day - timedelta(days=days - 1)
    for number in range(count):
        slug = slugs[number % len(slugs)]
        branch = branches[rng.randrange(len(branches))] if branches else f"sucursal-{rng.randrange(BRANCHES):02d}"
        kiosk = f"{branch}-{slug}"
        day = first_day + timedelta(days=rng.randrange(days))
        second = rng.randrange(6 * 3600, 20 * 3600)
        hour = _moment(day, second - second % 3600, postgres)  # events keep the hour only (kiosk.core.visits)
        visit = f"{rng.getrandbits(128):032x}"
        for index, (step_id, step_type) in enumerate(flows[slug]):
            last = index == len(flows[slug]) - 1
            fate = rng.random()
            refusal = REFUSALS[rng.randrange(len(REFUSALS))] if fate < 0.06 else ""
            ended, outcome = "", "done"
            if last:
                ended = COMPLETED
            elif fate < 0.03:
                ended = outcome = EXIT
            elif fate < 0.05:
                ended = outcome = IDLE
            elif fate < 0.06:
                ended = OFFICE
            seconds = round(rng.lognormvariate(2.0, 0.8), 3)
            refusals = 1 if refusal else 0
            yield (visit, hour, slug, branch, kiosk, step_id, step_type, outcome, refusal, refusals, ended, seconds)
            for rolled in (branch, ALL_BRANCHES):
                steps_daily[(rolled, day, slug, step_id, step_type, outcome, refusal, ended)] += 1
                times_daily[(rolled, day, slug, step_id, duration_bucket(seconds))] += 1
            if step_type in DOCUMENT_STEP_TYPES:
                hourly[(hour, kiosk, slug, branch)] += refusals + (outcome not in NOT_SUBMITTED)
            if ended:
                break


def _audit_rows(count: int, postgres: bool, last_day: date = LAST_DAY, days: int = DAYS) -> Iterator[tuple]:
    rng = random.Random(23)
    slugs = sorted(_flows())
    first_day = last_day - timedelta(days=days - 1)
    for number in range(count):
        action, detail = AUDIT_ACTIONS[rng.randrange(len(AUDIT_ACTIONS))]
        day = first_day + timedelta(days=rng.randrange(days))
        yield (_moment(day, rng.randrange(86400), postgres), slugs[number % len(slugs)], None, "member", action, detail)


def _outbox_rows(count: int, postgres: bool) -> Iterator[tuple]:
    rng = random.Random(24)
    first_day = LAST_DAY - timedelta(days=DAYS - 1)
    for _number in range(count):
        channel = "sms" if rng.random() < 0.7 else "email"
        day = first_day + timedelta(days=rng.randrange(DAYS))
        yield (None, channel, "3000000000", "Código", "sealed", _moment(day, rng.randrange(86400), postgres))


def _outbox_daily(count: int, last_day: date, days: int, postgres: bool) -> Iterator[tuple]:
    """Messages counted per day as outbox_daily keeps them, without the
    messages (the demo's ``kiosk outbox`` shows only real ones)."""
    rng = random.Random(24)
    slugs = sorted(_flows())
    first_day = last_day - timedelta(days=days - 1)
    counted = Counter()
    for number in range(count):
        channel = "sms" if rng.random() < 0.7 else "email"
        subject = "Código" if rng.random() < 0.8 else "Enlace de recuperación"
        counted[(first_day + timedelta(days=rng.randrange(days)), slugs[number % len(slugs)], channel, subject)] += 1
    for (day, slug, channel, subject), total in sorted(counted.items()):
        yield (_day(day, postgres), slug, channel, subject, total)


def _audit_daily(count: int, last_day: date, days: int, postgres: bool) -> Iterator[tuple]:
    """The audit rows of _audit_rows counted per day as audit_daily keeps
    them, without the rows (which would have no place in the audit chain)."""
    counted = Counter()
    for at, slug, _member, actor, action, detail in _audit_rows(count, False, last_day, days):
        counted[(at[:10], slug, action, actor, detail if action == "code_sent" else "")] += 1
    for (day, *rest), total in sorted(counted.items()):
        yield (_day(date.fromisoformat(day), postgres), *rest, total)


def seed_visits(engine, visits: int, last_day: date = LAST_DAY, days: int = DAYS,
                branches: tuple[str, ...] | None = None, messages: bool = True) -> tuple[float, int]:
    """Seed ``visits`` visits (events, roll-ups, heartbeats, audit and outbox
    rows); the seconds it took and the number of step events.  The demo
    history (kiosk.demo_history) passes its own period and branches, and
    ``messages=False``: the audit and outbox rows' daily counts only (the
    demo's audit chain and ``kiosk outbox`` hold only real rows)."""
    from sqlalchemy import text

    started = perf_counter()
    postgres = engine.dialect.name == "postgresql"
    put = _copy if postgres else _insert_many
    rollups = {"step": Counter(), "time": Counter(), "hour": Counter()}
    events = 0

    def counted(rows: Iterator[tuple]) -> Iterator[tuple]:
        nonlocal events
        for row in rows:
            events += 1
            yield row

    with engine.execution_options(kiosk_write=True).begin() as connection:
        if not postgres:
            connection.exec_driver_sql("PRAGMA cache_size=-200000")
        else:
            # Not the daily roll-up triggers row by row (a million upserts of the
            # same few rows in one transaction take PostgreSQL hours): the audit
            # and outbox rows are counted at the end, as the triggers would.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        put(connection, VisitEvent.__table__, EVENT_COLUMNS,
            counted(_visits(visits, postgres, rollups, last_day, days, branches)))
        put(connection, VisitStepDaily.__table__,
            ("branch", "day", "institution", "step_id", "step_type", "outcome", "refusal", "ended", "count"),
            ((key[0], _day(key[1], postgres), *key[2:], count) for key, count in rollups["step"].items()))
        put(connection, VisitTimeDaily.__table__, ("branch", "day", "institution", "step_id", "bucket", "count"),
            ((key[0], _day(key[1], postgres), *key[2:], count) for key, count in rollups["time"].items()))
        put(connection, KioskHourly.__table__, ("hour", "kiosk", "institution", "branch", "documents"),
            ((*key, count) for key, count in rollups["hour"].items()))
        put(connection, KioskHeartbeat.__table__,
            ("kiosk", "institution", "branch", "version", "started_at", "last_seen", "errors"),
            ((kiosk, slug, branch, "0.1.0", _moment(last_day, 0, postgres), _moment(last_day, 3600, postgres), 0)
             for kiosk, slug, branch in sorted({key[1:] for key in rollups["hour"]})))
        if messages:
            put(connection, AuditEvent.__table__, ("at", "institution", "member_id", "actor", "action", "detail"),
                _audit_rows(visits, postgres, last_day, days))
            put(connection, OutboxMessage.__table__,
                ("member_id", "channel", "recipient", "subject", "sealed_body", "created_at"),
                _outbox_rows(visits // 2, postgres))
        else:
            put(connection, AuditDaily.__table__, ("day", "institution", "action", "actor", "detail", "count"),
                _audit_daily(visits, last_day, days, postgres))
            put(connection, OutboxDaily.__table__, ("day", "institution", "channel", "subject", "count"),
                _outbox_daily(visits // 2, last_day, days, postgres))
        if postgres:
            if messages:
                for statement in fill_daily(postgres):
                    connection.exec_driver_sql(statement)
            connection.execute(text("ANALYZE"))
    if not postgres:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    return perf_counter() - started, events


def time_figures(engine, scope: Scope) -> dict[str, float]:
    """Each figure's seconds: the median of RUNS runs after a first that warms the cache."""
    seconds = {}
    for name, figure in supervision.FIGURES.items():
        figure(engine, scope)
        runs = []
        for _run in range(RUNS):
            started = perf_counter()
            figure(engine, scope)
            runs.append(perf_counter() - started)
        seconds[name] = statistics.median(runs)
    return seconds


def measure(small_url: str, big_url: str, big_visits: int, label: str,
            small_visits: int = 10_000) -> list[Figure]:
    from kiosk.store import open_store

    timings, seeded = {}, {}
    for url, visits in ((small_url, small_visits), (big_url, big_visits)):
        engine = open_store(url)
        seeded[visits] = seed_visits(engine, visits)
        timings[visits] = time_figures(engine, Scope(LAST_DAY - timedelta(days=DAYS - 1), LAST_DAY))
        engine.dispose()
    seed_seconds, events = seeded[big_visits]
    figures = [Figure(f"seed {big_visits:,} visits ({label})", f"{seed_seconds:.1f} s", "-",
                      f"{events:,} step events, their roll-ups, {big_visits:,} audit rows, "
                      f"{big_visits // 2:,} outbox messages (informational)")]
    for name, big in timings[big_visits].items():
        small = timings[small_visits][name]
        figures.append(Figure(
            f"{name}, 30 days, {big_visits:,} visits ({label})", f"{big * 1000:.1f} ms", "1 s",
            f"{ratio(big, small):.1f}x the {small_visits:,}-visit store ({small * 1000:.1f} ms), median of {RUNS}",
            big <= 1.0,
        ))
    return figures
