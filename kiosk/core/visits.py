"""Visit events for supervision, without personal data (issue 22).

Every step a visit shows becomes one ``StepEvent``: institution, branch, kiosk,
step id and type, the outcome the step reported, the last refusal reason it
showed (and how many), the seconds spent on it, and, on a visit's last step,
how the visit ended.  Nothing else: no document, name, contact, key or code,
and nothing that says whether the document typed belongs to a member, so the
record cannot become an enumeration oracle (a stranger's visit and a member's
write the same rows).  ``visit`` is a random token drawn for the visit alone.

``VisitLog`` (one per flow runner, on the event loop) turns the runner's calls
into events and hands them to the ``VisitRecorder``'s queue: nothing on the
member's path waits for the store.  The recorder's thread writes each event in
one transaction with its roll-ups (``visit_step_daily``, ``visit_time_daily``,
``kiosk_hourly``: upserts adding one), which are all the charts read
(kiosk.core.supervision), and upserts the kiosk's heartbeat every
``heartbeat_seconds``.
"""

from __future__ import annotations

import bisect
import logging
import queue
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kiosk.flow.profile import Step

log = logging.getLogger("kiosk")

# How a visit ended.
COMPLETED = "completed"  # the member reached their home (logged in) during the visit
EXIT = "exit"  # «Salida segura»
IDLE = "idle"  # no input for the idle timeout
OFFICE = "office"  # the flow sent the member away (a notice ending at @welcome, self-service closed)
ENDINGS = (COMPLETED, EXIT, IDLE, OFFICE)
ROUTED = "routed"  # the profile routed the visit to @welcome: COMPLETED or OFFICE, as the visit went
AGAIN = "again"  # the outcome of a step shown again (new questions after wrong answers)

# Step types where the member types a document: their submissions are the
# "documents tried" of a kiosk (kiosk_hourly).
DOCUMENT_STEP_TYPES = frozenset({"document", "login_form", "recovery_form", "recovery_link"})
NOT_SUBMITTED = frozenset({EXIT, IDLE, AGAIN, "back", "forgot"})
HOME_STEP_TYPE = "member_home"

# Time on a step is counted in buckets: bucket i holds times below
# DURATION_BOUNDS[i] seconds (and at or above the bound before it); the last
# bucket, len(DURATION_BOUNDS), everything from 600 s on.  A median or p90 is
# the bound of the bucket it falls in: 1 s resolution up to 10 s, then steps
# of at most a third of the value.
DURATION_BOUNDS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 180,
                   240, 300, 450, 600)
HEARTBEAT_SECONDS = 60.0
ALL_BRANCHES = "*"  # the roll-ups' rows for every branch together


def duration_bucket(seconds: float) -> int:
    return bisect.bisect_right(DURATION_BOUNDS, seconds)


def bucket_bound(bucket: int) -> float:
    """The seconds a bucket stands for: its upper bound (infinite for the last)."""
    return float(DURATION_BOUNDS[bucket]) if bucket < len(DURATION_BOUNDS) else float("inf")


@dataclass(frozen=True)
class StepEvent:
    visit: str
    at: datetime
    institution: str
    branch: str
    kiosk: str
    step_id: str
    step_type: str
    outcome: str
    refusal: str
    refusals: int
    ended: str
    seconds: float


@dataclass
class _OpenStep:
    step: Step
    shown_at: float
    outcome: str = ""
    left_at: float | None = None
    refusal: str = ""
    refusals: int = 0


