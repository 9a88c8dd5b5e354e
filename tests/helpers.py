"""Driving the kiosk the way a member does: clicks and the on-screen keypad."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import Button, Input

from kiosk.store.models import Member, OutboxMessage
from kiosk.widgets import ScrambledKeypad

ORDINARY = "1010123456"
FIRST_ACCESS = "1020304050"
BLOCKED = "1030405060"
NO_EMAIL = "1040506070"
UNKNOWN = "9999999999"


async def settle(pilot: Pilot) -> None:
    """Let workers (hashing in threads) finish and the screen catch up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def click(pilot: Pilot, selector: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(widget), f"could not click {selector}"
    await settle(pilot)


async def type_document(pilot: Pilot, document: str) -> None:
    field = pilot.app.screen.query_one("#document", Input)
    field.value = ""
    field.focus()
    await pilot.press(*document)
    await click(pilot, "#continue")


async def keypad_type(pilot: Pilot, digits: str) -> None:
    keypad = pilot.app.screen.query_one(ScrambledKeypad)
    for digit in digits:
        button = next(b for b in keypad.query(".keypad-digit").results(Button) if str(b.label) == digit)
        button.scroll_visible(animate=False)
        await pilot.pause()
        assert await pilot.click(button)
    await pilot.pause()


def screen_text(pilot: Pilot) -> str:
    """Everything the member can read on the current screen."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in pilot.app.screen.query(Static))


def message_text(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#message").render())


def member(engine, document: str) -> Member:
    with Session(engine) as session:
        return session.exec(select(Member).where(Member.document_number == document)).one()


def latest_message(engine, document: str) -> OutboxMessage:
    member_id = member(engine, document).id
    with Session(engine) as session:
        return session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == member_id)
            .order_by(col(OutboxMessage.id).desc())
        ).first()


def code_in(message: OutboxMessage) -> str:
    return re.search(r"\b(\d{4,8})\b", message.body).group(1)
