"""The teller console as a teller uses it: sign-in with enrolment, search,
the identity check, each action with its audit row and notification, the
refusals, the idle sign-out, and the Banco Caja Social member whose contacts
were wrong recovering after a teller updated them."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlmodel import Session, select
from textual.widgets import Button, DataTable, Static

from kiosk.core.errors import Refusal
from kiosk.qr import qr_text
from kiosk.screens.teller import CodeScreen, EnrolScreen, MemberScreen, SearchScreen, SignInScreen
from kiosk.store.models import AuditEvent
from tests.conftest import TELLER_SECRET
from tests.helpers import (
    BLOCKED,
    ORDINARY,
    TELLER_PASSWORD,
    VISIT,
    add_teller,
    authenticator_code,
    captcha_token,
    click,
    fill,
    member,
    message_text,
    screen_text,
    settle,
)
from tests.functional.test_teller_desk import second_teller
from tests.functional.test_bancocajasocial_flow import NEW_PASSWORD, answer_questions, through_link_and_code, to_link

SIZE = (80, 24)


async def sign_in(pilot, clock, code: str | None = None, username: str = "ana.gomez") -> None:
    """Password, then the authenticator code (enrolling the first time)."""
    await fill(pilot, username=username, password=TELLER_PASSWORD)
    await click(pilot, "#sign-in")
    assert isinstance(pilot.app.screen, CodeScreen), message_text(pilot)
    await fill(pilot, code=code or authenticator_code(clock))
    await click(pilot, "#verify")


async def open_member(pilot, document: str) -> None:
    await fill(pilot, document=document)
    await click(pilot, "#by-document")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MemberScreen)


async def check_identity(pilot, document: str) -> None:
    await fill(pilot, document=document)
    await click(pilot, "#check-identity")


async def serving(pilot, clock, document: str) -> None:
    """Signed in, on the member's card, their document seen."""
    await sign_in(pilot, clock)
    await open_member(pilot, document)
    await check_identity(pilot, document)


def action_buttons_enabled(pilot) -> bool:
    return not any(pilot.app.screen.query_one(f"#{a}", Button).disabled for a in MemberScreen.ACTIONS)


def trail_rows(pilot) -> list[list[str]]:
    table = pilot.app.screen.query_one("#trail", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def audit_actions(engine, member_id: int) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.member_id == member_id).order_by(AuditEvent.id))
        return [(r.actor, r.action) for r in rows]


async def test_first_sign_in_shows_the_qr_code_and_accepts_a_code_from_that_secret(make_teller_app, clock):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, username="ana.gomez", password=TELLER_PASSWORD)
        await click(pilot, "#sign-in")
        assert isinstance(app.screen, EnrolScreen), message_text(pilot)
        uri = pyotp.TOTP(TELLER_SECRET).provisioning_uri(name="ana.gomez", issuer_name="Kiosk")
        # The QR code drawn is the provisioning URI's, and the secret is there to type.
        assert str(app.screen.query_one("#totp-qr", Static).render()) == qr_text(uri, border=1, small=True)
        assert str(app.screen.query_one("#totp-secret", Static).render()).replace(" ", "") == TELLER_SECRET
        await fill(pilot, code=authenticator_code(clock))
        await click(pilot, "#verify")
        assert isinstance(app.screen, SearchScreen), message_text(pilot)
        assert "Ana Gómez" in screen_text(pilot)


async def test_a_wrong_or_reused_code_is_refused(make_teller_app, clock):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        code = authenticator_code(clock)
        await sign_in(pilot, clock, code)
        assert isinstance(app.screen, SearchScreen)
        await click(pilot, "#sign-out")
        assert isinstance(app.screen, SignInScreen) and app.teller is None
        # Someone who watched the code being typed tries it in the same minute.
        await sign_in(pilot, clock, code)
        assert isinstance(app.screen, CodeScreen)
        assert message_text(pilot) == "El usuario, la contraseña o el código no son correctos."
        wrong = pyotp.TOTP(pyotp.random_base32()).at(clock.now())
        await fill(pilot, code=wrong)
        await click(pilot, "#verify")
        assert isinstance(app.screen, CodeScreen)
        assert "no son correctos" in message_text(pilot)


async def test_a_wrong_password_never_reaches_the_code(make_teller_app):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, username="ana.gomez", password="no-es-la-clave")
        await click(pilot, "#sign-in")
        assert isinstance(app.screen, SignInScreen)
        assert message_text(pilot) == "El usuario, la contraseña o el código no son correctos."
        assert app.screen.query_one("#password").value == ""


