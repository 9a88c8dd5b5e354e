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
# Where a sending step sends: the channel the member chose (a channel_choice
# step before it) or a fixed one.
CHOSEN = "choice"
SEND_CHANNELS = (CHOSEN, *CHANNELS)
# What a code confirms: the core binds a code to its purpose, so a code sent for
# one never passes for another.  Named by the profile, never a step's id.
PURPOSES = ("recovery", "transactional_change", "contact_check")


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

# What a recovery link's e-mail may say (kiosk.core: send_recovery_link).
LINK_EMAIL_PLACEHOLDERS = ("name", "url", "token", "hours", "key", "policy")

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
    "channel_choice": {"text": text()},
    "notice": {
        "text": text(placeholders=("channel_phrase",)), "button": text(),
        # Sent as the notice is entered (before it shows): what, where.
        "send": name(("temporary_key",)), "channel": name(SEND_CHANNELS, "sms"),
        "code_digits": _CODE_DIGITS, "code_minutes": integer(1, 60, 10),
    },
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
        "temporary_hours": integer(1, 72, 24), "purpose": name(PURPOSES, required=True),
    },
    "code_entry": {
        "text": text(placeholders=("mobile", "email")),
        # The code is sent as the screen opens; it confirms the change an
        # earlier step prepared (for that step's purpose), else ``purpose``.
        "send": name(("code",), "code"), "channel": name(SEND_CHANNELS, "sms"),
        "purpose": name(PURPOSES, required=True),
        "code_digits": _CODE_DIGITS, "code_minutes": integer(1, 60, 5),
    },
    "key_change": {
        "hint": text(), "kind": name(KEY_KINDS, "login"), "key_length": _KEY_LENGTH,
        "ask_document": flag(), "document_label": text(), "current_label": text(), "button": text(),
        "banner": text(), "differ_from": name(KEY_KINDS), "challenge": flag(),
        "save_with_next": flag(), "confirm_by_code": flag(), "purpose": name(PURPOSES),
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
        "send": name(("link",), "link"), "channel": name(("email",), "email"),
        # The e-mail's own wording (the institution's): what the core fills in.
        "email_text": text(required=True, placeholders=LINK_EMAIL_PLACEHOLDERS),
        "email_subject": text(required=True),
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


# -- outcomes ---------------------------------------------------------------
#
# What a step's screen can report, and where an outcome goes when the profile
# gives it no route (``next``).  The runner (kiosk.flow.runner) is the only
# one that turns an outcome into the next step.

NEXT_STEP = "@next"  # the step after it in the profile's list
SAME_STEP = "@again"  # the same step again, anew (wrong answers, another attempt)
STAY = "@here"  # nothing moves: the screen shows why and the member stays
END_VISIT = "@welcome"  # the visit ends (kiosk.flow.profile.WELCOME)


@dataclass(frozen=True)
class Outcome:
    # Where it goes without a route: one of the places above, "=<outcome>" (as
    # that outcome goes), or None (the profile must route it).
    default: str | None = None
    # Whether a step can report it at all, from its parameters and the whole
    # profile (``when(params, profile)``); always if None.
    when: Any = None

    def possible(self, params: dict[str, Any], profile: Any) -> bool:
        return self.when is None or bool(self.when(params, profile))


def _param_set(param: str) -> Any:
    return lambda params, _profile: bool(params.get(param))


def _issues_transactional_keys(_params: dict[str, Any], profile: Any) -> bool:
    return any("transactional" in step.params.get("kinds", ()) for step in profile.steps)


def _asks_setup(_params: dict[str, Any], profile: Any) -> bool:
    return bool(profile.setting("security_image") or profile.setting("consent_version"))


_DONE = {"done": Outcome(NEXT_STEP)}
_BACK = {"back": Outcome()}
# A login's result (kiosk.core.service.Login.status) as an outcome: ``login_outcome``.
_LOGIN = {
    "ok": Outcome(),
    "change_required": Outcome(),
    # A temporary key a teller gave: where a temporary key goes unless routed apart.
    "office_change_required": Outcome("=change_required"),
    "transactional_change_required": Outcome(when=_issues_transactional_keys),
    "setup_required": Outcome(when=_asks_setup),
}
_QUESTIONS = {**_DONE, "again": Outcome(SAME_STEP), "leave": Outcome(END_VISIT)}

STEP_OUTCOMES: dict[str, dict[str, Outcome]] = {
    "document": {**_DONE, "forgot": Outcome(when=_param_set("forgot"))},
    "key_login": {**_LOGIN, "forgot": Outcome(), **_BACK},
    "channel_choice": {**_DONE, **_BACK},
    "notice": _DONE,
    "new_key": _DONE,
    "security_image": _DONE,
    "consent": {**_DONE, "refused": Outcome()},
    "member_home": _DONE,
    "terms": _DONE,
    "login_form": {**_LOGIN, "forgot": Outcome(), "first_access": Outcome(when=_param_set("first_access"))},
    "recovery_form": {**_DONE, **_BACK},
    # An expired code: the screen says so and the member may ask for another,
    # unless the procedure starts again elsewhere.
    # No contact on file for the code's channel (a member or a decoy alike):
    # the profile says where such a member is sent (an office's notice).
    "code_entry": {**_DONE, "expired": Outcome(STAY), "no_contact": Outcome()},
    "key_change": _DONE,
    "personal_questions": _QUESTIONS,
    "shown_temporary_key": _DONE,
    "key_entry": {**_LOGIN, "forgot": Outcome(when=_param_set("forgot"))},
    "recovery_link": {**_DONE, **_BACK},
    "link_token": _DONE,
    "confirm_contacts": {**_DONE, "wrong": Outcome()},
    "product_questions": _QUESTIONS,
}

# The core's login statuses, each as the outcome a login step reports.
_LOGIN_STATUSES = {status: status for status in _LOGIN} | {"login_change_required": "change_required"}


def login_outcome(status: str) -> str:
    """The outcome for a login's status: the one place a core result becomes a
    flow outcome.  An unknown status is a bug in the core, not a route."""
    try:
        return _LOGIN_STATUSES[status]
    except KeyError:
        raise ValueError(f"no outcome for the login status {status!r}") from None


def possible_outcomes(step_type: str, params: dict[str, Any], profile: Any) -> dict[str, Outcome]:
    """The outcomes a step of ``step_type`` with ``params`` can report in ``profile``."""
    return {name: spec for name, spec in STEP_OUTCOMES[step_type].items() if spec.possible(params, profile)}
