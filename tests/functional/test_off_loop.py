"""Nothing long waits on the event loop: what a screen shows is read from
the store in a thread before the screen is shown (a read that fails leaves the
member where they were, told so), full garbage collections wait for the end
of a visit, and a new step screen (or the welcome screen, or the theme) is
not styled twice."""

from __future__ import annotations

import gc
import threading
import time

from sqlalchemy import event
from textual import events
from textual.css.stylesheet import Stylesheet

from kiosk.app import NO_AUTOMATIC_FULL_COLLECTION
from kiosk.screens.base import StepScreen
from kiosk.screens.document import DocumentScreen
from kiosk.screens.key_login import KeyLoginScreen
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.theme import KIOSK_THEME
from tests.helpers import (
    ORDINARY,
    choose_image,
    click,
    code_in,
    keypad_type,
    latest_message,
    message_text,
    screen_text,
    type_document,
)

NEW_KEY = "749261"


async def test_a_whole_recovery_never_touches_the_store_on_the_event_loop(make_app, service, engine):
    statements: list[tuple[int, str]] = []  # the thread of every SQL statement the kiosk sent, and the statement
    mine = threading.local()  # the test's own reads (the member's phone) are not the kiosk's

    def note(_connection, _cursor, statement, *_args) -> None:
        if not getattr(mine, "reading", False):
            statements.append((threading.get_ident(), statement))

    event.listen(engine, "before_cursor_execute", note)
    try:
        app = make_app()
        async with app.run_test(size=(100, 40)) as pilot:
            loop_thread = threading.get_ident()
            await click(pilot, "#start")
            await type_document(pilot, ORDINARY)
            await click(pilot, "#forgot")  # the channel screen reads the masked contacts
            await click(pilot, "#continue")
            mine.reading = True
            temporary = code_in(latest_message(service, ORDINARY))
            mine.reading = False
            statements_before = len(statements)
            await click(pilot, "#continue")
            await type_document(pilot, ORDINARY)  # the key screen reads the security image
            await keypad_type(pilot, temporary)
            await click(pilot, "#continue")
            for _ in range(2):
                await keypad_type(pilot, NEW_KEY)
                await click(pilot, "#continue")
            await choose_image(pilot, "pez")
            app.screen.query_one("#phrase").value = "Mi perro se llama Tango"
            await click(pilot, "#continue")
            await click(pilot, "#allow")
            await click(pilot, "#continue")
            await type_document(pilot, ORDINARY)
            assert "Mi perro se llama Tango" in screen_text(pilot)
            await keypad_type(pilot, NEW_KEY)
            await click(pilot, "#continue")
            assert isinstance(app.screen, MemberHomeScreen)  # read its products before it was shown
            assert "Ana María" in screen_text(pilot)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(statements) > statements_before > 0  # the listener saw the flow's statements
    assert [statement for thread, statement in statements if thread == loop_thread] == []


async def test_a_screen_whose_data_cannot_be_read_is_not_shown(make_app, service, monkeypatch):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)

        def unreachable(_identity):
            raise ConnectionError("the store went away")

        monkeypatch.setattr(service, "contacts", unreachable)
        await click(pilot, "#forgot")
        assert isinstance(app.screen, KeyLoginScreen)
        assert "No pudimos completar la operación" in message_text(pilot)
        assert "store went away" not in screen_text(pilot)

        monkeypatch.undo()
        await click(pilot, "#forgot")
        assert app.screen.step.type == "channel_choice"


async def test_full_garbage_collections_wait_for_the_end_of_a_visit(make_app):
    full_collections: list[float] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            full_collections.append(time.perf_counter())

    before = gc.get_threshold()
    gc.callbacks.append(note)
    try:
        app = make_app()
        async with app.run_test(size=(100, 40)) as pilot:
            # During a visit, no full collection starts on its own...
            assert gc.get_threshold() == (*before[:2], NO_AUTOMATIC_FULL_COLLECTION)
            await click(pilot, "#start")
            await type_document(pilot, ORDINARY)
            visit_ends = time.perf_counter()
            await click(pilot, "#safe-exit")
            for _ in range(100):  # ...one runs as it ends, once the welcome screen is shown
                if any(moment > visit_ends for moment in full_collections):
                    break
                await pilot.pause(0.05)
            assert any(moment > visit_ends for moment in full_collections)
        assert gc.get_threshold() == before  # the process's own setting is back once the kiosk stops
    finally:
        gc.callbacks.remove(note)


