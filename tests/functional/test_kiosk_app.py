"""The kiosk as a whole: members cannot quit it, idle visits are wiped, the
operator has a way out, hashing stays off the event loop, and English works."""

from __future__ import annotations

import threading

from textual.widgets import Input

from kiosk.i18n import set_language
from kiosk.screens.document import DocumentScreen
from kiosk.screens.operator import OperatorExitScreen
from kiosk.screens.welcome import WelcomeScreen
from tests.helpers import ORDINARY, click, keypad_type, message_text, screen_text, type_document, wait_until


async def test_member_keys_never_quit_or_open_a_palette(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await pilot.press("ctrl+q", "ctrl+c", "ctrl+p", "ctrl+backslash", "escape")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, DocumentScreen)


async def test_idle_timeout_wipes_the_visit_and_returns_to_welcome(make_app):
    # Long enough that a loaded machine types the four digits before «¿Sigue ahí?» (a second before the end).
    app = make_app(idle_timeout=5.0)
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await pilot.press(*"1010")
        assert app.screen.query_one("#document", Input).value == "1010"
        await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the idle timeout")
        assert app.runner.context.identity is None
        await click(pilot, "#start")
        assert app.screen.query_one("#document", Input).value == ""


async def test_activity_keeps_the_visit_alive(make_app):
    app = make_app(idle_timeout=3.0)  # «¿Sigue ahí?» after 2 s without a press
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        for _ in range(8):  # 4 s in all
            await pilot.pause(0.5)
            await pilot.press("1")
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.query_one("#document", Input).value == "11111111"


async def test_safe_exit_wipes_the_visit(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, "58")
        await click(pilot, "#safe-exit")
        assert isinstance(app.screen, WelcomeScreen)
        assert app.runner.context.identity is None


async def test_operator_exit_needs_the_pin(make_app):
    app = make_app(operator_pin="2468")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, OperatorExitScreen)
        await pilot.press(*"1111", "enter")
        await pilot.pause()
        assert app.is_running and "PIN incorrecto" in screen_text(pilot)
        await pilot.press(*"2468", "enter")
        await pilot.pause()
    assert app.return_value is None and not app.is_running


async def test_operator_exit_can_be_cancelled(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10")
        await click(pilot, "#cancel")
        assert isinstance(app.screen, WelcomeScreen) and app.is_running


async def test_hashing_runs_off_the_event_loop(make_app, service):
    threads = []
    real_login = service.login

    def recording_login(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_login(*args, **kwargs)

    service.login = recording_login
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, "582017")
        await click(pilot, "#continue")
        assert app.screen.step.id == "home"
    assert threads and threads[0] is not threading.main_thread()


async def test_english_is_selectable_and_reaches_the_flow_screens(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#language")
        assert "Start" in str(app.screen.query_one("#start").label)
        await click(pilot, "#start")
        await type_document(pilot, "1.010")
        assert "ID number" in message_text(pilot) or "number" in message_text(pilot)
        await type_document(pilot, ORDINARY)
        assert "Forgot" in str(app.screen.query_one("#forgot").label)
    set_language("es")
