"""Each institution's whole recovery as a member with no keyboard walks it
(issue 20): from the welcome screen to a new key and a login with it, by taps
on buttons and on-screen keys only.

Nothing here presses a key or sets a field's value: every character goes in
through a tap on the pad the kiosk shows for its field (numeric pad, scrambled
keypad, on-screen keyboard, captcha pad), every choice through a tap on its
button.  What a member would read on the phone or in the inbox (codes,
temporary keys, the link's code) comes from the outbox; what a member knows
(the answers to the security questions) from the demo data.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet

from kiosk.core.questions import MONTHS, PRODUCT_DIGITS, format_birth_date, format_mobile
from kiosk.core.service import KioskService
from kiosk.demo_members import DemoMember, demo_members
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.widgets import ScrambledKeypad, SecurityImagePicker
from kiosk.widgets.keyboard import SHIFT, OnScreenKeyboard
from kiosk.widgets.typing_pad import CLEAR, TypingPad
from tests.helpers import click, code_in, latest_message, member, settle, tap_key, wait_until

# The new keys the walks set, each meeting its institution's rules.
NEW_KEYS = {
    "progressa": "749261",
    "coasmedas": ("3907", "6138"),  # login key, transactional key
    "cooperen": "58203",
    "cootrasena": "729418",
    "bancocajasocial": "58136427",
}
COASMEDAS_TEMPORARY = "8754"
PROGRESSA_IMAGE, PROGRESSA_PHRASE = "pez", "Mi perro se llama Tango"

# The member each walk recovers (the first demo member of each institution: the ordinary one).
MEMBERS = {
    "progressa": "1010123456",
    "coasmedas": "7602264",
    "cooperen": "12147",
    "cootrasena": "52345678",
    "bancocajasocial": "1019283746",
}


def demo_member(slug: str) -> DemoMember:
    return next(d for d in demo_members() if d.institution == slug and d.document == MEMBERS[slug])


# -- taps --------------------------------------------------------------------------


async def tap_widget(pilot: Pilot, widget: Widget) -> None:
    """Tap a widget found on the screen (a radio button, say)."""
    widget.scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(widget), f"could not tap {widget!r}"
    await settle(pilot)


def _pad_typing_into(pilot: Pilot, field_id: str) -> TypingPad | None:
    shown = [pad for pad in pilot.app.screen.query(TypingPad) if field_id in pad.targets and pad.display]
    return shown[0] if shown else None


async def tap_characters(pilot: Pilot, pad: TypingPad, text: str) -> None:
    """Tap each character of ``text`` on ``pad`` (on the keyboard, a capital
    letter is Mayús, the letter, Mayús again)."""
    for character in text:
        capital = isinstance(pad, OnScreenKeyboard) and character.isalpha() and character.isupper()
        if capital:
            await tap_key(pilot, pad, pad.key_index(SHIFT))
            await pilot.pause()
        await pilot.pause()  # the layout a tap must hit is the one shown now (the scrambled keypad's)
        await tap_key(pilot, pad, pad.key_index(character.lower() if capital else character))
        if capital:
            await pilot.pause()
            await tap_key(pilot, pad, pad.key_index(SHIFT))
    await pilot.pause()


async def tap_into(pilot: Pilot, field_id: str, text: str, expected: str | None = None) -> None:
    """Tap the field (which brings its pad), empty it with «Limpiar» if it
    holds anything, and tap ``text`` on the pad; check the field then holds
    ``expected`` (``text`` unless told)."""
    await click(pilot, f"#{field_id}")
    await wait_until(pilot, lambda: _pad_typing_into(pilot, field_id) is not None, f"the pad of #{field_id}")
    pad = _pad_typing_into(pilot, field_id)
    field = pilot.app.screen.query_one(f"#{field_id}", Input)
    if field.value:
        await tap_key(pilot, pad, pad.key_index(CLEAR))
        await pilot.pause()
    await tap_characters(pilot, pad, text)
    want = text if expected is None else expected
    await wait_until(pilot, lambda: field.value == want, f"#{field_id} to hold what was tapped")


async def tap_key_alone(pilot: Pilot, digits: str) -> None:
    """A key on the screen's scrambled keypad that holds the key itself (no field)."""
    keypad = pilot.app.screen.query_one("#keypad", ScrambledKeypad)
    await tap_characters(pilot, keypad, digits)
    await wait_until(pilot, lambda: keypad.value == digits, "the keypad to hold the key tapped")


async def tap_captcha(pilot: Pilot) -> None:
    """The «No soy un robot» answer, tapped on the pad its field brings (a
    test may know the answer; a script reading the screen does not)."""
    from kiosk.widgets import RobotCheck

    answer = pilot.app.screen.query_one(RobotCheck).captcha.answer
    await tap_into(pilot, "captcha-answer", answer)


async def at_step(pilot: Pilot, step_id: str) -> None:
    def there() -> bool:
        step = getattr(pilot.app.screen, "step", None)
        return step is not None and step.id == step_id

    await wait_until(pilot, there, f"the step {step_id!r}")


async def at_home(pilot: Pilot) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MemberHomeScreen), "the member's home")


