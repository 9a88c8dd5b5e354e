"""The step a member is likely to reach next is composed ahead, off screen,
while they are still on the step before it; pressing on then shows that very
screen, with what the visit brings put on it as it is shown.  Nothing composed
ahead outlives the visit, and no screen composed ahead reads the visit."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, RadioButton

from kiosk.core.outbox import SMS
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.screens.base import StepScreen
from kiosk.screens.channel import ChannelChoiceScreen
from kiosk.screens.demo import DemoStartScreen
from kiosk.screens.document import DocumentScreen
from kiosk.screens.key_change import KeyChangeScreen
from kiosk.screens.key_login import KeyLoginScreen
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.new_key import NewKeyScreen
from kiosk.screens.notice import NoticeScreen
from kiosk.screens.registry import STEP_SCREENS
from kiosk.screens.welcome import WelcomeScreen
from kiosk.widgets.phone import PhonePanel
from tests.functional.test_visit_hygiene import wait_for
from tests.helpers import (
    NO_EMAIL,
    ORDINARY,
    UNKNOWN,
    click,
    code_in,
    codes_sent,
    fill,
    keypad_type,
    latest_message,
    screen_text,
    type_document,
)
from tests.functional.test_coasmedas_flow import COASMEDAS, log_in, recover_temporary_key
from tests.functional.test_coasmedas_flow import TEMPORARY as COASMEDAS_TEMPORARY
from tests.functional.test_cooperen_flow import COOPEREN, answer, to_questions
from tests.functional.test_cooperen_flow import NEW_KEY as COOPEREN_NEW_KEY

ORDINARY_KEY = "582017"  # the demo member's key (README: demo guide)


async def composed_ahead(pilot, kind: type[StepScreen] = StepScreen) -> StepScreen:
    """The screen of type ``kind`` composed ahead (once the shown one has been
    up a while), its widgets mounted."""
    app = pilot.app
    for _ in range(300):
        await pilot.pause(0.01)
        for prepared in app.prepared.values():
            if isinstance(prepared, kind) and prepared.is_mounted and prepared.query("#card"):
                return prepared
    raise AssertionError(f"no {kind.__name__} composed ahead of {type(app.screen).__name__}")


def card_text(screen) -> str:
    return " ".join(str(widget.render()) for widget in screen.query("#card Static"))


async def test_the_first_step_waits_composed_on_the_welcome_screen(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        prepared = await composed_ahead(pilot)
        assert isinstance(prepared, DocumentScreen)
        await click(pilot, "#start")
        assert app.screen is prepared
        assert app.screen.focused is app.screen.query_one("#document")  # as on a new screen

        # The visit ends: what it used goes, and a new first step waits for the next member.
        await click(pilot, "#safe-exit")
        assert await composed_ahead(pilot) is not prepared


async def test_a_language_change_composes_the_first_step_again_in_that_language(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        spanish = await composed_ahead(pilot)
        assert "Ingresar tu usuario" in card_text(spanish)
        await click(pilot, "#language")
        english = await composed_ahead(pilot)
        assert english is not spanish and not spanish.is_attached
        assert "Enter your username" in card_text(english)
        await click(pilot, "#start")
        assert app.screen is english
        assert "Enter your username" in screen_text(pilot)


async def test_the_key_step_is_composed_ahead_and_shown_with_the_members_image(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        assert isinstance(app.screen, DocumentScreen)
        prepared = await composed_ahead(pilot)
        assert isinstance(prepared, KeyLoginScreen)
        assert prepared not in app.screen_stack
        assert "Flor" not in card_text(prepared)  # nobody's image yet: the member is not known

        await type_document(pilot, ORDINARY)
        assert app.screen is prepared
        text = screen_text(pilot)
        assert "Flor" in text and "La peor experiencia es la mejor maestra" in text
        assert app.screen.focused is not None  # ready for the keypad, as a new screen would be


async def test_the_channels_composed_ahead_offer_only_the_members_contacts(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, NO_EMAIL)
        prepared = await composed_ahead(pilot, ChannelChoiceScreen)  # should the member have forgotten the key
        await click(pilot, "#forgot")
        assert app.screen is prepared
        assert [str(button.label) for button in app.screen.query(RadioButton)] == ["Confirmar por SMS: 300 45****"]
        await click(pilot, "#continue")
        assert "Hemos enviado la información solicitada a su celular por SMS." in screen_text(pilot)
        assert latest_message(service, NO_EMAIL).channel == SMS


@pytest.mark.parametrize(("channel", "phrase"), [(0, "a su celular por SMS"), (1, "al correo electrónico")])
async def test_a_notice_composed_ahead_says_where_the_key_went(make_app, channel, phrase):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await click(pilot, "#forgot")
        prepared = await composed_ahead(pilot)
        assert isinstance(prepared, NoticeScreen) and "Hemos enviado" not in card_text(prepared)
        radios = list(app.screen.query(RadioButton))
        await pilot.click(radios[channel])
        await click(pilot, "#continue")
        assert app.screen is prepared
        assert f"Hemos enviado la información solicitada {phrase}." in screen_text(pilot)


async def test_a_login_composes_the_members_home_ahead_and_shows_their_products(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        prepared = await composed_ahead(pilot, MemberHomeScreen)  # a login usually opens the member's home
        assert "Ana María" not in card_text(prepared)
        await keypad_type(pilot, ORDINARY_KEY)
        await click(pilot, "#continue")
        assert app.screen is prepared
        products = service.summary(app.runner.context.proof).products
        assert products and app.screen.query_one("#products", DataTable).row_count == len(products)
        assert "Bienvenido(a), Ana María" in screen_text(pilot)


async def test_back_with_a_temporary_key_the_change_of_key_is_composed_ahead(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")  # by SMS
        await click(pilot, "#continue")  # to log in with the key just sent
        await type_document(pilot, ORDINARY)
        prepared = await composed_ahead(pilot, NewKeyScreen)
        await keypad_type(pilot, code_in(latest_message(service, ORDINARY)))
        await click(pilot, "#continue")
        assert app.screen is prepared and "Escriba su nueva clave" in screen_text(pilot)


async def test_coasmedas_login_with_the_chosen_temporary_key_has_its_change_composed_ahead(make_app, service_for):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service)
        await fill(pilot, code=codes_sent(service, COASMEDAS)[-1])
        await click(pilot, "#continue")  # «Cambio de clave Exitoso»
        await click(pilot, "#continue")  # to the login
        prepared = await composed_ahead(pilot, KeyChangeScreen)
        assert prepared.step.id == "change_login"
        await log_in(pilot, COASMEDAS, COASMEDAS_TEMPORARY)
        assert app.screen is prepared


async def test_cooperen_login_after_the_shown_key_has_its_change_composed_ahead(make_app):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        await to_questions(pilot)
        await answer(pilot)
        temporary = str(app.screen.query_one("#shown-key").render())
        await click(pilot, "#continue")  # read it: on to the login
        prepared = await composed_ahead(pilot, KeyChangeScreen)
        assert prepared.step.id == "change"
        await fill(pilot, document=COOPEREN, key=temporary)
        await click(pilot, "#continue")
        assert app.screen is prepared

        # Once changed, the temporary key is spent: the next login opens the home.
        await fill(pilot, current=temporary, key=COOPEREN_NEW_KEY, confirmation=COOPEREN_NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "access"
        await composed_ahead(pilot, MemberHomeScreen)


async def to_the_key_step(pilot) -> None:
    await click(pilot, "#start")
    await pilot.pause(0.3)
    await type_document(pilot, ORDINARY)


async def to_the_members_home(pilot) -> None:
    await to_the_key_step(pilot)
    await pilot.pause(0.3)
    await keypad_type(pilot, ORDINARY_KEY)
    await click(pilot, "#continue")


async def to_the_channels(pilot) -> None:
    await to_the_key_step(pilot)
    await pilot.pause(0.3)
    await click(pilot, "#forgot")


async def to_the_notice(pilot) -> None:
    await to_the_key_step(pilot)
    await click(pilot, "#forgot")
    await pilot.pause(0.3)
    await click(pilot, "#continue")  # by SMS


@pytest.mark.parametrize("path", [to_the_key_step, to_the_members_home, to_the_channels, to_the_notice])
async def test_a_screen_composed_ahead_looks_as_one_made_when_needed(make_app, clock, path):
    """The same steps twice, with the same keypad layouts dealt: the screens
    composed ahead, then made as they are needed."""
    looks = []
    for ahead in (True, False):
        clock.advance(minutes=1)  # past the first run's wait before a code is sent again
        app = make_app()
        if not ahead:
            app.PREPARE_AHEAD_AFTER = 3600.0  # nothing is composed ahead within the test
        async with app.run_test(size=(100, 40)) as pilot:
            composed_ahead_screens = []
            original_show = app._show

            def noted_show(screen, original_show=original_show, noted=composed_ahead_screens):
                noted.append(screen.is_running)  # composed ahead: running before it is shown
                original_show(screen)

            app._show = noted_show
            await path(pilot)
            await pilot.pause(0.3)
            assert any(composed_ahead_screens) is ahead and composed_ahead_screens[-1] is ahead
            looks.append(app.export_screenshot())
    assert looks[0] == looks[1]


async def test_a_stranger_gets_the_decoy_image_on_a_screen_composed_ahead(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        prepared = await composed_ahead(pilot)
        await type_document(pilot, UNKNOWN)
        assert app.screen is prepared
        decoy = service.security_display(service.identify(UNKNOWN))
        assert f"«{decoy.phrase}»" in screen_text(pilot)


async def test_nothing_composed_ahead_outlives_the_visit(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        first = await composed_ahead(pilot)
        await click(pilot, "#safe-exit")
        await pilot.pause()
        assert not first.is_attached

        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        assert isinstance(app.screen, KeyLoginScreen) and app.screen is not first
        assert "Flor" in screen_text(pilot)


async def test_an_idle_visit_takes_what_was_composed_ahead_with_it(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        prepared = await composed_ahead(pilot, MemberHomeScreen)  # should they log in
        app.idle_timeout = 0.5  # ...but they walk away
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen) and not prepared.is_attached)


async def test_a_screen_dropped_before_it_first_ran_is_removed(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        app.compose_ahead(app.runner.profile.step("key"))
        dropped = app.prepared["key"]
        app.drop_prepared()  # in the same turn of the event loop: its task has not run yet
        await pilot.pause(0.2)
        assert not dropped.is_attached


async def test_a_screen_composed_ahead_follows_a_terminal_resize(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        prepared = await composed_ahead(pilot)
        assert prepared.has_class("-narrow")
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        await type_document(pilot, ORDINARY)
        assert app.screen is prepared
        assert prepared.has_class("-wide") and not prepared.has_class("-narrow")
        assert prepared.size.width == 140


async def test_the_operators_other_institution_gets_its_own_first_step(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#institution-progressa")
        progressa = await composed_ahead(pilot)
        assert progressa.runner.profile.slug == "progressa"
        await pilot.press("f9")  # back to the choice: nothing of Progressa's waits
        await pilot.pause()
        assert isinstance(app.screen, DemoStartScreen)
        assert not app.prepared and not progressa.is_attached

        await click(pilot, "#institution-cooperen")
        cooperen = await composed_ahead(pilot)
        assert cooperen.runner.profile.slug == "cooperen"
        await click(pilot, "#start")
        assert app.screen is cooperen and app.screen.step.id == "access"


async def test_a_login_form_composed_overnight_shows_the_day_it_is_shown(make_app, clock):
    app = make_app(institution="cooperen")
    async with app.run_test(size=(100, 40)) as pilot:
        prepared = await composed_ahead(pilot)  # the first step, while the welcome screen waits
        clock.advance(days=1)
        await click(pilot, "#start")
        assert app.screen is prepared
        assert "Hoy es: Domingo, 22 de noviembre de 2026" in screen_text(pilot)


async def test_the_phone_turned_on_shows_on_a_screen_composed_ahead(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await click(pilot, "#institution-progressa")
        prepared = await composed_ahead(pilot)
        await pilot.press("f2")  # the operator turns the phone on while the first step waits off screen
        await pilot.pause()
        await click(pilot, "#start")
        assert app.screen is prepared
        assert prepared.query_one(PhonePanel).display  # beside the kiosk, as on a screen made now


class Tripwire:
    """A visit's context that no screen composed ahead may read."""

    def __getattr__(self, name):
        raise AssertionError(f"a screen composed ahead read the visit's {name!r}")

    def __setattr__(self, name, value):
        raise AssertionError(f"a screen composed ahead wrote the visit's {name!r}")


@pytest.mark.parametrize("slug", available_profiles())
async def test_screens_composed_ahead_read_nothing_of_the_visit(make_app, slug):
    profile = load_profile(slug, step_types=set(STEP_SCREENS))
    steps = [step for step in profile.steps if STEP_SCREENS[step.type].PREPARED_AHEAD]
    app = make_app(institution=slug)
    app.PREPARE_AHEAD_AFTER = 3600.0  # only what the test composes ahead (the step on display may read the visit)
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        app.runner.context = Tripwire()
        for step in steps:
            app.compose_ahead(step)
            prepared = await composed_ahead(pilot)
            assert prepared.step is step
        app.drop_prepared()
    assert steps  # every institution has some


async def test_a_screen_composed_ahead_whose_data_cannot_be_read_is_removed(make_app, service, monkeypatch):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        prepared = await composed_ahead(pilot)

        def unreachable(_identity):
            raise ConnectionError("the store went away")

        monkeypatch.setattr(service, "security_display", unreachable)
        await type_document(pilot, ORDINARY)
        assert isinstance(app.screen, DocumentScreen)
        assert "No pudimos completar la operación" in screen_text(pilot)
        await pilot.pause()
        assert not prepared.is_attached and prepared not in app.prepared.values()