def restyles_of(monkeypatch, node_class) -> list:
    """Every node of ``node_class`` that Textual restyles as a whole from now on."""
    restyled: list = []
    original = node_class.update_node_styles

    def counted(node, animate: bool = True) -> None:
        restyled.append(node)
        original(node, animate)

    monkeypatch.setattr(node_class, "update_node_styles", counted)
    return restyled


async def test_a_step_screen_is_styled_once_when_first_shown(make_app, monkeypatch):
    restyled = restyles_of(monkeypatch, StepScreen)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        document = app.screen
        assert isinstance(document, DocumentScreen)
        assert document not in restyled  # styled as composed, not all over again on being shown
        document.add_class("-seen")
        assert document in restyled  # what does restyle it is seen


async def test_the_welcome_screen_is_not_styled_again_when_first_shown(make_app, monkeypatch):
    restyled = restyles_of(monkeypatch, WelcomeScreen)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        # Made with the width class its first resize gives it, and not styled
        # all over again on being shown: neither restyled it.
        assert welcome.has_class("-wide") and restyled == []
        await click(pilot, "#start")
        await click(pilot, "#safe-exit")
        assert app.screen is welcome
        # Shown again, the screen leaves to Textual whether to restyle it.
        welcome.post_message(events.ScreenResume(refresh_styles=True))
        await pilot.pause()
        assert welcome in restyled


async def test_the_kiosk_starts_in_its_theme_without_parsing_its_styles_twice(make_app, monkeypatch):
    reparsed: list[object] = []
    original = Stylesheet.reparse

    def counted(stylesheet) -> None:
        reparsed.append(stylesheet)
        original(stylesheet)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert reparsed == []  # setting the theme with app.theme = ... reparses everything once more
        assert app.current_theme is KIOSK_THEME
        assert {name for name in app.classes if name.startswith("-theme-")} == {"-theme-kiosk"}

        def look() -> list[tuple[str, str]]:
            return [(str(node.styles.background), str(node.styles.color))
                    for node in (app.screen, *app.screen.query("*"))]

        started_with = look()
        assert app.screen.styles.background.hex == KIOSK_THEME.background.upper()
        app.theme = "textual-light"  # a change of theme is Textual's own, as usual
        await pilot.pause()
        assert reparsed and look() != started_with
        app.theme = KIOSK_THEME.name
        await pilot.pause()
        assert look() == started_with  # the very look Textual's own way of setting it gives


async def test_a_new_step_screen_is_laid_out_again_only_when_the_terminal_changes(make_app):
    """Textual sends a new screen a Resize for its own first layout; the kiosk
    does not lay it and the screens under it out again for that, but a real
    terminal resize still reaches every screen."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()  # the welcome screen's own first layouts
        welcome = app.screen
        layouts: list[object] = []
        welcome.screen_layout_refresh_signal.subscribe(welcome, layouts.append)
        await click(pilot, "#start")
        document = app.screen
        assert isinstance(document, DocumentScreen)
        await pilot.pause()
        assert layouts == []  # the welcome screen under it was left alone

        card = document.query_one("#card")
        assert card.region.x == 0  # 100 columns: the card fills the width
        await pilot.resize_terminal(140, 40)
        await pilot.pause(0.1)
        assert card.region.x == (140 - card.region.width) // 2 > 0  # laid out again, centred
        assert welcome in layouts  # the screen underneath follows the terminal too
        assert document.has_class("-wide") and not document.has_class("-narrow")

        # A screen made as the terminal changed still ends with the right width class.
        document.update_classes({"-wide": False, "-narrow": True})
        document.post_message(events.Resize(document.outer_size, document.outer_size))
        await pilot.pause()
        assert document.has_class("-wide") and not document.has_class("-narrow")


async def test_a_kiosk_button_is_not_restyled_as_it_mounts(monkeypatch):
    from textual.app import App
    from textual.widgets import Button as TextualButton

    from kiosk.widgets import Button

    restyled = restyles_of(monkeypatch, TextualButton)

    class Buttons(App):
        AUTO_FOCUS = None  # focus restyles a button, and must

        def compose(self):
            yield Button("Continuar", id="kiosk", variant="primary")
            yield TextualButton("Continuar", id="textual", variant="primary")

    async with Buttons().run_test() as pilot:
        await pilot.pause()
        restyled_ids = {button.id for button in restyled}
        assert "textual" in restyled_ids  # Textual's own restyles as it mounts
        assert "kiosk" not in restyled_ids
