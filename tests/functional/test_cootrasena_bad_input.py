"""Cootrasena's bad input: unknown document, used, expired or mistyped link
codes, the temporary key after the link was used, and a weak new password."""

from __future__ import annotations

from sqlmodel import Session, select

from kiosk.store.models import MemberKey, OutboxMessage
from tests.helpers import UNKNOWN, click, fill, member, message_text
from tests.functional.test_cootrasena_flow import COOTRASENA, NEW_KEY, ask_for_link, link_mail, two_step_login


def login_hash(engine, document):
    with Session(engine) as session:
        return session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id)).one().hash


async def start(pilot) -> None:
    await click(pilot, "#start")


async def use_link(pilot, service, token=None, current=None, key=NEW_KEY) -> None:
    temporary, mailed = link_mail(service, COOTRASENA)
    await fill(pilot, token=token or mailed)
    await click(pilot, "#continue")
    if pilot.app.screen.step.id == "change":
        await fill(pilot, current=current or temporary, key=key, confirmation=key)
        await click(pilot, "#continue")


async def test_unknown_document_sees_the_same_notice_and_nothing_is_sent(make_app, engine):
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot, document=UNKNOWN)
        await fill(pilot, token="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        await click(pilot, "#continue")
        assert "no es válido" in message_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_mistyped_link_code_is_refused(make_app, service_for):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot)
        _temporary, token = link_mail(service, COOTRASENA)
        typo = ("B" if token[0] != "B" else "C") + token[1:]
        await use_link(pilot, service, token=typo)
        assert app.screen.step.id == "link"
        assert "no es válido" in message_text(pilot)


async def test_a_used_link_cannot_be_used_again_nor_its_temporary_key(make_app, service_for, engine):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot)
        temporary, token = link_mail(service, COOTRASENA)
        await use_link(pilot, service)
        changed = login_hash(engine, COOTRASENA)
        # The link again: refused.
        await click(pilot, "#safe-exit")
        app.runner.start()
        await pilot.pause()
        app.runner.go("link")
        await pilot.pause()
        await fill(pilot, token=token)
        await click(pilot, "#continue")
        assert "ya fue usado" in message_text(pilot)
        # The temporary key at the login: refused like any wrong password.
        await click(pilot, "#safe-exit")
        await start(pilot)
        await two_step_login(pilot, COOTRASENA, temporary)
        assert "no son correctos" in message_text(pilot)
    assert login_hash(engine, COOTRASENA) == changed


async def test_an_expired_link_is_refused(make_app, service_for, clock):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot)
        clock.advance(hours=24, seconds=1)
        await use_link(pilot, service)
        assert app.screen.step.id == "link"
        assert "venció" in message_text(pilot)


async def test_a_password_that_breaks_the_policy_changes_nothing(make_app, service_for, engine):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot)
        before = login_hash(engine, COOTRASENA)
        await use_link(pilot, service, key="123456")
        assert app.screen.step.id == "change"
        assert "secuencia" in message_text(pilot)
        await fill(pilot, current="000000", key=NEW_KEY, confirmation=NEW_KEY)
        await click(pilot, "#continue")
        assert "La contraseña temporal no es correcta. Intentos restantes: 2." in message_text(pilot)
    assert login_hash(engine, COOTRASENA) == before


async def test_signing_in_with_the_temporary_key_asks_for_the_link(make_app, service_for):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await ask_for_link(pilot)
        temporary, _token = link_mail(service, COOTRASENA)
        await click(pilot, "#safe-exit")
        await start(pilot)
        await two_step_login(pilot, COOTRASENA, temporary)
        assert app.screen.step.id == "link"
