"""Visit events for supervision (issue 22 point 1): each way a visit ends
writes the expected rows, a known and an unknown document write the same rows,
and nothing about the member is in any of them."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session, select

from kiosk.app import KioskApp
from kiosk.core.visits import VisitRecorder
from kiosk.flow.profile import load_profile
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.registry import STEP_SCREENS
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store.models import KioskHeartbeat, KioskHourly, VisitEvent, VisitStepDaily, VisitTimeDaily
from tests.helpers import UNKNOWN, ORDINARY, click, fill, keypad_type, member, message_text, type_document
from tests.functional.test_bancocajasocial_flow import ORDINARY_BCS, to_link

KIOSK, BRANCH = "kiosk-norte-2", "norte"
WRONG_KEY = "000000"


@pytest.fixture
def recorder(engine):
    recorder = VisitRecorder(engine, KIOSK, BRANCH, "9.9.9")
    yield recorder
    recorder.close()


@pytest.fixture
def recording_app(service_for, recorder):
    def make(institution: str = "progressa", idle_timeout: float = 600.0) -> KioskApp:
        profile = load_profile(institution, step_types=set(STEP_SCREENS))
        return KioskApp(service_for(institution), profile, idle_timeout=idle_timeout,
                        rng=random.Random(7), visits=recorder)

    return make


def recorded(engine, recorder) -> list[tuple]:
    """The visit events, oldest first, as (step_id, step_type, outcome, refusal, refusals, ended)."""
    recorder.flush()
    with Session(engine) as session:
        events = session.exec(select(VisitEvent).order_by(VisitEvent.id)).all()
    assert all(e.institution and e.kiosk == KIOSK and e.branch == BRANCH for e in events)
    return [(e.step_id, e.step_type, e.outcome, e.refusal, e.refusals, e.ended) for e in events]


def events(engine) -> list[VisitEvent]:
    with Session(engine) as session:
        return session.exec(select(VisitEvent).order_by(VisitEvent.id)).all()


async def wrong_key_then(pilot, document: str, leave) -> None:
    await click(pilot, "#start")
    await type_document(pilot, document)
    await keypad_type(pilot, WRONG_KEY)
    await click(pilot, "#continue")
    assert message_text(pilot)  # refused: told so
    await leave(pilot)


async def safe_exit(pilot) -> None:
    await click(pilot, "#safe-exit")


async def idle(pilot) -> None:
    pilot.app.end_idle_session()  # what the idle watch calls once the timeout passes
    await pilot.pause()


@pytest.mark.parametrize("leave, ending", [(safe_exit, "exit"), (idle, "idle")])
async def test_known_and_unknown_documents_write_the_same_rows(recording_app, recorder, engine, leave, ending):
    app = recording_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wrong_key_then(pilot, ORDINARY, leave)
        assert isinstance(app.screen, WelcomeScreen)
        known = recorded(engine, recorder)
        await wrong_key_then(pilot, UNKNOWN, leave)
        both = recorded(engine, recorder)

    unknown = both[len(known):]
    assert known == [
        ("user", "document", "done", "", 0, ""),
        ("key", "key_login", ending, known[1][3], 1, ending),
    ]
    assert known[1][3]  # the refusal's reason, the same whoever typed the document
    assert unknown == known
    first, second = events(engine)[:2], events(engine)[2:]
    assert first[0].visit == first[1].visit != second[0].visit == second[1].visit
    assert len(first[0].visit) == 32


async def test_a_completed_recovery_and_a_visit_sent_to_an_office(recording_app, recorder, engine, service_for):
    """Progressa to the member's home (completed); Banco Caja Social's «wrong
    contacts», which ends at @welcome telling the member to visit an office."""
    app = recording_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, "582017")  # the demo member's key (demo_members.py)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen), message_text(pilot)
        await click(pilot, "#leave")
        assert isinstance(app.screen, WelcomeScreen)
    assert recorded(engine, recorder)[-1][1:] == ("member_home", "done", "", 0, "completed")
    assert [row[5] for row in recorded(engine, recorder)] == ["", "", "completed"]

    service = service_for("bancocajasocial")
    app = recording_app("bancocajasocial")
    before = len(recorded(engine, recorder))
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        token = await to_link(pilot, service, ORDINARY_BCS)
        await fill(pilot, token=token, document=ORDINARY_BCS)
        await click(pilot, "#continue")
        assert app.screen.step.id == "contacts", message_text(pilot)
        await click(pilot, "#wrong")
        assert app.screen.step.id == "update_contacts"
        await click(pilot, "#continue")
        assert isinstance(app.screen, WelcomeScreen)
    rows = recorded(engine, recorder)[before:]
    assert [row[0] for row in rows] == ["login", "forgot", "sent", "link", "contacts", "update_contacts"]
    assert rows[-1] == ("update_contacts", "notice", "done", "", 0, "office")
    assert [row[5] for row in rows[:-1]] == [""] * 5


async def test_each_event_is_counted_in_the_rollups_and_the_kiosk_beats(recording_app, recorder, engine):
    app = recording_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wrong_key_then(pilot, UNKNOWN, safe_exit)
        await wrong_key_then(pilot, ORDINARY, safe_exit)
    recorder.flush()
    with Session(engine) as session:
        steps = session.exec(select(VisitStepDaily)).all()
        times = session.exec(select(VisitTimeDaily)).all()
        hourly = session.exec(select(KioskHourly)).all()
        beat = session.get(KioskHeartbeat, KIOSK)
    for branch in (BRANCH, "*"):  # each event counted under its branch and under every branch's "*"
        assert sum(row.count for row in steps if row.branch == branch) == 4
        assert sum(row.count for row in times if row.branch == branch) == 4
        by_step = {(row.step_id, row.ended): row.count for row in steps if row.branch == branch}
        assert by_step == {("user", ""): 2, ("key", "exit"): 2}
    assert {row.branch for row in steps} == {BRANCH, "*"}
    # A document typed twice on the "user" step (each passed on to the key).
    assert [(row.kiosk, row.branch, row.documents) for row in hourly] == [(KIOSK, BRANCH, 2)]
    assert beat is not None and beat.version == "9.9.9" and beat.branch == BRANCH


async def test_nothing_about_the_member_is_recorded(recording_app, recorder, engine):
    app = recording_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wrong_key_then(pilot, ORDINARY, safe_exit)
    recorder.flush()
    person = member(engine, ORDINARY)
    personal = {ORDINARY, person.first_names, person.last_names, person.mobile, person.email, WRONG_KEY, "582017",
                person.birth_date.isoformat()}
    personal |= {part for value in (person.first_names, person.last_names) for part in value.split()}
    # Times only to the hour: never the second that would pair a visit with the member's audit rows.
    assert all(row.at.minute == row.at.second == row.at.microsecond == 0 for row in events(engine))
    columns = set(VisitEvent.__table__.columns.keys())
    assert columns == {"id", "visit", "at", "institution", "branch", "kiosk", "step_id", "step_type",
                       "outcome", "refusal", "refusals", "ended", "seconds"}
    for table in (VisitEvent, VisitStepDaily, VisitTimeDaily, KioskHourly, KioskHeartbeat):
        with Session(engine) as session:
            rows = session.exec(select(table)).all()
        assert rows
        for row in rows:
            for name, value in row.model_dump().items():
                if name in ("id", "count", "documents", "refusals", "bucket", "errors", "seconds"):
                    continue
                text = str(value)
                assert not any(secret and secret in text for secret in personal), (table, name, text)
