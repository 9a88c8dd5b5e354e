"""Driving the kiosk the way a member does: clicks and the on-screen keypad."""

from __future__ import annotations

import asyncio
import re
import time

from sqlmodel import Session, select
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerState

from kiosk.core.outbox import Delivered
from kiosk.core.service import KioskService
from kiosk.store.models import Member
from kiosk.widgets import ScrambledKeypad, SecurityImagePicker
from kiosk.widgets.key_grid import KeyGrid

ORDINARY = "1010123456"
FIRST_ACCESS = "1020304050"
BLOCKED = "1030405060"
NO_EMAIL = "1040506070"
UNKNOWN = "9999999999"


WAIT_SECONDS = 30.0  # generous: a loaded machine is slow, never this slow
POLL_SECONDS = 0.005  # how often a wait looks again at what only a timer or a thread will change


def _waiting(pump) -> bool:
    """The message pump waits for its next message: none queued, none being handled."""
    queue = pump._message_queue  # textual._queue.Queue: its loop awaits ready_event when nothing is queued
    waiting = any(not future.done() for future in queue.ready_event._waiters)
    return waiting and queue.empty() and pump._pending_message is None


async def _handled(pilot: Pilot) -> None:
    """Until every message pump of the app and its screen waits for its next
    message.  Like ``Pilot._wait_for_screen`` (which queues a callback on
    every widget and waits for them all, a few ms each on a large screen),
    but it queues one only on a pump that is busy, and again until none is."""
    app = pilot.app
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        await asyncio.sleep(0)
        busy = [pump for pump in (app, *app.screen.walk_children(with_self=True)) if not _waiting(pump)]
        if not busy:
            return
        left = 0
        all_done = asyncio.Event()

        def done() -> None:
            nonlocal left
            left -= 1
            if left == 0:
                all_done.set()

        left = sum(1 for pump in busy if pump.call_later(done))
        if left:
            waits = [asyncio.ensure_future(all_done.wait()), asyncio.ensure_future(app._exception_event.wait())]
            _, pending = await asyncio.wait(waits, timeout=max(0.0, deadline - time.monotonic()),
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if app._exception_event.is_set():
                return  # the app failed: run_test reports it
        else:  # only closing pumps are busy: they take no callback, look again shortly
            await asyncio.sleep(POLL_SECONDS)
        if time.monotonic() > deadline:
            raise AssertionError(f"still busy after {WAIT_SECONDS:.0f} s: {busy} (screen: {app.screen!r})")


async def quiet(pilot: Pilot) -> None:
    """Until the app and every widget of its screen have handled every message
    sent to them, and the messages those sent in turn; then the screen is
    brought up to date, as ``pilot.pause()`` does, and what that sent handled.
    ``pilot.pause()`` guesses the same from the process's CPU looking idle for
    at least 20 ms (often 40-80 ms a call on a loaded machine): the helpers
    below ask the app instead."""
    await _handled(pilot)
    pilot.app.screen._on_timer_update()
    await _handled(pilot)


async def pilot_click(pilot: Pilot, widget, offset: tuple[int, int] = (0, 0)) -> bool:
    """``pilot.click``, waiting between its mouse events with ``quiet``
    instead of four idle-CPU pauses."""
    pilot.pause = lambda delay=None: quiet(pilot)  # this click only: shadows Pilot.pause
    try:
        return await pilot.click(widget, offset=offset)
    finally:
        del pilot.pause


async def wait_until(pilot: Pilot, condition, what: str, timeout: float = WAIT_SECONDS) -> None:
    """Let the app run until ``condition()`` holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    await quiet(pilot)
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:.0f} s still waiting for {what} (screen: {pilot.app.screen!r})")
        await asyncio.sleep(POLL_SECONDS)  # a timer or a thread may be what brings it
        await quiet(pilot)


async def settle(pilot: Pilot) -> None:
    """Until no worker (hashing in threads) runs and the screen has shown what the last one brought."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        # A worker not yet started cannot be waited for: the wait below starts it.
        for worker in [worker for worker in pilot.app.workers if worker.state is WorkerState.RUNNING]:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass  # replaced by a newer one of its group (exclusive), waited for next round
        await quiet(pilot)  # the results handled (which may start another worker)
        if not any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in pilot.app.workers):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running after {WAIT_SECONDS:.0f} s: {list(pilot.app.workers)}")
        await asyncio.sleep(POLL_SECONDS)


def _pressable(pilot: Pilot, selector: str) -> bool:
    """On the screen, and not a button still lit from its last press (0.2 s),
    which ignores a press as it would a member's."""
    found = pilot.app.screen.query(selector)
    return bool(found) and not found.first().has_class("-active")


