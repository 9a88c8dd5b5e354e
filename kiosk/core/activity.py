"""The member card's activity lines in words a teller reads: who did it
(«el asociado», «asesor Ana Gómez», «administrador root») and the detail with
the store's own names (purposes, channels, key kinds, ``teller:5``) said in
Spanish.  The audit rows keep their stored form; only what is shown changes.
Each phrase is an untranslated msgid, translated where shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kiosk.i18n import N_, _

# Names the store uses inside details, as whole words (longest first in the pattern).
WORDS = {
    # code and link purposes (the step that asked for them)
    "code": N_("código"),
    "recovery_code": N_("código de recuperación"),
    "transactional_code": N_("código transaccional"),
    "temporary_key": N_("clave temporal"),
    "link": N_("enlace"),
    "link_with_key": N_("enlace con clave temporal"),
    "recovery": N_("recuperación"),
    "change": N_("cambio de clave"),
    "change_login": N_("cambio de la clave de ingreso"),
    "change_transactional": N_("cambio de la clave transaccional"),
    "new_password": N_("nueva contraseña"),
    "new_key": N_("nueva clave"),
    "office_change": N_("cambio de clave en oficina"),
    # key kinds, after «clave» (and alone)
    "login": N_("de ingreso"),
    "transactional": N_("transaccional"),
    # channels and contact fields
    "sms": N_("SMS"),
    "email": N_("correo"),
    "mobile": N_("celular"),
    # code locks
    "guesses-daily": N_("intentos de código del día"),
    "guesses-teller": N_("intentos de código, hasta que un asesor los reabra"),
    "sends": N_("envíos"),
    "links": N_("enlaces"),
    "key": N_("clave"),
}

_WORD = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, WORDS), key=len, reverse=True)) + r")(?![\w-])"
)
_ACTOR = re.compile(r"\b(teller|admin):([\w.@-]+)")


def actor_ids(texts: list[str]) -> set[int]:
    """The teller ids named in ``texts`` (actors and details)."""
    named = (m for text in texts for m in _ACTOR.finditer(text))
    return {int(m.group(2)) for m in named if m.group(1) == "teller" and m.group(2).isdigit()}


def who(actor: str, teller_names: Mapping[int, str]) -> str:
    """«el asociado», «asesor Ana Gómez» (or «asesor #5»), «administrador root»..."""
    if actor == "member":
        return _("el asociado")
    if actor == "admin":
        return _("administrador")
    if actor == "desconocido":
        return _("desconocido")
    return _ACTOR.sub(lambda m: _named(m, teller_names), actor)


def _named(match: re.Match, teller_names: Mapping[int, str]) -> str:
    kind, name = match.group(1), match.group(2)
    if kind == "admin":
        return _("administrador {user}").format(user=name)
    if name.isdigit() and int(name) in teller_names:
        return _("asesor {name}").format(name=teller_names[int(name)])
    return _("asesor #{id}").format(id=name)


def detail(text: str, teller_names: Mapping[int, str], translate: Callable[[str], str] = _) -> str:
    """The stored detail with the store's names said in Spanish."""
    text = _ACTOR.sub(lambda m: _named(m, teller_names), text)
    return _WORD.sub(lambda m: translate(WORDS[m.group(1)]), text)
