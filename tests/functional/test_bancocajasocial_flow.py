"""Banco Caja Social: a forgotten and a blocked password, each from the login
through the e-mailed link, contacts, the 2-minute code and the product
questions to a successful login with the new password."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.store.models import MemberKey
from tests.helpers import click, fill, member, message_text

ORDINARY_BCS, BLOCKED_BCS, INELIGIBLE_BCS = "1019283746", "39876543", "1122334455"
NEW_PASSWORD = "58136427"  # 62940317 holds 9403, one digit from his 0403 (MMDD)


def newest_mail(service, document: str) -> str:
    return service.messages_for(member(service.engine, document).id, limit=1)[0].body


def token_in(body: str) -> str:
    return re.search(r"Código del enlace: ([A-Z0-9-]+)", body).group(1)


async def to_link(pilot, service, document: str) -> str:
    """From the login to the screen asking for the link's code; returns the code."""
    await click(pilot, "#forgot")
    await fill(pilot, document=document)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "sent", message_text(pilot)
    await click(pilot, "#continue")
    return token_in(newest_mail(service, document))


async def through_link_and_code(pilot, service, document: str) -> None:
    token = await to_link(pilot, service, document)
    await fill(pilot, token=token, document=document)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "contacts", message_text(pilot)
    shown = str(pilot.app.screen.query_one("#contacts").render())
    assert re.search(r"[^\s@]{1,5}\*{4}@mail\.com", shown) and re.search(r"3\d\d \d\d\*\*\*\*", shown)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "code"
    code = re.search(r"código de seguridad es (\d{6})", newest_mail(service, document)).group(1)
    await fill(pilot, code=code)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "questions", message_text(pilot)


async def answer_questions(pilot, service, right: bool = True) -> None:
    app = pilot.app
    asked = service.product_questions(app.runner.context.proof)
    for question in asked:
        choice = question.answer if right else next(o for o in question.options if o != question.answer)
        button = next(b for b in app.screen.query(f"#q-{question.id} RadioButton") if b.name == choice)
        button.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(button)
    await click(pilot, "#continue")


@pytest.mark.parametrize("document", [ORDINARY_BCS, BLOCKED_BCS])
async def test_forgotten_or_blocked_password_to_a_new_login(make_app, service_for, engine, hasher, document):
    service = service_for("bancocajasocial")
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        if document == BLOCKED_BCS:
            await fill(pilot, document=document, key="58130496")
            await click(pilot, "#continue")
            assert "bloqueada por intentos fallidos" in message_text(pilot)
        await through_link_and_code(pilot, service, document)
        await answer_questions(pilot, service)
        assert app.screen.step.id == "new_password", message_text(pilot)
        await fill(pilot, key=NEW_PASSWORD, confirmation=NEW_PASSWORD)
        await click(pilot, "#continue")
        assert app.screen.step.id == "done", message_text(pilot)
        await click(pilot, "#continue")
        await fill(pilot, document=document, key=NEW_PASSWORD)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen), message_text(pilot)

    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id)).one()
    assert hasher.verify(NEW_PASSWORD, key.hash) and not key.blocked and key.failed_tries == 0
    notices = [m for m in service.messages_for(member(engine, document).id) if m.subject == "Clave cambiada"]
    assert notices and NEW_PASSWORD not in notices[0].body
