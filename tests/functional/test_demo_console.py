"""The demo operator's console: pick the institution, read the demo guide,
and watch the member's phone beside the kiosk update as the flow sends."""

from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console

from textual.widgets import Static

from kiosk.demo_members import demo_members
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.qr import qr_text
from kiosk.screens.demo import QUESTION_STEPS, DemoGuideScreen, DemoStartScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.widgets.phone import PhonePanel
from tests.helpers import ORDINARY, click, code_in, fill, latest_message, screen_text, settle, type_document

WIDE = (140, 40)


def guide_text(pilot, width: int = 100) -> str:
    """The guide's tables as a reader sees them."""
    console = Console(width=width, record=True, file=io.StringIO())
    for table in pilot.app.screen.query(".guide-table"):
        console.print(table.content)
    return console.export_text()


def phone_text(pilot) -> str:
    panel = pilot.app.screen.query_one(PhonePanel)
    return "\n".join(str(s.render()) for s in panel.query(Static))


async def test_the_operator_picks_any_of_the_institutions(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DemoStartScreen)
        names = [str(b.label).splitlines()[0] for b in app.screen.query(".institution")]
        assert names == [load_profile(slug).name for slug in available_profiles()]  # every one, in order
        await click(pilot, "#institution-cooperen")
        assert isinstance(app.screen, WelcomeScreen) and "Cooperen" in screen_text(pilot)
        await click(pilot, "#start")
        assert app.screen.step.id == "access"
        await click(pilot, "#safe-exit")  # the visit ends at this institution's welcome
        assert isinstance(app.screen, WelcomeScreen) and app.profile.slug == "cooperen"
        await pilot.press("f9")  # the operator's key back to the choice
        await settle(pilot)
        assert isinstance(app.screen, DemoStartScreen)
        await click(pilot, "#institution-bancocajasocial")
        assert "Banco Caja Social" in screen_text(pilot)


async def test_the_demo_guide_lists_every_demo_member(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#guide")
        assert isinstance(app.screen, DemoGuideScreen)
        text = guide_text(pilot)
        for demo in demo_members():  # every one, from the data files
            assert f"CC {demo.document}" in text
        assert "Clave bloqueada por intentos fallidos" in text
        await click(pilot, "#back")
        assert isinstance(app.screen, DemoStartScreen)


async def test_the_demo_guide_answers_every_security_question(make_demo_app, service_for):
    """Cooperen's and Banco Caja Social's questions, answered from the guide alone."""
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#guide")
        rows: dict[str, str] = {}  # document -> its row's lines
        for line in guide_text(pilot, width=400).splitlines():
            if "CC " in line:
                document = line.split("CC ")[1].split()[0]
            if rows or "CC " in line:
                rows[document] = rows.get(document, "") + line
    asked = 0
    for demo in demo_members():
        asks = any(step.type in QUESTION_STEPS for step in load_profile(demo.institution).steps)
        if not asks or not demo.products or not demo.mobile:
            continue
        service = service_for(demo.institution)
        for question in service.recovery_questions(service.identify(demo.document)):
            assert question.answer in rows[demo.document], (demo.document, question.id, question.answer, rows[demo.document])
            asked += 1
    assert asked >= 4 * 4  # Cooperen's and Banco Caja Social's members with products


async def test_the_phone_shows_what_the_kiosk_sends_as_the_flow_goes(make_demo_app, service_for, clock):
    app = make_demo_app()
    async with app.run_test(size=WIDE) as pilot:
        await click(pilot, "#institution-progressa")
        await pilot.press("f2")
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        assert "Sin mensajes para esta visita." in phone_text(pilot)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")  # the SMS with the temporary key
        await pilot.pause(1.2)  # the phone looks for new messages every second
        temporary = code_in(latest_message(app.service, ORDINARY))
        assert f"su clave temporal es {temporary}" in phone_text(pilot)
        assert "SMS · 3111234567" in phone_text(pilot)
        # Something sent by another kiosk shows up too, newest first.
        clock.advance(minutes=2)
        other = service_for("progressa")
        other.send_temporary_key(other.identify(ORDINARY), "email", 6, timedelta(minutes=10))
        await pilot.pause(1.2)
        shown = phone_text(pilot)
        assert "Correo · mynameis@mail.com" in shown
        assert shown.index("Correo · mynameis@mail.com") < shown.index("SMS · 3111234567")
        # «Salida segura» stays in sight (and in reach) above the phone.
        safe_exit = app.screen.query_one("#safe-exit")
        assert app.screen.get_widget_at(*safe_exit.region.center)[0] is safe_exit
        # F2 again hides it.
        await pilot.press("f2")
        await settle(pilot)
        assert not app.screen.query_one(PhonePanel).display


async def test_an_emailed_link_shows_as_a_qr_code_on_the_phone(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=WIDE) as pilot:
        await click(pilot, "#institution-cootrasena")
        await pilot.press("f2")
        await click(pilot, "#start")
        await click(pilot, "#forgot")
        await fill(pilot, document="52345678")
        await click(pilot, "#continue")
        await pilot.pause(1.2)
        body = latest_message(app.service, "52345678").body
        link = next(word for word in body.split() if word.startswith("https://"))
        qrs = [str(s.render()) for s in app.screen.query(".phone-qr")]
        assert qrs == [qr_text(link, border=1, small=True)]


async def test_a_branch_kiosk_has_no_phone(make_app):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f2")
        await click(pilot, "#start")
        assert not app.screen.query(PhonePanel)
        assert not app.has_class("-phone")


async def test_the_real_demo_console_opens_its_store_after_the_start_screen(tmp_path):
    """As `kiosk` starts it: the start screen first; the institutions wait for the store."""
    from kiosk.cli import build_app
    from kiosk.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kiosk.db'}", pepper=b"p" * 32, bcrypt_cost=4)
    app = build_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DemoStartScreen)
        for _ in range(200):  # the store is created, migrated and seeded in a worker
            if app.store_ready:
                break
            await pilot.pause(0.05)
        assert app.store_ready and not app.store_failed
        await click(pilot, "#institution-cootrasena")
        assert isinstance(app.screen, WelcomeScreen) and "Cootrasena" in screen_text(pilot)
        await click(pilot, "#start")
        assert app.screen.step.id == "user"
