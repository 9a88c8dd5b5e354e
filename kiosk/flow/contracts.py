"""What a profile may say: the parameters each step type takes, and the
profile-wide settings, each with its type, range and default.

Read when a profile is loaded (``kiosk.flow.profile``), before any screen is
imported: this module imports nothing of the kiosk.  A parameter a screen
reads (``step.param``, ``profile.setting``) is declared here, so that a wrong
type or range stops the kiosk with one line at start, not a traceback (or
«Vence en -5 minutos») on a member's screen.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

# kiosk.core.members.DOCUMENT_TYPES (not imported: it brings the store).
DOCUMENT_TYPES = ("CC", "CE", "TI", "PA", "NIT")
KEY_KINDS = ("login", "transactional")
CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: ``kind`` is "text" (shown, translated), "name" (an
    identifier), "int", "bool", "texts" or "names" (lists)."""

    kind: str
    default: Any = None
    required: bool = False
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] | None = None
    # For a text filled in with str.format: the placeholders it may use.
    placeholders: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable (Spanish, for the operator), or None."""
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
                return f"debe ser un número entero entre {self.low} y {self.high}, no {shown(value)}"
        elif self.kind == "bool":
            if not isinstance(value, bool):
                return f"debe ser true o false, no {shown(value)}"
        elif self.kind in ("text", "name"):
            if not isinstance(value, str) or (self.required and not value.strip()):
                return f"debe ser un texto, no {shown(value)}"
            if self.choices is not None and value not in self.choices:
                return f"debe ser uno de {', '.join(self.choices)}, no {shown(value)}"
            unknown = sorted(_fields(value) - set(self.placeholders)) if self.kind == "text" else []
            if unknown:
                allowed = ", ".join(f"{{{name}}}" for name in self.placeholders) or "ninguno"
                return f"usa {{{unknown[0]}}}, que no existe (se puede usar: {allowed})"
        elif self.kind in ("texts", "names"):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                return f"debe ser una lista de textos, no {shown(value)}"
            if self.kind == "names" and not value:
                return "no puede ser una lista vacía"
            wrong = [item for item in value if self.choices is not None and item not in self.choices]
            if wrong:
                return f"cada elemento debe ser uno de {', '.join(self.choices)}, no {shown(wrong[0])}"
        return None


def _fields(text: str) -> set[str]:
    try:
        return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:  # an unmatched brace: never formatted, so only its own placeholders matter
        return set()


def shown(value: Any) -> str:
    """``value`` as the profile's TOML spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "una tabla"
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    return str(value)


def text(default: str = "", required: bool = False, placeholders: tuple[str, ...] = ()) -> ParamSpec:
    return ParamSpec("text", default, required, placeholders=placeholders)


def integer(low: int, high: int, default: int | None = None, required: bool = False) -> ParamSpec:
    return ParamSpec("int", default, required, low, high)


def flag(default: bool = False) -> ParamSpec:
    return ParamSpec("bool", default)


def name(choices: tuple[str, ...] | None, default: str | None = None, required: bool = False) -> ParamSpec:
    return ParamSpec("name", default, required, choices=choices)


def texts(default: tuple[str, ...] = ()) -> ParamSpec:
    return ParamSpec("texts", list(default))


def names(choices: tuple[str, ...], default: tuple[str, ...] = (), required: bool = False) -> ParamSpec:
    return ParamSpec("names", list(default), required, choices=choices)


# What a profile names outside its steps.
PROFILE_FIELDS: dict[str, ParamSpec] = {
    "slug": name(None, required=True),
    "name": text(required=True),
    "portal": text(required=True),
    "start": name(None, required=True),
    # Settings, read through ``profile.setting``.
    "key_length": integer(4, 12, required=True),
    "max_failed_tries": integer(1, 10, 3),
    "key_history": integer(0, 24, 3),
    "document_types": names(DOCUMENT_TYPES, DOCUMENT_TYPES),  # the forms' list; every type if none
    "eligible_products": texts(),
    "security_image": flag(),
    "consent_version": name(None),
}

# Every step has these (the screen's title heads its card).
COMMON_PARAMS: dict[str, ParamSpec] = {"title": text(required=True)}

_KEY_LENGTH = integer(4, 12)  # a step's own key length; else the profile's key_length
_CODE_DIGITS = integer(4, 10, 6)
_NOTES = texts()

# Step type -> the parameters it takes besides ``title`` (and id, type, next).
STEP_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "document": {
        "label": text(), "button": text(), "no_paste": flag(), "forgot": text(),
        "forgot_user": text(), "forgot_user_help": text(), "notes": _NOTES,
    },
    "key_login": {"hint": text(), "show_security_image": flag()},
    "channel_choice": {"text": text(), "code_digits": _CODE_DIGITS, "code_minutes": integer(1, 60, 10)},
    "notice": {"text": text(placeholders=("channel_phrase",)), "button": text()},
    "new_key": {"hint": text(), "key_length": _KEY_LENGTH, "save_later": flag()},
    "security_image": {"text": text(), "save_later": flag()},
    "consent": {"text": text(), "policy": text(required=True)},
    "member_home": {},
    "terms": {"text": text(required=True), "button": text()},
    "login_form": {
        "show_date": flag(), "notice": text(), "text": text(), "document_label": text(),
        "key_label": text(), "first_access": text(), "forgot": text(), "button": text(),
        "help": text(), "tips_title": text(), "tips": _NOTES,
    },
    "recovery_form": {
        "note": text(), "kinds": names(KEY_KINDS, ("login",)),
        "temporary_hours": integer(1, 72, 24),
    },
    "code_entry": {
        "text": text(placeholders=("mobile", "email")), "channel": name(CHANNELS, "sms"),
        "code_digits": _CODE_DIGITS, "code_minutes": integer(1, 60, 5),
    },
    "key_change": {
        "hint": text(), "kind": name(KEY_KINDS, "login"), "key_length": _KEY_LENGTH,
        "ask_document": flag(), "document_label": text(), "current_label": text(), "button": text(),
        "banner": text(), "differ_from": name(KEY_KINDS), "challenge": flag(),
        "save_with_next": flag(), "confirm_by_code": flag(),
    },
    "personal_questions": {
        "email_label": text(), "captcha_prompt": text(), "button": text(),
        "max_attempts": integer(1, 10, 3), "lockout_hours": integer(1, 168, 24),
        "max_failed_sets": integer(1, 20, 4), "temporary_digits": integer(4, 12, 4),
        "temporary_minutes": integer(1, 1440, 30),
    },
    "shown_temporary_key": {"text": text(), "hint": text(), "seconds": integer(3, 120, 11), "button": text()},
    "key_entry": {"label": text(), "button": text(), "forgot": text(), "notes": _NOTES},
    "recovery_link": {
        "text": text(), "label": text(), "button": text(), "link_hours": integer(1, 72, 24),
        "with_temporary_key": flag(True), "policy": text(),
    },
    "link_token": {"text": text(), "confirm_identity": flag()},
    "confirm_contacts": {"text": text(), "button": text(), "wrong_button": text()},
    "product_questions": {
        "button": text(), "max_attempts": integer(1, 10, 3), "lockout_hours": integer(1, 168, 24),
        "max_failed_sets": integer(1, 20, 4),
    },
}


def step_params(step_type: str) -> dict[str, ParamSpec]:
    return {**COMMON_PARAMS, **STEP_PARAMS[step_type]}