def newest_body(service: KioskService, document: str) -> str:
    return latest_message(service, document).body


# -- questions ---------------------------------------------------------------------


def demo_answer(demo: DemoMember, question: str, options: list[str]) -> str:
    """The option the member knows is theirs: birth date, mobile, a product's
    last digits or the month it was opened (of the product the question names,
    when it names one)."""
    named = [p for p in demo.products if p[0].lower() in question.lower()]
    products = named or demo.products
    truths = {format_birth_date(demo.birth_date), format_mobile(demo.mobile or "")}
    truths |= {number[-PRODUCT_DIGITS:] for _kind, number, _opened in products}
    truths |= {MONTHS[opened.month - 1] for _kind, _number, opened in products}
    mine = [option for option in options if option in truths]
    assert len(mine) == 1, f"{question!r}: the member's answer among {options} is {mine}"
    return mine[0]


async def answer_questions(pilot: Pilot, demo: DemoMember) -> None:
    """Tap, on each question, the option the member knows."""
    for radios in list(pilot.app.screen.query(RadioSet)):
        question = str(radios.parent.query_one(Label).render())
        buttons = list(radios.query(RadioButton))
        right = demo_answer(demo, question, [b.name for b in buttons])
        await tap_widget(pilot, next(b for b in buttons if b.name == right))
        assert radios.pressed_button is not None and radios.pressed_button.name == right


# -- the walks ---------------------------------------------------------------------


async def sign_in(pilot: Pilot, document: str, key: str) -> None:
    """A login form: the document and the key by taps, then «Continuar»."""
    await tap_into(pilot, "document", document)
    await tap_into(pilot, "key", key)
    await click(pilot, "#continue")


async def change_key(pilot: Pilot, current: str, new_key: str) -> None:
    """A key change form: the current key, the new one and its confirmation, by taps."""
    await tap_into(pilot, "current", current)
    await tap_into(pilot, "key", new_key)
    await tap_into(pilot, "confirmation", new_key)


async def recover_progressa(pilot: Pilot, service: KioskService) -> None:
    """User, «Olvidé mi clave», SMS with a temporary key, the temporary key as
    the access key, a new 6-digit key twice, image and phrase, «Permitir», and
    the login with the new key."""
    document, new_key = MEMBERS["progressa"], NEW_KEYS["progressa"]
    await click(pilot, "#start")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "key")
    await click(pilot, "#forgot")
    await at_step(pilot, "channel")
    await click(pilot, "#continue")  # SMS, chosen already
    await at_step(pilot, "sent")
    temporary = code_in(latest_message(service, document))
    await click(pilot, "#continue")  # «Ir a ingresar usuario»
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "key")
    await tap_key_alone(pilot, temporary)
    await click(pilot, "#continue")
    await at_step(pilot, "new_key")
    for _twice in range(2):  # the key, then its confirmation
        await tap_key_alone(pilot, new_key)
        await click(pilot, "#continue")
    await at_step(pilot, "security_image")
    picker = pilot.app.screen.query_one(SecurityImagePicker)
    await tap_key(pilot, picker, picker.image_index(PROGRESSA_IMAGE))
    await wait_until(pilot, lambda: picker.chosen == PROGRESSA_IMAGE, "the image chosen")
    await tap_into(pilot, "phrase", PROGRESSA_PHRASE)
    await click(pilot, "#continue")
    await at_step(pilot, "consent")
    await click(pilot, "#allow")
    await at_step(pilot, "done")
    await click(pilot, "#continue")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "key")
    await tap_key_alone(pilot, new_key)
    await click(pilot, "#continue")
    await at_home(pilot)


async def recover_coasmedas(pilot: Pilot, service: KioskService) -> None:
    """Terms, «Recuperar Contraseña» with a temporary key of her own and the
    captcha, the SMS code, login with the temporary key, the forced change of
    the login key, then of the transactional key with the captcha and a second
    SMS code, to her home."""
    document, temporary = MEMBERS["coasmedas"], COASMEDAS_TEMPORARY
    login_key, transactional_key = NEW_KEYS["coasmedas"]
    await click(pilot, "#start")
    await click(pilot, "#accept")
    await at_step(pilot, "login")
    await click(pilot, "#forgot")
    await at_step(pilot, "recovery")
    await tap_into(pilot, "document", document)
    await tap_into(pilot, "key", temporary)
    await tap_into(pilot, "confirmation", temporary)
    await tap_captcha(pilot)
    await click(pilot, "#continue")
    await at_step(pilot, "recovery_code")
    await tap_into(pilot, "code", code_in(latest_message(service, document)))
    await click(pilot, "#continue")
    await at_step(pilot, "recovery_done")
    await click(pilot, "#continue")  # «Volver»
    await at_step(pilot, "login")
    await sign_in(pilot, document, temporary)
    await at_step(pilot, "change_login")
    await change_key(pilot, temporary, login_key)
    await click(pilot, "#continue")
    await at_step(pilot, "change_transactional")
    await change_key(pilot, temporary, transactional_key)
    await tap_captcha(pilot)
    await click(pilot, "#continue")
    await at_step(pilot, "transactional_code")
    await tap_into(pilot, "code", code_in(latest_message(service, document)))
    await click(pilot, "#continue")
    await at_home(pilot)


