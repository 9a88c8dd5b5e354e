"""The look of every Progressa screen at 80x24, the smallest terminal the
kiosk supports.  Keypad layouts are seeded and cursors frozen, so the
snapshots are the same from run to run.  Update with --snapshot-update after
looking at the new SVGs."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from kiosk.core.outbox import SMS
from kiosk.widgets.countdown import Countdown
from tests.helpers import ORDINARY, VISIT, captcha_token, choose_image, click, keypad_type

SIZE = (80, 24)


async def freeze(pilot) -> None:
    """Stop what moves on its own: blinking cursors, a button's 0.2 s press flash."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for button in pilot.app.screen.query(Button):
        button.remove_class("-active")
    await pilot.pause()


def at_step(step: str, document: str = ORDINARY, proof: bool = False, channel: str | None = None):
    """A run_before that puts the kiosk on ``step`` as a visit would have."""

    async def run_before(pilot) -> None:
        app = pilot.app
        identity = app.service.identify(document)
        app.runner.context.identity = identity
        app.runner.context.channel = channel
        if proof:
            app.runner.context.proof = app.service.login(identity, "582017").proof
        app.runner.go(step)
        await pilot.pause()
        await freeze(pilot)

    return run_before


def test_welcome(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_welcome_in_english(snap_compare, make_app):
    async def run_before(pilot):
        await click(pilot, "#language")
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_user_step(snap_compare, make_app):
    async def run_before(pilot):
        await click(pilot, "#start")
        await pilot.press(*ORDINARY)
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_user_step_with_bad_document(snap_compare, make_app):
    async def run_before(pilot):
        await click(pilot, "#start")
        await pilot.press(*"1.010.123", "enter")
        await pilot.app.workers.wait_for_complete()
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_key_step_with_security_image(snap_compare, make_app):
    async def run_before(pilot):
        await at_step("key")(pilot)
        await keypad_type(pilot, "58")
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_channel_choice(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("channel"))


def test_sent_notice(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("sent", channel=SMS))


def test_new_key(snap_compare, make_app):
    async def run_before(pilot):
        await at_step("new_key", proof=True)(pilot)
        await keypad_type(pilot, "729")
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_new_key_mismatch(snap_compare, make_app):
    async def run_before(pilot):
        await at_step("new_key", proof=True)(pilot)
        await keypad_type(pilot, "729418")
        await click(pilot, "#continue")
        await keypad_type(pilot, "729481")
        await click(pilot, "#continue")
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_security_image(snap_compare, make_app):
    async def run_before(pilot):
        await at_step("security_image", proof=True)(pilot)
        await choose_image(pilot, "pez")
        pilot.app.screen.query_one("#phrase", Input).value = "Mi perro se llama Tango"
        await freeze(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_consent(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("consent", proof=True))


def test_consent_refused(snap_compare, make_app):
    """«No permitir»: the member reads that nothing was saved."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("not_saved", proof=True))


def test_done(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("done", proof=True))


def test_member_home(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=at_step("home", proof=True))


@pytest.mark.parametrize("pin", [None, "2468"])
def test_operator_exit(snap_compare, make_app, pin):
    async def run_before(pilot):
        await pilot.press("f10")
        await freeze(pilot)

    assert snap_compare(make_app(operator_pin=pin), terminal_size=SIZE, run_before=run_before)


# -- Coasmedas ---------------------------------------------------------------

COASMEDAS = "7602264"


def coasmedas_at(step: str, signed_in: bool = False, fields: dict[str, str] | None = None):
    async def run_before(pilot) -> None:
        app = pilot.app
        identity = app.service.identify(COASMEDAS)
        app.runner.context.identity = identity
        if signed_in:
            app.runner.context.proof = app.service.login(identity, "5830").proof
        if step.endswith("_code"):
            app.runner.context.pending = app.service.prepare_key_change(
                identity, ("login",), "3907", "3907", 4, purpose=step,
                captcha=captcha_token(app.service), visit=VISIT,
            )
        app.runner.go(step)
        await pilot.pause()
        for field_id, text in (fields or {}).items():
            pilot.app.screen.query_one(f"#{field_id}", Input).value = text
        await pilot.app.workers.wait_for_complete()
        await freeze(pilot)

    return run_before


@pytest.mark.parametrize(
    "step, signed_in, fields",
    [
        ("terms", False, None),
        ("login", False, {"document": COASMEDAS, "key": "5830"}),
        ("recovery", False, {"document": COASMEDAS, "key": "8754", "confirmation": "8754"}),
        ("recovery_code", False, {"code": "12"}),
        ("recovery_done", False, None),
        ("change_login", True, {"current": "5830"}),
        ("change_transactional", True, None),
        ("home", True, None),
    ],
)
def test_coasmedas_screens(snap_compare, make_app, step, signed_in, fields):
    app = make_app(institution="coasmedas")
    assert snap_compare(app, terminal_size=SIZE, run_before=coasmedas_at(step, signed_in, fields))


# -- Cooperen ----------------------------------------------------------------

COOPEREN = "12147"


def cooperen_at(step: str, banner: str | None = None, shown_key: str | None = None):
    async def run_before(pilot) -> None:
        app = pilot.app
        app.runner.context.identity = app.service.identify(COOPEREN)
        app.runner.context.banner = banner
        app.runner.context.shown_key = shown_key
        app.runner.go(step)
        await pilot.pause()
        for countdown in app.screen.query(Countdown):
            countdown.pause()  # frozen at its first second
        await freeze(pilot)

    return run_before


@pytest.mark.parametrize(
    "step, banner, shown_key",
    [
        ("access", None, None),
        ("access", "Cambio realizado con éxito, ingrese los nuevos datos", None),
        ("forgot", None, None),
        ("questions", None, None),
        ("shown_key", None, "2315"),
        ("change", None, None),
    ],
)
def test_cooperen_screens(snap_compare, make_app, step, banner, shown_key):
    app = make_app(institution="cooperen")
    assert snap_compare(app, terminal_size=SIZE, run_before=cooperen_at(step, banner, shown_key))


# -- Cootrasena --------------------------------------------------------------

COOTRASENA = "52345678"


def cootrasena_at(step: str, fields: dict[str, str] | None = None):
    async def run_before(pilot) -> None:
        app = pilot.app
        app.runner.context.identity = app.service.identify(COOTRASENA)
        app.runner.go(step)
        await pilot.pause()
        for field_id, text in (fields or {}).items():
            app.screen.query_one(f"#{field_id}", Input).value = text
        await freeze(pilot)

    return run_before


@pytest.mark.parametrize(
    "step, fields",
    [
        ("user", {"document": COOTRASENA}),
        ("password", {"key": "6049"}),
        ("forgot", None),
        ("sent", None),
        ("link", {"token": "KIZS-CNM5-MATO-PYVE-VY6B-FF25"}),
        ("change", None),
    ],
)
def test_cootrasena_screens(snap_compare, make_app, step, fields):
    app = make_app(institution="cootrasena")
    assert snap_compare(app, terminal_size=SIZE, run_before=cootrasena_at(step, fields))


# -- Banco Caja Social --------------------------------------------------------

BCS = "1019283746"


def bcs_at(step: str, proof_via: str | None = None):
    async def run_before(pilot) -> None:
        from kiosk.core.service import Proof

        app = pilot.app
        identity = app.service.identify(BCS)
        app.runner.context.identity = identity
        if proof_via:
            app.runner.context.proof = Proof(identity.member_id, proof_via)
        app.runner.go(step)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await freeze(pilot)

    return run_before


@pytest.mark.parametrize(
    "step, proof_via",
    [
        ("login", None),
        ("forgot", None),
        ("link", None),
        ("contacts", None),
        ("code", None),
        ("questions", "code_verified"),
        ("new_password", "questions"),
        ("done", None),
        ("update_contacts", None),
    ],
)
def test_bancocajasocial_screens(snap_compare, make_app, step, proof_via):
    app = make_app(institution="bancocajasocial")
    assert snap_compare(app, terminal_size=SIZE, run_before=bcs_at(step, proof_via))
