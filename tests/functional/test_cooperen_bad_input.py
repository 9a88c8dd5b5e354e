"""Cooperen's questions: wrong answers, the attempt limit, the captcha, the
document format, and what a document nobody holds sees."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from kiosk.store.models import MemberKey, OutboxMessage
from kiosk.widgets import RobotCheck
from tests.helpers import UNKNOWN, click, fill, member, message_text
from tests.functional.test_cooperen_flow import BIRTH, COOPEREN, DIGITS, EMAIL, MOBILE, OPENED, answer, choose_all, to_questions

QUESTIONS = ("birth", "mobile", "digits", "opened")


def options(pilot, question: str) -> list[str]:
    return [b.name for b in pilot.app.screen.query(f"#q-{question} RadioButton")]


def all_options(pilot) -> dict[str, list[str]]:
    return {question: options(pilot, question) for question in QUESTIONS}


async def test_punctuation_in_the_document_is_refused_not_stripped(make_app):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await fill(pilot, document="12.147", key="49370")
        await click(pilot, "#continue")
        assert app.screen.step.id == "access"
        assert "sin espacios, puntos, comas o guiones" in message_text(pilot)
        await click(pilot, "#forgot")
        await fill(pilot, document="12 147")
        await click(pilot, "#continue")
        assert app.screen.step.id == "forgot"
        assert "sin espacios, puntos, comas o guiones" in message_text(pilot)


async def test_options_are_plausible_and_the_same_the_service_gives(make_app, service_for):
    service = service_for("cooperen")
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        shown = all_options(pilot)
        assert [len(shown[q]) for q in QUESTIONS] == [4, 4, 6, 6]
        for question, right in zip(QUESTIONS, (BIRTH, MOBILE, DIGITS, OPENED)):
            assert right in shown[question]
        assert all(re.fullmatch(r"1959-\d\d-\d\d", b) for b in shown["birth"])
        assert all(re.fullmatch(r"321 21\d{5}", m) for m in shown["mobile"])
        assert all(re.fullmatch(r"\d{4}", d) for d in shown["digits"])
        again = service.recovery_questions(service.identify(COOPEREN))
        assert {q.id: list(q.options) for q in again} == shown


async def test_wrong_answers_count_and_keep_the_same_options(make_app, engine, hasher):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        first = all_options(pilot)
        await answer(pilot, email="otro@mail.com")
        assert app.screen.step.id == "questions"
        assert "no coinciden con nuestros registros. Intentos restantes: 2" in message_text(pilot)
        assert all_options(pilot) == first  # a second attempt tells the attacker nothing new
        wrong_birth = next(b for b in options(pilot, "birth") if b != BIRTH)
        await answer(pilot, birth=wrong_birth)
        assert "Intentos restantes: 1" in message_text(pilot)


async def test_three_failures_close_self_service_but_never_block_the_key(make_app, engine, hasher):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        for _ in range(3):
            await answer(pilot, email="otro@mail.com")
        assert "quedó cerrada" in message_text(pilot) and "oficina de Cooperen" in message_text(pilot)
        assert not app.screen.query("#email")  # nothing left to try here
        # Even the right answers are refused while the path is closed.
        await click(pilot, "#safe-exit")
        await to_questions(pilot)
        assert "quedó cerrada" in message_text(pilot)
        await click(pilot, "#safe-exit")
        # The member's own key still works.
        await click(pilot, "#start")
        await fill(pilot, document=COOPEREN, key="49370")
        await click(pilot, "#continue")
        assert app.screen.step.id == "home"
    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, COOPEREN).id)).one()
    assert not key.blocked and key.failed_tries == 0


async def test_the_lock_opens_again_after_its_time(make_app, clock):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        for _ in range(3):
            await answer(pilot, email="otro@mail.com")
        clock.advance(hours=24, seconds=1)
        await click(pilot, "#safe-exit")
        await to_questions(pilot)
        await answer(pilot)
        assert app.screen.step.id == "shown_key"


async def test_a_fourth_failed_set_closes_it_until_a_teller_reopens_it(make_app, clock, engine):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        for _ in range(3):
            await answer(pilot, email="otro@mail.com")
        clock.advance(hours=24, seconds=1)
        await click(pilot, "#safe-exit")
        await to_questions(pilot)
        await answer(pilot, email="otro@mail.com")
        assert "un asesor la reabrirá" in message_text(pilot)
        clock.advance(days=30)  # time does not reopen it
        await click(pilot, "#safe-exit")
        await to_questions(pilot)
        assert "un asesor la reabrirá" in message_text(pilot) and not app.screen.query("#email")


async def test_captcha_failure_keeps_the_attempt(make_app):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        births = options(pilot, "birth")
        await fill(pilot, email=EMAIL)
        await choose_all(pilot)
        picture = app.screen.query_one(RobotCheck).captcha
        await fill(pilot, **{"captcha-answer": "WRONG"})
        await click(pilot, "#continue")
        assert "no coincide con la imagen" in message_text(pilot)
        assert app.screen.query_one(RobotCheck).captcha != picture
        assert options(pilot, "birth") == births  # not counted as a failed attempt


async def test_unknown_document_gets_the_same_questions_and_nothing_is_sent(make_app, engine):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot, document=UNKNOWN)
        shown = all_options(pilot)
        assert [len(shown[q]) for q in QUESTIONS] == [4, 4, 6, 6]
        assert all(re.fullmatch(r"3\d\d \d{7}", m) for m in shown["mobile"])
        await answer(pilot, email="alguien@mail.com", **{q: shown[q][0] for q in QUESTIONS})
        assert "Intentos restantes: 2" in message_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_the_shown_key_expires_after_its_lifetime(make_app, clock):
    app = make_app(institution="cooperen")
    minutes = app.profile.step("questions").param("temporary_minutes")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        await answer(pilot)
        assert app.screen.step.id == "shown_key", message_text(pilot)
        temporary = str(app.screen.query_one("#shown-key").render())
        await click(pilot, "#continue")
        clock.advance(minutes=minutes)
        await fill(pilot, document=COOPEREN, key=temporary)
        await click(pilot, "#continue")
        assert app.screen.step.id == "access"
        assert "Su clave temporal venció" in message_text(pilot)
