"""The supervisor's figures over a period (issue 22 point 3), as plain rows.

Every figure reads roll-ups, never the events: the visit figures those kept
by kiosk.core.visits (for all branches, the rows under branch "*"), the
messages and audit figures ``outbox_daily`` and ``audit_daily``, kept by
triggers (migration 0011).  So a month's figure reads rows per day and
kind, whatever the number of visits.  Each function returns a list of dicts (one per row, JSON and CSV
ready: kiosk.report).  A period is two dates, both included, in UTC.

What they count: a visit is one pass from the welcome screen back to it; a
step "reached" counts the times it was shown (a visit sent back to a step
counts it again); times are bucketed (kiosk.core.visits.DURATION_BOUNDS), so a
median or p90 is the upper bound of the bucket it falls in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from kiosk.core.visits import AGAIN, ALL_BRANCHES, COMPLETED, EXIT, IDLE, OFFICE, bucket_bound
from kiosk.store.models import (
    AuditDaily,
    KioskHeartbeat,
    KioskHourly,
    OutboxDaily,
    OutboxMessage,
    VisitStepDaily,
    VisitTimeDaily,
)

QUESTION_STEP_TYPES = ("personal_questions", "product_questions")


@dataclass(frozen=True)
class Scope:
    """The period (both days included) and, optionally, one institution and one branch."""

    start: date
    end: date
    institution: str | None = None
    branch: str | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)


def _daily_filter(table, scope: Scope) -> list:
    """One branch's rows, or the rows of every branch together (never both: each event is in both)."""
    where = [table.c.branch == (scope.branch or ALL_BRANCHES), table.c.day >= scope.start, table.c.day <= scope.end]
    if scope.institution:
        where.append(table.c.institution == scope.institution)
    return where


def _rows(engine: Engine, statement) -> list:
    with engine.connect() as connection:
        return connection.execute(statement).all()


