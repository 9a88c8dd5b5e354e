"""Cootrasena: two-step login without paste, «¿Olvidó su contraseña?» by an
e-mail with a temporary key and a single-use link, the link typed at the kiosk,
the change, and the login with the new password."""

from __future__ import annotations

import re

from sqlmodel import Session, select
from textual import events

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.store.models import MemberKey, OneTimeCode
from tests.helpers import click, fill, member, message_text, screen_text

COOTRASENA, NEW_KEY = "52345678", "729418"


def email(service, document: str):
    return service.messages_for(member(service.engine, document).id, limit=10)


def link_mail(service, document: str) -> tuple[str, str]:
    """The temporary key and the link's code from the newest recovery e-mail."""
    body = next(m.body for m in email(service, document) if m.subject == "Solicitud de recuperación de contraseña")
    temporary = re.search(r"contraseña temporal: (\d+)", body).group(1)
    token = re.search(r"Código del enlace: ([A-Z0-9-]+)", body).group(1)
    return temporary, token


async def two_step_login(pilot, document: str, key: str) -> None:
    """«Usuario» → «Siguiente», then «Contraseña» → «Iniciar sesión»."""
    await fill(pilot, document=document)
    await click(pilot, "#continue")
    await fill(pilot, key=key)
    await click(pilot, "#continue")


async def ask_for_link(pilot, document=COOTRASENA) -> None:
    """From the user step to typing the link's code."""
    await click(pilot, "#forgot")
    await fill(pilot, document=document)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "sent"
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "link"


async def test_from_the_user_step_to_home_through_the_email_and_the_link(make_app, service_for, engine, hasher):
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        assert "no permite copiar ni pegar" in screen_text(pilot)
        await ask_for_link(pilot)
        temporary, token = link_mail(service, COOTRASENA)
        assert len(token.replace("-", "")) == 24
        await fill(pilot, token=token.lower())  # as typed, in any case
        await click(pilot, "#continue")
        assert app.screen.step.id == "change"
        subjects = lambda: [m.subject for m in email(service, COOTRASENA)]  # noqa: E731
        assert subjects() == ["Solicitud de recuperación de contraseña"]  # nothing changed yet
        await fill(pilot, current=temporary, key=NEW_KEY, confirmation=NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "user"
        assert subjects()[0] == "Clave cambiada"  # told once the change is done
        assert "Ingrese con su nueva contraseña" in message_text(pilot)

        await two_step_login(pilot, COOTRASENA, NEW_KEY)
        assert isinstance(app.screen, MemberHomeScreen)
        assert "Patricia" in screen_text(pilot)

    with Session(engine) as session:
        me = member(engine, COOTRASENA)
        key = session.exec(select(MemberKey).where(MemberKey.member_id == me.id)).one()
        link = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == me.id)).one()
    assert hasher.verify(NEW_KEY, key.hash) and not key.temporary
    assert link.used_at is not None and token.replace("-", "") not in link.hash


async def test_paste_is_refused_in_both_fields(make_app):
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        user = app.screen.query_one("#document")
        user.focus()
        user.post_message(events.Paste(COOTRASENA))
        app.copy_to_clipboard(COOTRASENA)
        await pilot.press("ctrl+v")
        await pilot.pause()
        assert user.value == ""
        await fill(pilot, document=COOTRASENA)
        app.copy_to_clipboard("")
        await pilot.press("ctrl+a", "ctrl+c", "ctrl+x")
        assert app.clipboard == "" and user.value == COOTRASENA
        await click(pilot, "#continue")
        password = app.screen.query_one("#key")
        password.focus()
        password.post_message(events.Paste("604917"))
        app.copy_to_clipboard("604917")
        await pilot.press("ctrl+v")
        await pilot.pause()
        assert password.value == ""


async def test_a_request_by_anyone_leaves_the_password_working(make_app, service_for):
    """Typing a member's document at «¿Olvidó su contraseña?» only e-mails the
    member: the password still opens the Sucursal Virtual."""
    service = service_for("cootrasena")
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await ask_for_link(pilot)
        await click(pilot, "#safe-exit")
        await click(pilot, "#start")
        await two_step_login(pilot, COOTRASENA, "604917")
        assert isinstance(app.screen, MemberHomeScreen)
    mail = email(service, COOTRASENA)
    assert [m.subject for m in mail] == ["Solicitud de recuperación de contraseña"]
    assert "solicitud" in mail[0].body and "su contraseña actual sigue funcionando" in mail[0].body
