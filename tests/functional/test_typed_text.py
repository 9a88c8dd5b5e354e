"""Nothing a person typed is read as markup or obeyed as a control sequence:
every field a teller fills is checked on the way in (contacts: ASCII only;
names: no control characters) and every place it is shown (the console's
widgets, ``kiosk outbox``, ``kiosk teller list``) shows it as plain text with
control characters written out."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import Session
from textual.widgets import DataTable

from kiosk import cli
from kiosk.core.errors import Refusal
from kiosk.core.outbox import Delivered
from kiosk.core.typed import escaped, is_unsafe, normalize_email, normalize_mobile
from kiosk.screens.teller import plain
from kiosk.store.models import AuditEvent, Member, Product
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY, TELLER_PASSWORD, add_teller, click, fill, member, screen_text
from tests.functional.test_teller_console import open_member, sign_in

MARKUP = ["[@click=app.quit]x", "[/]", "[b]", "[/b]", "[red on blue]", "[link=https://evil.example]y[/link]"]
ESCAPES = ["\x1b", "\x00", "\x07", "\u202e", "\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\x1b[31m", "\u200b", "\r"]
hostile = st.lists(
    st.sampled_from(MARKUP + ESCAPES) | st.text(max_size=4) | st.sampled_from(["3111234567", "ana@mail.com", "@", "."]),
    max_size=6,
).map("".join)

# What a terminal would obey: ESC, CSI, BEL, NUL... and bidirectional overrides.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def test_the_hostile_samples_are_hostile():
    """Positive control: the pattern the tests rely on finds every escape sample."""
    assert all(RAW_CONTROL.search(sample) for sample in ESCAPES)


@given(text=hostile)
def test_escaped_text_holds_no_control_character(text):
    shown = escaped(text)
    assert not any(is_unsafe(char) for char in shown)
    assert not RAW_CONTROL.search(shown)
    if not any(is_unsafe(char) for char in text) and "\\" not in text:
        assert shown == text  # ordinary text is left alone


@given(text=hostile)
def test_the_console_shows_typed_text_plain(text):
    """``plain`` is what the console puts in its Statics and tables: markup stays literal text."""
    shown = plain(text)
    assert shown.plain == escaped(text)
    assert not shown.spans  # no style or action came out of the text


@given(text=hostile)
def test_a_typed_mobile_is_ten_ascii_digits_or_refused(text):
    try:
        mobile = normalize_mobile(text)
    except Refusal as refusal:
        assert refusal.reason == "mobile_format"
        return
    assert re.fullmatch(r"3[0-9]{9}", mobile, re.ASCII)


@given(text=hostile)
def test_a_typed_email_is_sane_ascii_or_refused(text):
    try:
        email = normalize_email(text)
    except Refusal as refusal:
        assert refusal.reason == "email_format"
        return
    local, at, domain = email.partition("@")
    assert email.isascii() and at and "@" not in domain and "." in domain
    assert not re.search(r"[\s\x00-\x1f\x7f\[\]]", email)


@pytest.mark.parametrize("mobile", ["٣١١١٢٣٤٥٦٧", "３１１１２３４５６７", "311123456\x1b7", "3111234567\u202e", "31112345６7"])
def test_unicode_digits_and_controls_are_not_a_mobile(mobile):
    with pytest.raises(Refusal):
        normalize_mobile(mobile)


@pytest.fixture
def desk(desk_for):
    return desk_for("progressa")


@given(name=hostile, username=hostile)
def test_a_teller_name_is_refused_or_listed_escaped(desk, capsys, monkeypatch, engine, name, username):
    """``kiosk teller add`` then ``kiosk teller list``: whatever was typed, the
    list shows no control character; a name with one was refused."""
    try:
        desk.add_teller(username, name, "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD)
    except Refusal as refusal:
        assert refusal.reason in {"control_characters", "username", "full_name", "username_taken"}
        if refusal.reason == "control_characters":
            assert any(is_unsafe(char) for char in name + username)
        return
    assert not any(is_unsafe(char) for char in name)
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setenv("KIOSK_BCRYPT_COST", "4")
    assert cli.main(["--database-url", str(engine.url), "teller", "list"]) == 0
    listed = capsys.readouterr().out
    assert not RAW_CONTROL.search(listed)
    assert escaped(" ".join(name.split())) in listed


def test_teller_list_escapes_a_name_stored_before_the_checks(desk, capsys, monkeypatch, engine):
    """A row written before names were checked (or by hand in the database) is shown, not obeyed."""
    from kiosk.store.models import Teller

    add_teller(desk)
    with Session(engine) as session:
        session.execute(update(Teller).values(full_name="Ana\x1b[2J\x1b]0;x\x07 [@click=app.quit]G\u202e"))
        session.commit()
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["--database-url", str(engine.url), "teller", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Ana\\x1b[2J\\x1b]0;x\\x07 [@click=app.quit]G\\u202e" in listed
    assert not RAW_CONTROL.search(listed)


@given(recipient=hostile, subject=hostile, body=hostile)
def test_the_outbox_prints_no_control_sequence(capsys, recipient, subject, body):
    message = Delivered(1, None, "sms", recipient, subject, body, datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    cli._print_message(message)
    printed = capsys.readouterr().out
    assert not RAW_CONTROL.search(printed)
    assert escaped(recipient) in printed
    for line in body.split("\n"):
        assert escaped(line) in printed


async def test_the_console_shows_hostile_names_products_and_trail_as_plain_text(
    make_teller_app, clock, engine
):
    """A member, product, teller and audit detail full of markup and escape
    sequences: the console opens, shows every one literally, and runs no action."""
    name = "[@click=app.quit]x [/] [b]Ana\x1b[2J\u202e"
    product = "[/]Ahorro[@click=app.quit]\x07"
    app = make_teller_app()
    app.desk.add_teller("eva.ruiz", "[@click=app.quit]Eva [/]", "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD)
    member_id = member(engine, ORDINARY).id
    with Session(engine) as session:
        session.execute(update(Member).where(Member.id == member_id).values(first_names=name))
        session.execute(update(Product).where(Product.member_id == member_id).values(kind=product))
        session.add(AuditEvent(
            at=clock.now(), institution="progressa", member_id=member_id, actor="teller:[b]9",
            action="[@click=app.quit]z", detail="[/]\x1b[31mrojo\x00",
        ))
        session.commit()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, clock, username="eva.ruiz")
        assert "[@click=app.quit]Eva [/]" in screen_text(pilot)
        await fill(pilot, name="ana")
        await click(pilot, "#by-name")
        results = pilot.app.screen.query_one("#results", DataTable)
        assert escaped(name + " Rojas Pérez") in [str(results.get_row_at(i)[1]) for i in range(results.row_count)]
        await open_member(pilot, ORDINARY)
        shown = screen_text(pilot)
        assert escaped(name) in shown  # the title, literally
        assert "[/]Ahorro[@click=app.quit]\\x07" in shown
        trail = pilot.app.screen.query_one("#trail", DataTable)
        cells = [str(cell) for i in range(trail.row_count) for cell in trail.get_row_at(i)]
        assert "[/]\\x1b[31mrojo\\x00" in cells and "teller:[b]9" in cells and "[@click=app.quit]z" in cells
        assert not RAW_CONTROL.search(shown + "".join(cells))
        assert app.is_running  # no action ran, nothing crashed