class VisitLog:
    """One visit at a time, as the flow runner moves: called on the event loop,
    never blocks (the recorder's queue takes the events)."""

    def __init__(self, recorder: VisitRecorder | None, institution: str,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.recorder = recorder
        self.institution = institution
        self.monotonic = monotonic
        self.visit = ""
        self.open: _OpenStep | None = None
        self.reached_home = False

    def started(self) -> None:
        self.visit = secrets.token_hex(16)
        self.open = None
        self.reached_home = False

    def shown(self, step: Step) -> None:
        if self.open is not None:
            self._record(self.open.outcome or AGAIN, ended="")
        self.open = _OpenStep(step, self.monotonic())
        if step.type == HOME_STEP_TYPE:
            self.reached_home = True

    def left(self, step: Step, outcome: str) -> None:
        if self.open is not None and self.open.step is step:
            self.open.outcome = outcome
            self.open.left_at = self.monotonic()

    def refused(self, reason: str) -> None:
        if self.open is not None:
            self.open.refusal = reason[:60]
            self.open.refusals += 1

    def ended(self, how: str) -> None:
        """The visit is over (``how``: ROUTED, EXIT, IDLE...): its last step
        is recorded with the ending; later calls do nothing until the next visit."""
        if self.open is None:
            return
        if self.reached_home:
            ending = COMPLETED
        elif how == ROUTED:
            ending = OFFICE
        else:
            ending = how
        self._record(self.open.outcome or how, ended=ending)
        self.open = None

    def _record(self, outcome: str, ended: str) -> None:
        step, now = self.open, self.monotonic()
        seconds = (step.left_at if step.left_at is not None else now) - step.shown_at
        if self.recorder is None:
            return
        # To the hour: an event's exact time would pair the visit with the
        # member's own rows (audit, outbox) written in the same second.
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.recorder.submit(StepEvent(
            visit=self.visit or secrets.token_hex(16), at=hour, institution=self.institution,
            branch=self.recorder.branch, kiosk=self.recorder.kiosk, step_id=step.step.id,
            step_type=step.step.type, outcome=outcome[:40], refusal=step.refusal, refusals=step.refusals,
            ended=ended, seconds=round(max(seconds, 0.0), 3),
        ))


class _ErrorCounter(logging.Handler):
    """Counts what the kiosk logs as errors: the heartbeat's "errors seen"."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


_STOP = object()


@dataclass
class VisitRecorder:
    """The kiosk's writer of visit events and heartbeats, in a thread of its own.

    ``engine`` is the store, or a callable giving it once it is open (the
    kiosk opens its store after its first screen).  A write that fails is
    logged and dropped: supervision never stops a member."""

    engine: Engine | Callable[[], Engine]
    kiosk: str
    branch: str
    version: str
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    institution: str = ""  # the last one a visit was recorded for (the heartbeat's)
    _queue: queue.Queue = field(default_factory=queue.Queue, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _errors: _ErrorCounter = field(default_factory=_ErrorCounter, init=False, repr=False)
    _started_at: datetime = field(default_factory=lambda: datetime.now(UTC), init=False)

    def visit_log(self, institution: str) -> VisitLog:
        return VisitLog(self, institution)

    def start(self) -> None:
        if self._thread is None:
            log.addHandler(self._errors)
            self._thread = threading.Thread(target=self._run, name="visit-recorder", daemon=True)
            self._thread.start()

    def submit(self, event: StepEvent) -> None:
        self.institution = event.institution
        self.start()
        self._queue.put_nowait(event)

    def flush(self) -> None:
        """Wait until every event submitted so far is written (tests, closing)."""
        if self._thread is not None:
            self._queue.join()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None
            log.removeHandler(self._errors)

    @property
    def errors_seen(self) -> int:
        return self._errors.count

    # -- the writer thread ------------------------------------------------

    def _store(self) -> Engine:
        return self.engine() if callable(self.engine) else self.engine

    def _run(self) -> None:
        next_beat = time.monotonic()  # one as the kiosk's first visit starts
        while True:
            if time.monotonic() >= next_beat:
                self._guarded(lambda: write_heartbeat(self._store(), self))
                next_beat = time.monotonic() + self.heartbeat_seconds
            try:
                item = self._queue.get(timeout=max(next_beat - time.monotonic(), 0.0))
            except queue.Empty:
                continue
            try:
                if item is _STOP:
                    self._guarded(lambda: write_heartbeat(self._store(), self))
                    return
                self._guarded(lambda: write_step(self._store(), item))
            finally:
                self._queue.task_done()

    def _guarded(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - logged; the kiosk goes on without this record
            log.error("recording a visit event failed: %s", error)


# -- writes -----------------------------------------------------------------


def _add(session, table, keys: dict[str, Any], column: str, amount: int, **others: Any) -> None:
    """Insert the row, or add ``amount`` to its ``column`` (SQLite, PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**keys, **others, **{column: amount})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + statement.excluded[column]}
    )
    session.execute(statement)


def rollup_keys(event: StepEvent) -> tuple[dict, dict, dict | None, int]:
    """The keys of the event's row in each roll-up, and the documents it tried."""
    day = event.at.date()
    step_keys = dict(day=day, institution=event.institution, branch=event.branch, step_id=event.step_id,
                     step_type=event.step_type, outcome=event.outcome, refusal=event.refusal, ended=event.ended)
    time_keys = dict(day=day, institution=event.institution, branch=event.branch, step_id=event.step_id,
                     bucket=duration_bucket(event.seconds))
    documents = documents_tried(event)
    hour_keys = None
    if documents:
        hour_keys = dict(hour=event.at.replace(minute=0, second=0, microsecond=0), kiosk=event.kiosk,
                         institution=event.institution)
    return step_keys, time_keys, hour_keys, documents


def documents_tried(event: StepEvent) -> int:
    """A document step's submissions: each refusal, and leaving it with an
    outcome the document led to (not by the exit, the idle timeout, «back» or «forgot»)."""
    if event.step_type not in DOCUMENT_STEP_TYPES:
        return 0
    submitted = event.outcome not in NOT_SUBMITTED
    return event.refusals + (1 if submitted else 0)


def write_step(engine: Engine, event: StepEvent) -> None:
    from kiosk.store.db import transaction
    from kiosk.store.models import KioskHourly, VisitEvent, VisitStepDaily, VisitTimeDaily

    step_keys, time_keys, hour_keys, documents = rollup_keys(event)
    row = asdict(event)
    with transaction(engine) as session:
        session.execute(VisitEvent.__table__.insert().values(**row))
        for branch in (event.branch, ALL_BRANCHES):
            _add(session, VisitStepDaily.__table__, {**step_keys, "branch": branch}, "count", 1)
            _add(session, VisitTimeDaily.__table__, {**time_keys, "branch": branch}, "count", 1)
        if hour_keys is not None:
            _add(session, KioskHourly.__table__, hour_keys, "documents", documents, branch=event.branch)


def write_heartbeat(engine: Engine, recorder: VisitRecorder) -> None:
    from kiosk.store.db import transaction
    from kiosk.store.models import KioskHeartbeat

    table = KioskHeartbeat.__table__
    values = dict(kiosk=recorder.kiosk, institution=recorder.institution, branch=recorder.branch,
                  version=recorder.version, started_at=recorder._started_at, last_seen=datetime.now(UTC),
                  errors=recorder.errors_seen)
    with transaction(engine) as session:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(**values)
        updated = {name: statement.excluded[name] for name in values if name != "kiosk"}
        session.execute(statement.on_conflict_do_update(index_elements=["kiosk"], set_=updated))