async def test_no_action_before_the_identity_check_then_unblock(make_teller_app, clock, engine):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock)
        await open_member(pilot, BLOCKED)
        assert "Claves: de ingreso: bloqueada" in screen_text(pilot)
        assert not action_buttons_enabled(pilot)
        await check_identity(pilot, ORDINARY)  # somebody else's document
        assert "no coincide con el registrado" in message_text(pilot)
        assert not action_buttons_enabled(pilot)
        await check_identity(pilot, BLOCKED)
        assert message_text(pilot) == "Identidad verificada."
        assert action_buttons_enabled(pilot)
        assert "Identidad: verificada hasta las 10:15" in screen_text(pilot)
        await click(pilot, "#unblock")
        assert message_text(pilot) == "Clave desbloqueada. El asociado ya puede ingresar con su clave."
        assert "Claves: de ingreso: activa" in screen_text(pilot)
        teller_id = app.teller.teller_id
        member_id = member(engine, BLOCKED).id
        assert (f"teller:{teller_id}", "key_unblocked") in audit_actions(engine, member_id)
        assert ["asesor Ana Gómez", "clave desbloqueada", "clave de ingreso"] == trail_rows(pilot)[0][1:]
        shown = "\n".join(" | ".join(row) for row in trail_rows(pilot))
        for english in ("member", "teller:", " por email", " por sms", "login"):
            assert english not in shown
        sms = app.desk.messages_for(member_id)[0]
        assert sms.recipient == "3209876543" and "desbloqueada en una oficina" in sms.body


async def test_a_contact_change_is_filed_in_one_console_and_approved_in_another(make_teller_app, clock, engine):
    """Maker and checker: the first teller files the change, which stays pending;
    a second teller, signed in to their own console with their own
    authenticator, finds it among the pending changes and approves it."""
    maker_app = make_teller_app()
    add_teller(maker_app.desk)
    add_teller(maker_app.desk, username="luis.mora", document="79111222")
    member_id = member(engine, ORDINARY).id
    async with maker_app.run_test(size=SIZE) as pilot:
        await serving(pilot, clock, ORDINARY)
        await fill(pilot, **{"new-mobile": "31x"})
        await click(pilot, "#contacts")
        assert message_text(pilot) == "El celular debe tener 10 dígitos y empezar por 3."
        await fill(pilot, **{"new-mobile": "3207778899", "new-email": "ana.rojas@correo.co"})
        await click(pilot, "#contacts")
        assert message_text(pilot).startswith("Cambio de contactos pendiente")
        # The maker sees the request as pending, and cannot approve it.
        assert "Cambio de contactos pendiente, solicitado por Ana Gómez" in screen_text(pilot)
        assert "Usted lo solicitó" in screen_text(pilot)
        assert pilot.app.screen.query_one("#approve-change", Button).disabled
        assert "311 12****" in screen_text(pilot)  # still the mobile on file
        maker_id = maker_app.teller.teller_id
    assert member(engine, ORDINARY).mobile == "3111234567"

    clock.advance(minutes=2)
    checker_app = make_teller_app()
    async with checker_app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock, username="luis.mora")
        assert isinstance(checker_app.screen, SearchScreen), message_text(pilot)
        await click(pilot, "#pending")
        table = checker_app.screen.query_one("#results", DataTable)
        assert [str(c) for c in table.get_row_at(0)] == ["CC ***456", "Ana María Rojas Pérez"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(checker_app.screen, MemberScreen)
        assert "celular 320 77****, correo ana.r****@correo.co" in screen_text(pilot)
        await click(pilot, "#approve-change")
        assert message_text(pilot).startswith("Cambio aprobado")
        assert "320 77****" in screen_text(pilot) and "ana.r****@correo.co" in screen_text(pilot)
        assert not checker_app.screen.query_one("#pending-change").display
        checker_id = checker_app.teller.teller_id
    updated = member(engine, ORDINARY)
    assert (updated.mobile, updated.email) == ("3207778899", "ana.rojas@correo.co")
    assert (f"teller:{maker_id}", "contact_change_requested") in audit_actions(engine, member_id)
    assert (f"teller:{checker_id}", "contacts_updated") in audit_actions(engine, member_id)


async def test_a_pending_change_can_be_cancelled_from_the_console(make_teller_app, clock, engine):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await serving(pilot, clock, ORDINARY)
        await fill(pilot, **{"new-mobile": "3207778899"})
        await click(pilot, "#contacts")
        await click(pilot, "#cancel-change")
        assert message_text(pilot) == "Cambio de contactos cancelado: los datos registrados siguen iguales."
        assert not app.screen.query_one("#pending-change").display
    clock.advance(hours=30)
    assert app.desk.apply_due_contact_changes() == 0
    assert member(engine, ORDINARY).mobile == "3111234567"


async def test_a_temporary_key_is_sent_and_never_shown(make_teller_app, clock, engine):
    app = make_teller_app()
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await serving(pilot, clock, ORDINARY)
        await click(pilot, "#temporary-key")
        assert message_text(pilot) == "Clave temporal enviada al celular 311 12****."
        sms = app.desk.messages_for(member(engine, ORDINARY).id)[0]
        temporary = re.search(r"clave temporal es (\d{6})", sms.body).group(1)
        assert sms.recipient == "3111234567"
        assert temporary not in screen_text(pilot)
        assert "Claves: de ingreso: temporal" in screen_text(pilot)


async def test_reopen_self_service_from_the_console(make_teller_app, service_for, clock, engine):
    service = service_for("cooperen")
    identity = service.identify("12147")
    for _ in range(3):  # three wrong sets of answers close self-service
        with pytest.raises(Refusal):
            service.answer_questions(identity, "otro@mail.com", {}, captcha=captcha_token(service), visit=VISIT)
    with pytest.raises(Refusal) as closed:
        service.recovery_questions(identity)
    assert closed.value.reason == "recovery_closed"
    app = make_teller_app("cooperen")
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock)
        await open_member(pilot, "12147")
        assert "3 intentos fallidos" in screen_text(pilot)
        await check_identity(pilot, "12147")
        await click(pilot, "#reopen")
        assert "Autogestión reabierta" in message_text(pilot)
        assert "Autogestión: abierta" in screen_text(pilot)
    assert service.recovery_questions(identity)


