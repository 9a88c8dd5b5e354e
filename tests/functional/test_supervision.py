"""The supervisor's figures (kiosk.core.supervision) on a generated history,
against the same arithmetic done by hand on the raw events."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.core import supervision
from kiosk.core.supervision import Scope
from kiosk.core.visits import (
    AGAIN, COMPLETED, EXIT, IDLE, OFFICE, StepEvent, bucket_bound, duration_bucket, write_step,
)

pytestmark = pytest.mark.both_stores
DAY = date(2026, 11, 2)
FLOW = [("user", "document"), ("key", "key_login"), ("questions", "personal_questions"), ("home", "member_home")]


def event(visit: str, at: datetime, step: int, outcome: str, seconds: float, ended: str = "", refusal: str = "",
          institution: str = "progressa", branch: str = "norte", kiosk: str = "k1") -> StepEvent:
    step_id, step_type = FLOW[step]
    return StepEvent(visit=visit, at=at, institution=institution, branch=branch, kiosk=kiosk, step_id=step_id,
                     step_type=step_type, outcome=outcome, refusal=refusal, refusals=1 if refusal else 0,
                     ended=ended, seconds=seconds)


def generated_history(seed: int = 11, visits: int = 150) -> list[StepEvent]:
    """Visits over three days and two branches: each step may end the visit
    (exit, idle, a refusal then exit, sent to an office) or go on."""
    rng, events = random.Random(seed), []
    for number in range(visits):
        at = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(days=number % 3, minutes=number)
        branch, visit = rng.choice(["norte", "sur"]), f"v{number}"
        for step in range(len(FLOW)):
            seconds = round(rng.expovariate(1 / (5 + 10 * step)), 3)
            if step == len(FLOW) - 1:
                events.append(event(visit, at, step, "done", seconds, COMPLETED, branch=branch))
                break
            if step == 2 and rng.random() < 0.2:  # wrong answers: the questions shown again
                events.append(event(visit, at, step, AGAIN, seconds, refusal="wrong_answers", branch=branch))
            fate = rng.random()
            if fate < 0.1:
                events.append(event(visit, at, step, EXIT, seconds, EXIT, branch=branch))
                break
            if fate < 0.2:
                events.append(event(visit, at, step, IDLE, seconds, IDLE, refusal="wrong_key", branch=branch))
                break
            if fate < 0.25:
                events.append(event(visit, at, step, "done", seconds, OFFICE, branch=branch))
                break
            events.append(event(visit, at, step, "done", seconds, branch=branch))
    return events


@pytest.fixture
def history(engine):
    events = generated_history()
    for item in events:
        write_step(engine, item)
    return events


def test_a_small_history_by_hand(engine):
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for visit, steps in {
        "a": [(0, "done", 3.5, ""), (1, "done", 12, ""), (2, "done", 40, ""), (3, "done", 8, COMPLETED)],
        "b": [(0, "done", 2.2, ""), (1, EXIT, 30, EXIT)],
        "c": [(0, IDLE, 61, IDLE)],
        "d": [(0, "done", 4.9, ""), (1, "done", 9, ""), (2, AGAIN, 50, ""), (2, EXIT, 20, EXIT)],
    }.items():
        for step, outcome, seconds, ended in steps:
            write_step(engine, event(visit, at, step, outcome, seconds, ended))
    scope = Scope(DAY, DAY)
    assert supervision.daily_visits(engine, scope) == [dict(
        day="2026-11-02", institution="progressa", started=4, completed=1, abandoned=3, exited=2, idle=1, office=0)]
    user, key, questions, home = (next(row for row in supervision.funnel(engine, scope) if row["step_id"] == name)
                                  for name in ("user", "key", "questions", "home"))
    assert (user["reached"], user["went_on"], user["idle"]) == (4, 3, 1)
    assert (key["reached"], key["went_on"], key["exited"]) == (3, 2, 1)
    assert (questions["reached"], questions["went_on"], questions["shown_again"], questions["exited"]) == (3, 2, 1, 1)
    assert (home["reached"], home["completed"]) == (1, 1)
    times = {row["step_id"]: row for row in supervision.step_times(engine, scope)}
    # user: 2.2, 3.5, 4.9, 61 -> median the 2nd (3.5 s, bucket [3, 4)), p90 the 4th (61 s, bucket [60, 80)).
    assert (times["user"]["median_seconds"], times["user"]["p90_seconds"]) == (4.0, 80.0)
    assert supervision.daily_visits(engine, Scope(DAY + timedelta(days=1), DAY + timedelta(days=30))) == []


def test_funnel_daily_and_percentiles_match_the_raw_events(engine, history):
    scope = Scope(DAY, DAY + timedelta(days=2))
    endings = [item for item in history if item.ended]
    assert len(endings) == 150
    expected_daily = {}
    for item in endings:
        day = expected_daily.setdefault(item.at.date().isoformat(), Counter())
        day[item.ended] += 1
    daily = supervision.daily_visits(engine, scope)
    assert {row["day"]: (row["started"], row["completed"], row["abandoned"], row["office"]) for row in daily} == {
        day: (sum(c.values()), c[COMPLETED], c[EXIT] + c[IDLE], c[OFFICE]) for day, c in expected_daily.items()}

    for row in supervision.funnel(engine, scope):
        at_step = [item for item in history if item.step_id == row["step_id"]]
        assert row["reached"] == len(at_step)
        assert row["went_on"] == sum(1 for item in at_step if not item.ended)
        assert row["left"] == row["reached"] - row["went_on"]
        assert row["left"] == row["completed"] + row["exited"] + row["idle"] + row["office"]
        assert row["left_after_refusal"] == dict(Counter(item.refusal for item in at_step if item.ended and item.refusal))
    # Visits that reached a step = those that reached the next + those that left there.
    by_step = {row["step_id"]: row for row in supervision.funnel(engine, scope)}
    for (step, _type), (following, _next) in zip(FLOW, FLOW[1:]):
        assert by_step[step]["went_on"] - by_step[step]["shown_again"] == by_step[following]["reached"] - (
            by_step[following]["shown_again"])

    for row in supervision.step_times(engine, scope):
        seconds = sorted(item.seconds for item in history if item.step_id == row["step_id"])
        for fraction, name in ((0.5, "median_seconds"), (0.9, "p90_seconds")):
            exact = seconds[math.ceil(fraction * len(seconds)) - 1]
            assert row[name] == bucket_bound(duration_bucket(exact)), (row, exact)
            assert exact < row[name]


def test_a_branch_and_an_institution_narrow_every_figure(engine, history):
    scope = Scope(DAY, DAY + timedelta(days=2), branch="sur")
    south = [item for item in history if item.branch == "sur"]
    assert sum(row["started"] for row in supervision.daily_visits(engine, scope)) == sum(
        1 for item in south if item.ended)
    assert sum(row["reached"] for row in supervision.funnel(engine, scope)) == len(south)
    assert supervision.funnel(engine, Scope(DAY, DAY + timedelta(days=2), institution="cooperen")) == []
    documents = supervision.documents_per_kiosk(engine, Scope(DAY, DAY + timedelta(days=2)))
    # A document step's submissions: each refusal it showed, and leaving it by "done" (to the key, or to an office).
    typed = sum(item.refusals + (item.outcome == "done") for item in history if item.step_type == "document")
    assert sum(row["documents"] for row in documents) == typed
    failed = supervision.failed_question_sets(engine, Scope(DAY, DAY + timedelta(days=2)))
    assert sum(row["count"] for row in failed) == sum(
        1 for item in history if item.step_type == "personal_questions" and item.refusal)


def test_messages_and_audit_rows_are_counted_by_their_triggers(engine, service_for, clock):
    """Codes sent reach outbox_daily and audit_daily as the core writes them
    (triggers of migration 0011), and the figures read them from there."""
    from tests.helpers import ORDINARY

    progressa = service_for("progressa")  # the frozen clock: 2026-11-21
    for channel in ("sms", "email", "sms"):
        progressa.send_temporary_key(progressa.identify(ORDINARY), channel, 6, timedelta(minutes=10))
        clock.advance(minutes=2)  # past the resend throttle, the same day
    scope = Scope(date(2026, 11, 21), date(2026, 11, 21), institution="progressa")
    sent = [(row["channel"], row["count"]) for row in supervision.audit_actions(engine, scope)
            if row["action"] == "code_sent"]
    assert sorted(sent) == [("email", 1), ("sms", 2)]
    assert all(row["actor"] == "member" for row in supervision.audit_actions(engine, scope))
    messages = {row["channel"]: row["count"] for row in supervision.messages_per_channel(engine, scope)}
    assert messages == {"email": 1, "sms": 2}
    assert supervision.messages_per_channel(engine, Scope(date(2026, 11, 21), date(2026, 11, 21), "cooperen")) == []
    assert supervision.audit_actions(engine, Scope(date(2026, 11, 22), date(2026, 11, 30))) == []