async def click(pilot: Pilot, selector: str) -> None:
    await wait_until(pilot, lambda: _pressable(pilot, selector), f"{selector} on the screen, ready to press")
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await quiet(pilot)  # scrolled there: the click lands where the widget now is
    # The screen may still move it (its own scroll after a refresh, as the
    # teller's card does once reloaded): click where it has come to rest.
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        resting = widget.region
        await asyncio.sleep(POLL_SECONDS)
        await quiet(pilot)
        if widget.region == resting or time.monotonic() > deadline:
            break
    assert await pilot_click(pilot, widget), f"could not click {selector}"
    await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` key by key, as ``pilot.press`` does, but wait after each
    key only until the app and every widget have handled what was sent (three
    rounds: the app forwards a key to the focused widget, which may tell its
    screen), not for the CPU to look idle twice a key; one idle wait at the end."""
    for character in text:
        if not character.isprintable():
            await pilot.press(character)
            continue
        key = character if character.isalnum() else _character_to_key(character)
        event = events.Key(key, character)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
        for _round in range(3):
            await pilot.pause(0)
    await quiet(pilot)


async def type_document(pilot: Pilot, document: str) -> None:
    field = pilot.app.screen.query_one("#document", Input)
    field.value = ""
    field.focus()
    await type_text(pilot, document)
    await click(pilot, "#continue")


async def tap_key(pilot: Pilot, grid: KeyGrid, index: int) -> None:
    """Tap the middle of key ``index`` of a keypad or the image picker."""
    grid.scroll_visible(animate=False)
    await quiet(pilot)
    assert await pilot_click(pilot, grid, offset=grid.key_offset(index))


async def keypad_type(pilot: Pilot, digits: str) -> None:
    keypad = pilot.app.screen.query_one(ScrambledKeypad)
    for digit in digits:
        await tap_key(pilot, keypad, keypad.key_index(digit))
    await quiet(pilot)


async def choose_image(pilot: Pilot, image: str) -> None:
    picker = pilot.app.screen.query_one(SecurityImagePicker)
    await tap_key(pilot, picker, picker.image_index(image))
    await settle(pilot)


def screen_text(pilot: Pilot) -> str:
    """Everything the member can read on the current screen."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in pilot.app.screen.query(Static))


def message_text(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#message").render())


def member(engine, document: str) -> Member:
    with Session(engine) as session:
        return session.exec(select(Member).where(Member.document_number == document)).one()


def latest_message(service: KioskService, document: str) -> Delivered:
    """The newest message the member's phone or inbox received."""
    return service.messages_for(member(service.engine, document).id, limit=1)[0]


def code_in(message: Delivered) -> str:
    return re.search(r"\b(\d{4,8})\b", message.body).group(1)


def clear_occurrences(engine, secret: str) -> list[str]:
    """Where ``secret`` stands in clear in the store: every column of every
    table, and the raw bytes of the database file and its WAL (which also hold
    deleted and superseded rows).

    A match must stand on its own (no letter or digit either side), so a chance
    run of the same digits inside a random hash or sealed token is not counted.
    """
    from sqlalchemy import inspect, text

    pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])")
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    if pattern.search(str(value)):
                        found.append(f"{table}.{column}")
    raw = re.compile(pattern.pattern.encode())
    for suffix in ("", "-wal"):
        try:
            data = open(engine.url.database + suffix, "rb").read()
        except FileNotFoundError:
            continue
        found += [f"file{suffix}@{m.start()}" for m in raw.finditer(data)]
    return found


async def fill(pilot: Pilot, **fields: str) -> None:
    """Type into the fields with these ids, as a member would, key by key."""
    from kiosk.widgets import PadKeyField

    for field_id, text in fields.items():
        widget = pilot.app.screen.query_one(f"#{field_id}", Input)
        widget.value = ""
        widget.focus()
        if isinstance(widget, PadKeyField):  # no physical key types a key: tap the keypad
            await quiet(pilot)
            await keypad_type(pilot, text)
        else:
            await type_text(pilot, text)


async def solve_robot_check(pilot: Pilot) -> None:
    """Type the answer of the image challenge (a test may know it; a script reading the screen does not)."""
    from kiosk.widgets import RobotCheck

    robot = pilot.app.screen.query_one(RobotCheck)
    await fill(pilot, **{"captcha-answer": robot.captcha.answer})


def codes_sent(service: KioskService, document: str) -> list[str]:
    """Every code the member received, oldest first."""
    found = []
    for message in reversed(service.messages_for(member(service.engine, document).id, limit=100)):
        match = re.search(r"(?:código de seguridad|clave temporal) es (\d+)", message.body)
        if match:
            found.append(match.group(1))
    return found


TELLER_PASSWORD = "mostrador-norte-2026"
TELLER_DOCUMENT = "52000111"


def add_teller(desk, username: str = "ana.gomez", document: str = TELLER_DOCUMENT) -> int:
    return desk.add_teller(username, "Ana Gómez", "CC", document, TELLER_PASSWORD, TELLER_PASSWORD)


def authenticator_code(clock, secret: str | None = None) -> str:
    """What the teller's authenticator app shows now."""
    import pyotp

    from tests.conftest import TELLER_SECRET

    return pyotp.TOTP(secret or TELLER_SECRET).at(clock.now())


def signed_in_teller(desk, clock, username: str = "ana.gomez"):
    """A teller through both factors (enrolling on the first sign-in); the
    clock then moves past the code's window, as a real minute would."""
    checked = desk.check_password(username, TELLER_PASSWORD)
    if not checked.enrolled:
        desk.start_enrolment(checked)
    session = desk.verify_authenticator(checked, authenticator_code(clock))
    clock.advance(seconds=30)
    return session


VISIT = "visit-under-test"


def captcha_token(service: KioskService, visit: str = VISIT) -> str:
    """What a visit that solved «No soy un robot» holds: a fresh token from the core."""
    import random

    challenge, captcha = service.challenges.issue(random.Random())
    return service.challenges.solve(challenge.id, captcha.answer, visit)
