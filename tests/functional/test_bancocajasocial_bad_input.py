"""Banco Caja Social's bad input: ineligible members, wrong contacts, the
2-minute code, wrong answers, link reuse or mismatch, and strangers."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.widgets import RadioButton, RadioSet

from kiosk.core.errors import Refusal
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store.models import OutboxMessage
from tests.helpers import UNKNOWN, click, fill, message_text, screen_text
from tests.functional.test_bancocajasocial_flow import (
    INELIGIBLE_BCS,
    ORDINARY_BCS,
    answer_questions,
    newest_mail,
    through_link_and_code,
    to_link,
)


async def test_an_ineligible_member_walks_as_a_stranger_and_is_told_where_to_go(make_app, engine):
    """The requirements are on the first screen for everyone; an ineligible
    member then sees what a stranger sees (a refusal of its own would tell a
    stranger the document is a customer's), and nothing is e-mailed."""
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#forgot")
        assert "al menos una cuenta de ahorros o corriente" in screen_text(pilot)
        await fill(pilot, document=INELIGIBLE_BCS)
        await click(pilot, "#continue")
        assert app.screen.step.id == "sent"
        assert "si no le llega en unos minutos, acérquese a cualquiera de nuestras oficinas" in screen_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_wrong_contacts_end_with_the_instruction_to_update_them(make_app, service_for):
    service = service_for("bancocajasocial")
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        token = await to_link(pilot, service, ORDINARY_BCS)
        await fill(pilot, token=token, document=ORDINARY_BCS)
        await click(pilot, "#continue")
        await click(pilot, "#wrong")
        assert "Línea Amigo o en cualquiera de nuestras oficinas" in screen_text(pilot)
        await click(pilot, "#continue")
        assert isinstance(app.screen, WelcomeScreen)


async def test_an_expired_code_restarts_the_process(make_app, service_for, clock):
    service = service_for("bancocajasocial")
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        token = await to_link(pilot, service, ORDINARY_BCS)
        await fill(pilot, token=token, document=ORDINARY_BCS)
        await click(pilot, "#continue")
        await click(pilot, "#continue")
        code = newest_mail(service, ORDINARY_BCS).split("es ")[1][:6]
        clock.advance(minutes=2, seconds=1)
        await fill(pilot, code=code)
        await click(pilot, "#continue")
        assert app.screen.step.id == "forgot"  # from the beginning
        assert "venció" in message_text(pilot)


def shown_options(pilot) -> dict[str, list[str]]:
    return {
        radios.id.removeprefix("q-"): [b.name for b in radios.query(RadioButton)]
        for radios in pilot.app.screen.query(RadioSet)
    }


async def test_wrong_answers_are_counted_and_change_nothing(make_app, service_for):
    service = service_for("bancocajasocial")
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await through_link_and_code(pilot, service, ORDINARY_BCS)
        first = shown_options(pilot)
        assert list(first) == ["birth", "mobile", "digits", "opened"]
        await answer_questions(pilot, service, right=False)
        assert app.screen.step.id == "questions"
        assert "Intentos restantes: 2" in message_text(pilot)
        assert shown_options(pilot) == first  # the same options: comparing attempts tells nothing
        await answer_questions(pilot, service, right=False)
        await answer_questions(pilot, service, right=False)
        assert "quedó cerrada" in message_text(pilot)


async def test_a_link_cannot_be_used_twice_nor_by_another_document(make_app, service_for):
    service = service_for("bancocajasocial")
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        token = await to_link(pilot, service, ORDINARY_BCS)
        await fill(pilot, token=token, document="39876543")
        await click(pilot, "#continue")
        assert "no corresponden a la solicitud" in message_text(pilot)
        await fill(pilot, token=token, document=ORDINARY_BCS)
        await click(pilot, "#continue")
        assert app.screen.step.id == "contacts"
        app.runner.go("link")
        await pilot.pause()
        await fill(pilot, token=token, document=ORDINARY_BCS)
        await click(pilot, "#continue")
        assert "ya fue usado" in message_text(pilot)


async def test_strangers_get_the_same_screens_and_are_blocked_like_members(make_app, engine):
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        messages = []
        for _ in range(3):
            await fill(pilot, document=UNKNOWN, key="11223344")
            await click(pilot, "#continue")
            messages.append(message_text(pilot))
        assert "no son correctos" in messages[0]
        assert "bloqueada por intentos fallidos" in messages[2]
        await click(pilot, "#forgot")
        await fill(pilot, document=UNKNOWN)
        await click(pilot, "#continue")
        assert app.screen.step.id == "sent"
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_the_same_count_blocks_a_member(service_for):
    service = service_for("bancocajasocial")
    identity = service.identify(ORDINARY_BCS)

    reasons = []
    for _ in range(3):
        try:
            service.login(identity, "11223344")
        except Refusal as refusal:
            reasons.append(refusal.reason)
    assert reasons == ["wrong_key", "wrong_key", "blocked"]
