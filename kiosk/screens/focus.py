"""Where the focus is on a step screen, in one place: on the field the member
fills first as the screen is shown, on the field in error after a refusal.
A key field only the scrambled keypad types into (``PadKeyField``) is reached
through its pad: the focus goes to the pad's first key, aimed at that field.

``kiosk.screens.base.StepScreen`` calls these; a screen says only which of its
fields comes first (``FIRST_FIELD``) where that is not the document number or
the first field on its card, and which field a refusal points to where the
common table below does not say it (``REFUSAL_FIELDS``).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.screen import Screen
from textual.widget import Widget

from kiosk.widgets.key_field import PadKeyField
from kiosk.widgets.typing_pad import TypingPad

# The field a member fills first, where the form has it: digits typed at once
# go into the document number, not into the list of document types before it.
FIRST_FIELDS = ("#document",)

# A refusal's reason -> the field it is about, as the core's reasons are the
# same on every screen.  The first selector the screen has wins; a reason not
# here (or a screen without that field) points to the screen's first field.
REFUSAL_FIELDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("document_empty", "document_length", "document_format", "document_type"), ("#document",)),
    **dict.fromkeys(("wrong_current",), ("#current",)),
    **dict.fromkeys(("mismatch",), ("#confirmation",)),
    **dict.fromkeys(
        ("length", "repeated", "sequential", "mirrored", "almost_repeated", "common", "year", "personal",
         "name_fragment", "reused", "same_as_temporary", "same_as_other_key", "not_digits", "keypad"),
        ("#key", "#keypad"),
    ),
    **dict.fromkeys(("wrong_key", "wrong_temporary_key", "blocked", "key_empty"), ("#key", "#keypad")),
    **dict.fromkeys(("wrong_code", "code_used", "code_dead", "no_code", "code_expired", "code_empty"), ("#code",)),
    **dict.fromkeys(("link_invalid", "link_used", "link_expired", "link_dead", "token_empty"), ("#token",)),
    **dict.fromkeys(("link_identity",), ("#document", "#token")),
    "captcha": ("#robot Input",),
    "email_format": ("#email",),
    "image_missing": ("#picker",),
    **dict.fromkeys(("phrase_empty", "phrase_invalid", "control_characters"), ("#phrase",)),
}


def card_fields(screen: Screen) -> list[Widget]:
    """What can take the focus on the step's card, in the order the card
    lists it (never «Salida segura» nor the demo phone, which are off the
    card).  Not the focus chain's order: before the screen's first layout it
    sorts by regions not yet known."""
    focusable = set(screen.focus_chain)
    return [widget for widget in screen.query("#card *") if widget in focusable]


def _found(screen: Screen, selectors: tuple[str, ...] | list[str]) -> Widget | None:
    fields = card_fields(screen)
    for selector in selectors:
        for widget in screen.query(f"#card {selector}"):
            if widget in fields or _pad_for(screen, widget) is not None:
                return widget
    return None


def first_field(screen: Screen, preferred: str | None = None) -> Widget | None:
    """The field the member fills first: ``preferred``, else the document
    number, else the first field on the card."""
    chosen = _found(screen, [preferred, *FIRST_FIELDS] if preferred else list(FIRST_FIELDS))
    if chosen is not None:
        return chosen
    fields = card_fields(screen)
    return fields[0] if fields else None


def field_in_error(
    screen: Screen, reason: str, own: Mapping[str, str] | None = None, preferred: str | None = None
) -> Widget | None:
    """The field a refusal with ``reason`` is about: the screen's own table
    first, then the common one, else the screen's first field."""
    selectors = [own[reason]] if own and reason in own else []
    selectors += REFUSAL_FIELDS.get(reason, ())
    return _found(screen, selectors) or first_field(screen, preferred)


def _pad_for(screen: Screen, field: Widget) -> TypingPad | None:
    """The pad that alone types into ``field`` (a key field typed on the keypad only)."""
    if not isinstance(field, PadKeyField):
        return None
    return next((pad for pad in screen.query(TypingPad) if field.id in pad.targets), None)


def focus_field(screen: Screen, field: Widget | None) -> None:
    """Focus ``field``; a pad-only key field: its pad, on its first key, typing into it."""
    if field is None:
        return
    pad = _pad_for(screen, field)
    if pad is None:
        field.focus()
        return
    # The field first, so its pad shows and aims at it, then the pad's first key.
    if field.focusable:
        field.focus()
    pad.cursor = 0
    pad.focus()
