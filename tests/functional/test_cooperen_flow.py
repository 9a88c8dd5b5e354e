"""A Cooperen member who forgot the key answers the personal questions, reads
the system-generated temporary key (shown 11 seconds, also e-mailed), changes
it for a 5-digit key and logs in."""

from __future__ import annotations

from sqlmodel import Session, select

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.store.models import MemberKey
from kiosk.widgets.countdown import Countdown
from tests.helpers import (
    click, fill, member, message_text, pilot_click, quiet, screen_text, solve_robot_check, tap_key,
)

COOPEREN, FIRST_ACCESS_COOPEREN = "12147", "80123456"
EMAIL, BIRTH, MOBILE = "gloria.vargas@mail.com", "1959-01-14", "321 2118468"
# Her only product, a savings account ending in 1122, opened in July 1998.
DIGITS, OPENED = "1122", "julio"
NEW_KEY = "58203"


async def show_questions(pilot) -> None:
    """The keyboard covers the questions while the e-mail is typed: its «Listo» brings them back."""
    from kiosk.widgets.keyboard import OnScreenKeyboard

    if not pilot.app.screen.query_one("#questions").display:
        keyboard = pilot.app.screen.query_one(OnScreenKeyboard)
        await tap_key(pilot, keyboard, keyboard.key_index("done"))
        await quiet(pilot)


async def choose(pilot, question: str, option: str) -> None:
    await show_questions(pilot)
    button = next(b for b in pilot.app.screen.query(f"#q-{question} RadioButton") if b.name == option)
    await pilot_click(pilot, button)
    await quiet(pilot)


async def choose_all(pilot, birth=BIRTH, mobile=MOBILE, digits=DIGITS, opened=OPENED) -> None:
    for question, option in (("birth", birth), ("mobile", mobile), ("digits", digits), ("opened", opened)):
        await choose(pilot, question, option)


async def answer(pilot, email=EMAIL, **options: str) -> None:
    await fill(pilot, email=email)
    await choose_all(pilot, **options)
    await solve_robot_check(pilot)
    await click(pilot, "#continue")


async def to_questions(pilot, document=COOPEREN) -> None:
    await click(pilot, "#start")
    await click(pilot, "#forgot")
    await fill(pilot, document=document)
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "questions"


async def test_whole_procedure_with_the_countdown(make_app, engine, hasher, service_for):
    service = service_for("cooperen")
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        # The frozen clock says 2026-11-21 15:00 UTC: Saturday, in Colombia too.
        assert "Hoy es: Sábado, 21 de noviembre de 2026" in screen_text(pilot)
        await click(pilot, "#safe-exit")
        await to_questions(pilot)
        await answer(pilot)
        assert app.screen.step.id == "shown_key", message_text(pilot)
        temporary = str(app.screen.query_one("#shown-key").render())
        assert len(temporary) == 4 and temporary.isdigit()
        assert temporary in service.messages_for(member(engine, COOPEREN).id)[0].body  # also e-mailed

        countdown = app.screen.query_one(Countdown)
        countdown.pause()  # the test drives the clock (a busy machine may have let a second or two tick)
        started = countdown.remaining
        assert 8 <= started <= 11 and f"{started} segundos" in str(countdown.render())
        for _ in range(started - 1):
            countdown.tick()
        await pilot.pause()
        assert str(countdown.render()).endswith("en: 1 segundo") and app.screen.step.id == "shown_key"
        countdown.tick()
        await pilot.pause()
        assert app.screen.step.id == "access"  # closed by itself

        await fill(pilot, document=COOPEREN, key=temporary)
        await click(pilot, "#continue")
        assert app.screen.step.id == "change"
        await fill(pilot, current=temporary, key=NEW_KEY, confirmation=NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "access"
        assert "Cambio realizado con éxito, ingrese los nuevos datos" in message_text(pilot)

        await fill(pilot, document=COOPEREN, key=NEW_KEY)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen)

    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, COOPEREN).id)).one()
    assert hasher.verify(NEW_KEY, key.hash) and not key.temporary
    assert not hasher.verify(temporary, key.hash)


async def test_first_access_goes_through_the_same_forced_change(make_app, engine, hasher):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#first-access")
        assert app.screen.step.id == "change"
        await fill(pilot, document=FIRST_ACCESS_COOPEREN, current="27514", key=NEW_KEY, confirmation=NEW_KEY)
        await click(pilot, "#continue")
        assert "Cambio realizado con éxito" in message_text(pilot)
        await fill(pilot, document=FIRST_ACCESS_COOPEREN, key=NEW_KEY)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen)
