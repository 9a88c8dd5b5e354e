"""A Coasmedas member recovers the portal keys at the kiosk: terms, recovery
form with a temporary key of their own, SMS code, login, forced change of the
login key, then of the transactional key with a second code."""

from __future__ import annotations

from sqlmodel import Session, select

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.store.models import MemberKey, OneTimeCode
from tests.helpers import click, codes_sent, fill, member, message_text, screen_text, solve_robot_check

COASMEDAS = "7602264"
TEMPORARY, LOGIN_KEY, TRANSACTIONAL_KEY = "8754", "3907", "6138"  # 6028 is one digit from her document (7602264)


async def recover_temporary_key(pilot, service, document=COASMEDAS, temporary=TEMPORARY) -> None:
    """From the welcome screen to «Cambio de clave Exitoso»."""
    await click(pilot, "#start")
    assert "Términos y condiciones" in screen_text(pilot)
    await click(pilot, "#accept")
    await click(pilot, "#forgot")
    assert pilot.app.screen.step.id == "recovery"
    await fill(pilot, document=document, key=temporary, confirmation=temporary)
    await solve_robot_check(pilot)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "recovery_code"


async def log_in(pilot, document: str, key: str) -> None:
    await fill(pilot, document=document, key=key)
    await click(pilot, "#continue")


async def test_whole_procedure_from_terms_to_member_home(make_app, service_for, engine, hasher):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service)
        assert "301 45****" in screen_text(pilot)
        await fill(pilot, code=codes_sent(service, COASMEDAS)[-1])
        await click(pilot, "#continue")
        assert "Cambio de clave Exitoso" in screen_text(pilot)
        await click(pilot, "#continue")  # «Volver»

        await log_in(pilot, COASMEDAS, TEMPORARY)
        assert app.screen.step.id == "change_login"
        assert "Clave Actual Canal" in str(app.screen.query_one("#current").border_title)
        await fill(pilot, current=TEMPORARY, key=LOGIN_KEY, confirmation=LOGIN_KEY)
        await click(pilot, "#continue")

        assert app.screen.step.id == "change_transactional"
        await fill(pilot, current=TEMPORARY, key=TRANSACTIONAL_KEY, confirmation=TRANSACTIONAL_KEY)
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "transactional_code"
        await fill(pilot, code=codes_sent(service, COASMEDAS)[-1])
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen), message_text(pilot)

    me = member(engine, COASMEDAS)
    with Session(engine) as session:
        keys = {k.kind: k for k in session.exec(select(MemberKey).where(MemberKey.member_id == me.id))}
        used = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == me.id)).all()
    assert hasher.verify(LOGIN_KEY, keys["login"].hash)
    assert hasher.verify(TRANSACTIONAL_KEY, keys["transactional"].hash)
    assert keys["login"].hash != keys["transactional"].hash
    assert not keys["login"].temporary and not keys["transactional"].temporary
    assert len(used) == 2 and all(code.used_at for code in used)
    messages = service.messages_for(me.id, limit=20)
    assert len([m for m in messages if m.subject == "Código de seguridad"]) == 2
    assert len([m for m in messages if m.subject == "Clave cambiada"]) >= 2
    assert all(m.channel == "sms" for m in messages)
