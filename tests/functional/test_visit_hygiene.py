"""A visit ends cleanly: «¿Sigue ahí?» before the idle timeout, a code's life
kept, the kiosk's own language for the next member, and the demo operator's
keys that would cut a visit short ask first."""

from __future__ import annotations

from textual.widgets import Input

from kiosk.i18n import current_language
from kiosk.screens.demo import DemoStartScreen
from kiosk.screens.document import DocumentScreen
from kiosk.screens.idle_warning import IdleWarningScreen
from kiosk.screens.operator import LeaveVisitScreen, OperatorExitScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.widgets.countdown import Countdown
from tests.helpers import click, screen_text, settle
from tests.functional.test_coasmedas_flow import recover_temporary_key


async def wait_for(pilot, condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the kiosk never got there")


async def test_a_warning_with_a_countdown_comes_before_the_timeout_and_continuar_keeps_the_visit(make_app):
    app = make_app(idle_timeout=3.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await pilot.press(*"1010")
        # Pushed, then composed and painted: on a loaded machine the text comes a moment later.
        await wait_for(
            pilot, lambda: isinstance(app.screen, IdleWarningScreen) and "¿Sigue ahí?" in screen_text(pilot)
        )
        left = app.screen.query_one(Countdown).remaining
        assert 0 < left <= 1  # a third of a 3 s timeout
        assert "se cerrará automáticamente en: 1 segundo" in screen_text(pilot)
        await click(pilot, "#keep")
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.query_one("#document", Input).value == "1010"


async def test_without_an_answer_the_warning_ends_the_visit(make_app):
    app = make_app(idle_timeout=1.5)
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await pilot.press(*"1010")
        await wait_for(pilot, lambda: isinstance(app.screen, IdleWarningScreen))
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        assert app.runner.context.identity is None and len(app.screen_stack) == 1


async def test_a_step_waiting_for_a_code_keeps_the_visit_for_the_codes_life(make_app, service_for):
    # Coasmedas' recovery code lives 5 minutes: a 1 s idle timeout must not end the visit meanwhile.
    app = make_app(institution="coasmedas", idle_timeout=600.0)
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service_for("coasmedas"))
        app.idle_timeout = 1.0
        await pilot.pause(1.6)
        assert app.screen.step.id == "recovery_code"
        assert not isinstance(app.screen, IdleWarningScreen)


async def test_english_lasts_one_visit(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#language")
        assert current_language() == "en" and "Recover a forgotten" in screen_text(pilot)
        await click(pilot, "#start")
        await click(pilot, "#safe-exit")
        await settle(pilot)
        assert current_language() == "es"
        assert isinstance(app.screen, WelcomeScreen) and "Recupere aquí" in screen_text(pilot)


async def test_english_chosen_but_never_used_is_undone_by_the_timeout(make_app):
    app = make_app(idle_timeout=1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#language")
        assert current_language() == "en"
        await wait_for(pilot, lambda: current_language() == "es" and "Recupere aquí" in screen_text(pilot))
        assert isinstance(app.screen, WelcomeScreen)


async def test_escape_closes_the_operator_dialog(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, OperatorExitScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen) and app.is_running


async def test_f9_during_a_visit_asks_before_leaving_it(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#institution-progressa")
        await click(pilot, "#start")
        await pilot.press(*"1010")
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, LeaveVisitScreen)
        await pilot.press("escape")  # the operator thinks better of it
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.query_one("#document", Input).value == "1010"
        await pilot.press("f9")
        await click(pilot, "#leave")
        assert isinstance(app.screen, DemoStartScreen)
        assert app.runner.current is None and app.runner.context.identity is None


async def test_the_kiosks_theme_comes_back_for_the_next_member(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        app.theme = "textual-light"
        await click(pilot, "#safe-exit")
        assert app.theme == "kiosk" and isinstance(app.screen, WelcomeScreen)