def daily_visits(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per day and institution: visits (recoveries) started, completed,
    abandoned (Salida segura or idle) and sent to an office.  Each visit ends
    once, on its last step's event."""
    table = VisitStepDaily.__table__
    statement = (
        select(table.c.day, table.c.institution, table.c.ended, func.sum(table.c.count))
        .where(*_daily_filter(table, scope), table.c.ended != "")
        .group_by(table.c.day, table.c.institution, table.c.ended)
    )
    days: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, institution, ended, count in _rows(engine, statement):
        days[(_day(day), institution)][ended] += int(count)
    return [
        dict(day=day, institution=institution, started=sum(ends.values()), completed=ends[COMPLETED],
             abandoned=ends[EXIT] + ends[IDLE], exited=ends[EXIT], idle=ends[IDLE], office=ends[OFFICE])
        for (day, institution), ends in sorted(days.items())
    ]


def funnel(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per institution and step: how many times it was reached, how many went
    on (to another step, or shown again), and how the others left: by ending,
    and by the last refusal the step showed them (``left_after_<reason>``)."""
    table = VisitStepDaily.__table__
    statement = (
        select(table.c.institution, table.c.step_id, table.c.step_type, table.c.outcome, table.c.refusal,
               table.c.ended, func.sum(table.c.count))
        .where(*_daily_filter(table, scope))
        .group_by(table.c.institution, table.c.step_id, table.c.step_type, table.c.outcome, table.c.refusal,
                  table.c.ended)
    )
    steps: dict[tuple, dict[str, Any]] = {}
    for institution, step_id, step_type, outcome, refusal, ended, count in _rows(engine, statement):
        row = steps.setdefault((institution, step_id), dict(
            institution=institution, step_id=step_id, step_type=step_type, reached=0, went_on=0, shown_again=0,
            left=0, completed=0, exited=0, idle=0, office=0, left_after_refusal={}))
        count = int(count)
        row["reached"] += count
        if not ended:
            row["went_on"] += count
            if outcome == AGAIN:
                row["shown_again"] += count
            continue
        row["left"] += count
        row[{COMPLETED: "completed", EXIT: "exited", IDLE: "idle", OFFICE: "office"}.get(ended, "exited")] += count
        if refusal:
            reasons = row["left_after_refusal"]
            reasons[refusal] = reasons.get(refusal, 0) + count
    return sorted(steps.values(), key=lambda row: (row["institution"], -row["reached"], row["step_id"]))


def percentile_of_buckets(counts: dict[int, int], fraction: float) -> float | None:
    """The bound of the bucket holding the ``fraction`` quantile (nearest rank)."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(fraction * total)), 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return bucket_bound(bucket)
    raise AssertionError("unreachable: the ranks add up to the total")


def step_times(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per institution and step: the time spent on it, median and p90 (seconds,
    the bound of the bucket: see kiosk.core.visits.DURATION_BOUNDS)."""
    table = VisitTimeDaily.__table__
    statement = (
        select(table.c.institution, table.c.step_id, table.c.bucket, func.sum(table.c.count))
        .where(*_daily_filter(table, scope))
        .group_by(table.c.institution, table.c.step_id, table.c.bucket)
    )
    steps: dict[tuple, dict[int, int]] = defaultdict(dict)
    for institution, step_id, bucket, count in _rows(engine, statement):
        steps[(institution, step_id)][int(bucket)] = int(count)
    return [
        dict(institution=institution, step_id=step_id, shown=sum(counts.values()),
             median_seconds=percentile_of_buckets(counts, 0.5), p90_seconds=percentile_of_buckets(counts, 0.9))
        for (institution, step_id), counts in sorted(steps.items())
    ]


def failed_question_sets(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per day and institution: question steps that ended in a refusal (wrong
    answers, questions closed), a sign of someone guessing."""
    table = VisitStepDaily.__table__
    statement = (
        select(table.c.day, table.c.institution, table.c.refusal, func.sum(table.c.count))
        .where(*_daily_filter(table, scope), table.c.step_type.in_(QUESTION_STEP_TYPES), table.c.refusal != "")
        .group_by(table.c.day, table.c.institution, table.c.refusal)
        .order_by(table.c.day, table.c.institution, table.c.refusal)
    )
    return [dict(day=_day(day), institution=institution, refusal=refusal, count=int(count))
            for day, institution, refusal, count in _rows(engine, statement)]


def _hourly_in(scope: Scope) -> list:
    """The kiosk-hour rows of ``scope``: its period, institution and branch."""
    table = KioskHourly.__table__
    where = [table.c.hour >= scope.since, table.c.hour < scope.until]
    if scope.institution:
        where.append(table.c.institution == scope.institution)
    if scope.branch:
        where.append(table.c.branch == scope.branch)
    return where


def documents_per_hour(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per hour: documents typed at every kiosk in scope, and at the busiest
    one (a kiosk trying documents one after another stands out)."""
    table = KioskHourly.__table__
    statement = (select(table.c.hour, func.sum(table.c.documents), func.max(table.c.documents))
                 .where(*_hourly_in(scope)).group_by(table.c.hour).order_by(table.c.hour))
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    return [dict(hour=_hour(hour), documents=int(total), busiest_kiosk=int(most)) for hour, total, most in rows]


def documents_per_kiosk(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per kiosk (and institution): documents typed in the period, and its
    busiest hour (a kiosk trying documents one after another stands out)."""
    table = KioskHourly.__table__
    where = _hourly_in(scope)
    kiosk = (table.c.kiosk, table.c.institution, table.c.branch)
    totals = select(*kiosk, func.sum(table.c.documents).label("documents"),
                    func.max(table.c.documents).label("busiest")).where(*where).group_by(*kiosk).subquery()
    busiest = (
        select(*totals.c, func.min(table.c.hour))
        .join_from(totals, table, (table.c.kiosk == totals.c.kiosk) & (table.c.institution == totals.c.institution)
                   & (table.c.documents == totals.c.busiest))
        .where(*where)
        .group_by(*totals.c)
    )
    rows = [dict(kiosk=kiosk, institution=institution, branch=branch, documents=int(documents),
                 busiest_hour=_hour(hour), busiest_hour_documents=int(most))
            for kiosk, institution, branch, documents, most, hour in _rows(engine, busiest)]
    return sorted(rows, key=lambda row: (-row["busiest_hour_documents"], row["kiosk"], row["institution"]))


def messages_per_channel(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per day, channel (sms, email) and subject: the messages the outbox sent
    (outbox_daily, kept by a trigger; institution: the member's)."""
    table = OutboxDaily.__table__
    where = [table.c.day >= scope.start, table.c.day <= scope.end]
    if scope.institution:
        where.append(table.c.institution == scope.institution)
    statement = (
        select(table.c.day, table.c.channel, table.c.subject, func.sum(table.c.count))
        .where(*where)
        .group_by(table.c.day, table.c.channel, table.c.subject)
        .order_by(table.c.day, table.c.channel, table.c.subject)
    )
    return [dict(day=_day(day), channel=channel, subject=subject, count=int(count))
            for day, channel, subject, count in _rows(engine, statement)]


def message_delivery(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per channel and delivery state (simulated, queued, sending, sent, dead:
    kiosk.relay) the messages queued in the period, the dead ones per reason
    the relay gave (never a body nor a recipient).  Read from the messages
    themselves by their creation time (indexed): their state changes after a
    day's roll-up would have counted them."""
    table = OutboxMessage.__table__
    where = [table.c.created_at >= scope.since, table.c.created_at < scope.until]
    if scope.institution:
        where.append(table.c.institution == scope.institution)
    reason = case((table.c.state == "dead", func.coalesce(table.c.last_error, "")), else_="")
    statement = (
        select(table.c.channel, table.c.state, reason, func.count())
        .where(*where)
        .group_by(table.c.channel, table.c.state, reason)
        .order_by(table.c.channel, table.c.state, reason)
    )
    return [dict(channel=channel, state=state, reason=why, count=int(count))
            for channel, state, why, count in _rows(engine, statement)]


def audit_actions(engine: Engine, scope: Scope) -> list[dict[str, Any]]:
    """Per day, institution, action and who acted (member, teller, admin): codes
    and links sent (with their purpose and channel), locks, blocked keys,
    unknown documents asked for a recovery, tellers' actions (audit_daily,
    kept by a trigger)."""
    table = AuditDaily.__table__
    where = [table.c.day >= scope.start, table.c.day <= scope.end]
    if scope.institution:
        where.append(table.c.institution == scope.institution)
    columns = (table.c.day, table.c.institution, table.c.action, table.c.actor, table.c.detail)
    statement = select(*columns, func.sum(table.c.count)).where(*where).group_by(*columns).order_by(*columns)
    rows = []
    for day_value, institution, action, actor, detail, count in _rows(engine, statement):
        purpose, _by, channel = detail.rpartition(" por ") if action == "code_sent" else ("", "", "")
        rows.append(dict(day=_day(day_value), institution=institution, action=action, actor=actor, purpose=purpose,
                         channel=channel, count=int(count)))
    return rows


def kiosks(engine: Engine, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Every kiosk's last heartbeat: version, errors seen since it started."""
    table = KioskHeartbeat.__table__
    statement = select(table).order_by(table.c.branch, table.c.kiosk)
    if scope is not None and scope.branch:
        statement = statement.where(table.c.branch == scope.branch)
    if scope is not None and scope.institution:
        statement = statement.where(table.c.institution == scope.institution)
    return [dict(kiosk=row.kiosk, institution=row.institution, branch=row.branch, version=row.version,
                 started_at=_moment(row.started_at), last_seen=_moment(row.last_seen), errors=row.errors)
            for row in _rows(engine, statement)]


FIGURES = {
    "daily_visits": daily_visits,
    "funnel": funnel,
    "step_times": step_times,
    "failed_question_sets": failed_question_sets,
    "documents_per_kiosk": documents_per_kiosk,
    "messages_per_channel": messages_per_channel,
    "message_delivery": message_delivery,
    "audit_actions": audit_actions,
    "kiosks": kiosks,
}


def all_figures(engine: Engine, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    return {name: figure(engine, scope) for name, figure in FIGURES.items()}


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _hour(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:00")
    return str(value)[:13].replace(" ", "T") + ":00"


def _moment(value: Any) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