async def recover_cooperen(pilot: Pilot, service: KioskService) -> None:
    """«¿Olvidó su clave?», the document, the e-mail on the keyboard, the
    questions by taps, the captcha, the temporary key (e-mailed too), the
    forced change to a 5-digit key, and the login with it."""
    document, new_key = MEMBERS["cooperen"], NEW_KEYS["cooperen"]
    demo = demo_member("cooperen")
    await click(pilot, "#start")
    await at_step(pilot, "access")
    await click(pilot, "#forgot")
    await at_step(pilot, "forgot")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "questions")
    await tap_into(pilot, "email", demo.email)
    keyboard = pilot.app.screen.query_one(OnScreenKeyboard)
    questions = pilot.app.screen.query_one("#questions")
    if not questions.display:  # the keyboard covers them: «Listo» brings them back
        await tap_key(pilot, keyboard, keyboard.key_index("done"))
        await wait_until(pilot, lambda: questions.display, "the questions shown again")
    await answer_questions(pilot, demo)
    await tap_captcha(pilot)
    await click(pilot, "#continue")
    await at_step(pilot, "shown_key")
    temporary = code_in(latest_message(service, document))  # the e-mail that carries it
    await click(pilot, "#continue")  # «Ir a control de Acceso», before the countdown closes it
    await at_step(pilot, "access")
    await sign_in(pilot, document, temporary)
    await at_step(pilot, "change")
    await change_key(pilot, temporary, new_key)
    await click(pilot, "#continue")
    await at_step(pilot, "access")
    await sign_in(pilot, document, new_key)
    await at_home(pilot)


def link_mail(service: KioskService, document: str, subject: str) -> str:
    mail = service.messages_for(member(service.engine, document).id, limit=10)
    return next(m.body for m in mail if m.subject == subject)


def link_code(body: str) -> str:
    return re.search(r"Código del enlace: ([A-Z0-9-]+)", body).group(1)


async def recover_cootrasena(pilot: Pilot, service: KioskService) -> None:
    """«¿Olvidó su contraseña?», the document, the e-mail's link code on the
    keyboard, the change of the e-mailed temporary key, and the two-step login."""
    document, new_key = MEMBERS["cootrasena"], NEW_KEYS["cootrasena"]
    await click(pilot, "#start")
    await at_step(pilot, "user")
    await click(pilot, "#forgot")
    await at_step(pilot, "forgot")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "sent")
    body = link_mail(service, document, "Solicitud de recuperación de contraseña")
    temporary = re.search(r"contraseña temporal: (\d+)", body).group(1)
    await click(pilot, "#continue")
    await at_step(pilot, "link")
    await tap_into(pilot, "token", link_code(body).lower())  # as a member types it, without Mayús
    await click(pilot, "#continue")
    await at_step(pilot, "change")
    await change_key(pilot, temporary, new_key)
    await click(pilot, "#continue")
    await at_step(pilot, "user")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "password")
    await tap_into(pilot, "key", new_key)
    await click(pilot, "#continue")
    await at_home(pilot)


async def recover_bancocajasocial(pilot: Pilot, service: KioskService) -> None:
    """«¿Olvidó su contraseña?», the document, the e-mailed link's code and the
    document again on the keyboard, the contacts confirmed, the e-mailed code,
    the product questions, the new password twice, and the login with it."""
    document, new_key = MEMBERS["bancocajasocial"], NEW_KEYS["bancocajasocial"]
    demo = demo_member("bancocajasocial")
    await click(pilot, "#start")
    await at_step(pilot, "login")
    await click(pilot, "#forgot")
    await at_step(pilot, "forgot")
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "sent")
    token = link_code(newest_body(service, document))
    await click(pilot, "#continue")
    await at_step(pilot, "link")
    await tap_into(pilot, "token", token.lower())
    await tap_into(pilot, "document", document)
    await click(pilot, "#continue")
    await at_step(pilot, "contacts")
    await click(pilot, "#continue")  # «Son correctos: enviar código»
    await at_step(pilot, "code")
    code = re.search(r"código de seguridad es (\d{6})", newest_body(service, document)).group(1)
    await tap_into(pilot, "code", code)
    await click(pilot, "#continue")
    await at_step(pilot, "questions")
    await answer_questions(pilot, demo)
    await click(pilot, "#continue")
    await at_step(pilot, "new_password")
    await tap_into(pilot, "key", new_key)
    await tap_into(pilot, "confirmation", new_key)
    await click(pilot, "#continue")
    await at_step(pilot, "done")
    await click(pilot, "#continue")
    await at_step(pilot, "login")
    await sign_in(pilot, document, new_key)
    await at_home(pilot)


Walk = Callable[[Pilot, KioskService], Awaitable[None]]
WALKS: dict[str, Walk] = {
    "progressa": recover_progressa,
    "coasmedas": recover_coasmedas,
    "cooperen": recover_cooperen,
    "cootrasena": recover_cootrasena,
    "bancocajasocial": recover_bancocajasocial,
}
