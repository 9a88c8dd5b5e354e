"""Who may see the supervisor view, and what it reads (issue 22 points 2, 3).

A supervisor sees their own institution only, an operator every institution
(or one), a plain teller nothing: the scope is decided here, from the signed-in
teller's role, never by the screen.  The figures are kiosk.core.supervision's,
plus the share of unknown documents per day (a stranger trying numbers)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from kiosk.core import supervision
from kiosk.core.clock import Clock
from kiosk.core.errors import Refusal
from kiosk.core.supervision import Scope
from kiosk.core.teller_accounts import OPERATOR, SUPERVISOR, TellerSession
from kiosk.core.visits import ALL_BRANCHES
from kiosk.i18n import _
from kiosk.store.models import KioskHeartbeat, VisitStepDaily

PERIODS = (7, 30)  # days the view offers
UNKNOWN_DOCUMENT = "recovery_unknown_document"


def may_supervise(viewer: TellerSession) -> bool:
    return viewer.role in (SUPERVISOR, OPERATOR)


def not_a_supervisor() -> Refusal:
    return Refusal("not_a_supervisor", _("Su usuario no tiene acceso a la vista de supervisión."))


def scope_for(viewer: TellerSession, start: date, end: date, branch: str | None = None,
              institution: str | None = None) -> Scope:
    """The period and branch asked for, within what ``viewer`` may see."""
    if viewer.role == OPERATOR:
        return Scope(start, end, institution, branch)
    if viewer.role == SUPERVISOR:
        if institution not in (None, viewer.institution):
            raise Refusal("other_institution", _("Solo puede ver la supervisión de su entidad."))
        return Scope(start, end, viewer.institution, branch)
    raise not_a_supervisor()


@dataclass(frozen=True)
class Board:
    """Everything one view of the supervisor's shows, read at once."""

    scope: Scope
    figures: dict[str, list[dict[str, Any]]]
    unknown_share: list[dict[str, Any]] = field(default_factory=list)


def unknown_document_share(figures: dict[str, list[dict[str, Any]]], scope: Scope) -> list[dict[str, Any]]:
    """Per day: recoveries asked for documents nobody holds, over the
    documents typed at the kiosks that day (both counted for the scope's
    institution; the audit rows carry no branch, so per branch it is the
    institution's unknown documents over that branch's documents)."""
    unknown: dict[str, int] = defaultdict(int)
    for row in figures["audit_actions"]:
        if row["action"] == UNKNOWN_DOCUMENT:
            unknown[row["day"]] += row["count"]
    typed: dict[str, int] = defaultdict(int)
    for row in figures["documents_per_day"]:
        typed[row["day"]] += row["documents"]
    days, day = [], scope.start
    while day <= scope.end:
        key = day.isoformat()
        share = unknown[key] / typed[key] if typed[key] else 0.0
        days.append(dict(day=key, unknown=unknown[key], documents=typed[key], share=min(share, 1.0)))
        day += timedelta(days=1)
    return days


class SupervisorDesk:
    """The supervisor view's reads, for a signed-in supervisor or operator."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def period(self, days: int) -> tuple[date, date]:
        today = self.clock.now().date()
        return today - timedelta(days=days - 1), today

    def branches(self, viewer: TellerSession) -> list[str]:
        """The branches with visits or kiosks, in what ``viewer`` may see."""
        scope = scope_for(viewer, date.min, date.max)
        steps, beats = VisitStepDaily.__table__, KioskHeartbeat.__table__
        found: set[str] = set()
        with self.engine.connect() as connection:
            for table in (steps, beats):
                statement = select(table.c.branch).distinct()
                if scope.institution:
                    statement = statement.where(table.c.institution == scope.institution)
                found.update(connection.execute(statement).scalars())
        return sorted(found - {ALL_BRANCHES})

    def institutions(self, viewer: TellerSession) -> list[str]:
        """The institutions ``viewer`` may choose among (a supervisor: their own)."""
        if viewer.role != OPERATOR:
            scope_for(viewer, date.min, date.max)  # refuses a plain teller
            return [viewer.institution]
        found: set[str] = {viewer.institution}
        with self.engine.connect() as connection:
            for table in (VisitStepDaily.__table__, KioskHeartbeat.__table__):
                found.update(connection.execute(select(table.c.institution).distinct()).scalars())
        return sorted(found)

    def board(self, viewer: TellerSession, days: int, branch: str | None = None,
              institution: str | None = None) -> Board:
        if days not in PERIODS:
            raise Refusal("period", _("Elija un periodo de 7 o 30 días."))
        start, end = self.period(days)
        scope = scope_for(viewer, start, end, branch, institution)
        figures = supervision.all_figures(self.engine, scope)
        figures["documents_per_hour"] = supervision.documents_per_hour(self.engine, scope)
        figures["documents_per_day"] = documents_per_day(figures["documents_per_hour"])
        return Board(scope, figures, unknown_document_share(figures, scope))


def documents_per_day(hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_day: dict[str, int] = defaultdict(int)
    for row in hours:
        by_day[row["hour"][:10]] += row["documents"]
    return [dict(day=day, documents=count) for day, count in sorted(by_day.items())]
