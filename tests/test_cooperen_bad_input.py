"""Cooperen's questions: wrong answers, the attempt limit, the captcha, the
document format, and what a document nobody holds sees."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from kiosk.store.models import MemberKey, OutboxMessage
from kiosk.widgets import RobotCheck
from tests.helpers import UNKNOWN, click, fill, member, message_text
from tests.test_cooperen_flow import BIRTH, COOPEREN, EMAIL, MOBILE, answer, choose, to_questions


def options(pilot, radio_id: str) -> list[str]:
    return [b.name for b in pilot.app.screen.query(f"#{radio_id} RadioButton")]


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


async def test_options_are_plausible_and_stable_within_an_attempt(make_app, service_for):
    service = service_for("cooperen")
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        births, mobiles = options(pilot, "birth"), options(pilot, "mobile")
        assert BIRTH in births and MOBILE in mobiles and len(births) == len(mobiles) == 4
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", b) and abs(int(b[:4]) - 1959) <= 5 for b in births)
        assert all(re.fullmatch(r"3\d\d \d{7}", m) for m in mobiles)
        again = service.recovery_questions(service.identify(COOPEREN))
        assert list(again.birth_dates) == births and list(again.mobiles) == mobiles


async def test_wrong_answers_count_and_give_new_options(make_app, engine, hasher):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        first = (options(pilot, "birth"), options(pilot, "mobile"))
        await answer(pilot, email="otro@mail.com")
        assert app.screen.step.id == "questions"
        assert "no coinciden con nuestros registros. Intentos restantes: 2" in message_text(pilot)
        assert (options(pilot, "birth"), options(pilot, "mobile")) != first
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


async def test_captcha_failure_keeps_the_attempt(make_app):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        births = options(pilot, "birth")
        await fill(pilot, email=EMAIL)
        await choose(pilot, "birth", BIRTH)
        await choose(pilot, "mobile", MOBILE)
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
        births, mobiles = options(pilot, "birth"), options(pilot, "mobile")
        assert len(births) == len(mobiles) == 4
        assert all(re.fullmatch(r"3\d\d \d{7}", m) for m in mobiles)
        await answer(pilot, email="alguien@mail.com", birth=births[0], mobile=mobiles[0])
        assert "Intentos restantes: 2" in message_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []
