"""Issue 20, point 1, proved for every institution: a member with no keyboard
completes the whole recovery and logs in with the new key, by taps only.

The guard watches the app, not the walk's good manners: it fails the test if
any key event or paste is handled by any widget of the app, if the test's own
code (rather than the app answering a tap) sets a field's value, presses a
key, button or radio button, moves the focus, or scrolls to a widget out of
sight, or if the test calls ``Pilot.press`` at all.  Only mouse events (taps)
reach the app."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select
from textual import events
from textual.errors import NoWidget
from textual.message_pump import MessagePump
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input
from textual.widgets._toggle_button import ToggleButton

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.store.models import MemberKey
from kiosk.widgets.key_grid import KeyGrid
from tests.helpers import click, member
from tests.touch_walks import MEMBERS, NEW_KEYS, WALKS

pytestmark = pytest.mark.long


class ClicksOnly:
    """What reached the app other than taps, and how many taps did."""

    def __init__(self) -> None:
        self.test_task: asyncio.Task | None = None
        self.not_taps: list[str] = []
        self.clicks: set[events.Click] = set()

    @property
    def taps(self) -> int:
        return len(self.clicks)

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """From now on; values set by hand are seen once ``test_task`` is known."""
        dispatch = MessagePump._dispatch_message
        watch_value = Input._watch_value
        guard = self

        async def dispatched(pump: MessagePump, message) -> None:
            if isinstance(message, (events.Key, events.Paste)):
                guard.not_taps.append(f"{type(message).__name__} {message!r} to {pump!r}")
            elif isinstance(message, events.Click):
                guard.clicks.add(message)  # once, though it bubbles to the widget's parents
            await dispatch(pump, message)

        def value_changed(field: Input, value: str) -> None:
            # The app's own tasks set values (a pad typing, a screen filling
            # in what it knows); the test's task setting one is typing by hand.
            if asyncio.current_task() is guard.test_task:
                guard.not_taps.append(f"#{field.id} set to {value!r} by the test")
            watch_value(field, value)

        def no_press(_pilot: Pilot, *keys: str) -> None:
            raise AssertionError(f"a touch-only walk pressed {keys}")

        def by_the_app_only(cls: type, name: str) -> None:
            """``cls.name`` (pressing a key or button, focusing) only as the
            app's answer to a tap, never called by the test's own code."""
            original = getattr(cls, name)

            def called(widget, *args, **kwargs):
                if asyncio.current_task() is guard.test_task:
                    guard.not_taps.append(f"{cls.__name__}.{name} of {widget!r} called by the test")
                return original(widget, *args, **kwargs)

            monkeypatch.setattr(cls, name, called)

        scroll_visible = Widget.scroll_visible

        def scrolled_to(widget: Widget, *args, **kwargs):
            # The helpers bring a widget into view before tapping it: a member
            # cannot, so it must be in sight already.
            if asyncio.current_task() is guard.test_task and not in_sight(widget):
                guard.not_taps.append(f"{widget!r} out of sight, scrolled to by the test")
            return scroll_visible(widget, *args, **kwargs)

        monkeypatch.setattr(MessagePump, "_dispatch_message", dispatched)
        monkeypatch.setattr(Input, "_watch_value", value_changed)
        monkeypatch.setattr(Pilot, "press", no_press)
        for cls, name in ((KeyGrid, "press"), (Button, "press"), (ToggleButton, "toggle"), (Widget, "focus")):
            by_the_app_only(cls, name)
        monkeypatch.setattr(Widget, "scroll_visible", scrolled_to)


def in_sight(widget: Widget) -> bool:
    """Wholly on the screen, and what the screen shows at its middle."""
    screen = widget.screen
    region = widget.region
    if not region or not screen.region.contains_region(region):
        return False
    try:
        shown, _ = screen.get_widget_at(*region.center)
    except NoWidget:
        return False
    return shown is widget or widget in shown.ancestors


@pytest.fixture
def clicks_only(monkeypatch) -> ClicksOnly:
    guard = ClicksOnly()
    guard.watch(monkeypatch)
    return guard


def login_key(engine, document: str) -> MemberKey:
    with Session(engine) as session:
        return session.exec(
            select(MemberKey).where(MemberKey.member_id == member(engine, document).id, MemberKey.kind == "login")
        ).one()


@pytest.mark.parametrize("slug", list(WALKS))
async def test_whole_recovery_and_login_by_taps_only(slug, make_app, service_for, engine, hasher, clicks_only):
    service = service_for(slug)
    app = make_app(institution=slug)
    async with app.run_test(size=(100, 30)) as pilot:
        clicks_only.test_task = asyncio.current_task()
        await WALKS[slug](pilot, service)
        assert isinstance(app.screen, MemberHomeScreen)
    assert clicks_only.not_taps == []
    assert clicks_only.taps > 20  # the walk did its work by tapping
    new_key = NEW_KEYS[slug]
    key = login_key(engine, MEMBERS[slug])
    if slug == "coasmedas":
        login, transactional = new_key
        assert hasher.verify(login, key.hash)
        with Session(engine) as session:
            kept = session.exec(select(MemberKey).where(
                MemberKey.member_id == member(engine, MEMBERS[slug]).id, MemberKey.kind == "transactional"
            )).one()
        assert hasher.verify(transactional, kept.hash) and not kept.temporary
    else:
        assert hasher.verify(new_key, key.hash)
    assert not key.temporary and not key.blocked


# -- the guard can fail ------------------------------------------------------------


async def test_the_guard_sees_keys_pastes_values_and_presses_not_made_by_a_tap(make_app, monkeypatch):
    guard = ClicksOnly()
    guard.watch(monkeypatch)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        guard.test_task = asyncio.current_task()
        with pytest.raises(AssertionError, match="pressed"):
            await pilot.press("1")
        await click(pilot, "#start")
        assert guard.not_taps == []  # a tap is a tap
        field = app.screen.query_one("#document", Input)
        field.value = "1010"
        app.post_message(events.Key("2", "2"))
        await pilot.pause()
        field.post_message(events.Paste("3"))
        await pilot.pause()
        field.focus()
        app.screen.query_one("#numpad", KeyGrid).press(0)
        await pilot.pause()
    seen = " | ".join(guard.not_taps)
    assert "#document set to '1010' by the test" in seen
    assert "Key" in seen and "Paste" in seen
    assert "Widget.focus of Input" in seen and "KeyGrid.press of NumericPad" in seen


async def test_a_button_below_the_fold_is_not_in_sight_until_scrolled_to(make_app):
    app = make_app()
    async with app.run_test(size=(100, 14)) as pilot:
        await click(pilot, "#start")
        button = app.screen.query_one("#continue")
        assert not in_sight(button)
        button.scroll_visible(animate=False)
        await pilot.pause()
        assert in_sight(button)