async def test_a_teller_cannot_serve_their_own_record(make_teller_app, clock):
    app = make_teller_app()
    add_teller(app.desk, document=BLOCKED)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock)
        await open_member(pilot, BLOCKED)
        assert "Este es su propio registro" in screen_text(pilot)
        assert not app.screen.query_one("#identity-form").display
        assert not action_buttons_enabled(pilot)


async def test_idle_signs_the_teller_out(make_teller_app, clock, engine):
    # Long enough for signing in and opening a member on a busy machine, whose
    # steps must not count as idle (0.5 s did, once, under load).
    # «¿Sigue ahí?» comes a third of the timeout before it, and takes presses meant for the console.
    app = make_teller_app(idle_timeout=6.0)
    add_teller(app.desk)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock)
        await open_member(pilot, ORDINARY)
        for _ in range(150):  # 6 s idle, then the sign-out
            await pilot.pause(0.1)
            if isinstance(app.screen, SignInScreen):
                break
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.teller is None
        assert message_text(pilot) == "Sesión cerrada por inactividad."
        assert len(app.screen_stack) == 1
    with Session(engine) as session:
        signed_out = session.exec(select(AuditEvent).where(AuditEvent.action == "teller_signed_out")).one()
    assert signed_out.detail == "ana.gomez inactividad"


async def test_wrong_contacts_at_banco_caja_social_end_well_after_a_teller_updates_them(
    make_app, make_teller_app, service_for, clock, engine
):
    """The member finds the contacts on file are wrong, is sent to an office;
    a teller updates them; the member's recovery then goes through."""
    document = "1019283746"
    service = service_for("bancocajasocial")
    kiosk = make_app(institution="bancocajasocial")
    async with kiosk.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        token = await to_link(pilot, service, document)
        await fill(pilot, token=token, document=document)
        await click(pilot, "#continue")
        await click(pilot, "#wrong")
        assert kiosk.screen.step.id == "update_contacts"
        assert "oficina" in screen_text(pilot)

    teller_app = make_teller_app("bancocajasocial")
    add_teller(teller_app.desk)
    async with teller_app.run_test(size=SIZE) as pilot:
        await serving(pilot, clock, document)
        await fill(pilot, **{"new-mobile": "3159990011", "new-email": "andres.felipe@mail.com"})
        await click(pilot, "#contacts")
        assert "Cambio de contactos pendiente" in message_text(pilot)
    # A second teller approves it (tests/test_teller_desk.py: the approval itself).
    checker = second_teller(teller_app.desk, clock)
    [pending] = teller_app.desk.pending_contact_changes()
    teller_app.desk.approve_contact_change(checker, pending.change_id)

    clock.advance(minutes=1)
    kiosk = make_app(institution="bancocajasocial")
    async with kiosk.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await through_link_and_code(pilot, service, document)
        # The link and the code went to the new e-mail.
        assert service.messages_for(member(engine, document).id)[0].recipient == "andres.felipe@mail.com"
        await answer_questions(pilot, service)
        await fill(pilot, key=NEW_PASSWORD, confirmation=NEW_PASSWORD)
        await click(pilot, "#continue")
        assert kiosk.screen.step.id == "done", message_text(pilot)
    assert service.login(service.identify(document), NEW_PASSWORD).status == "ok"
