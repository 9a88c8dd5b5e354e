"""How strong a teller's password is, judged by zxcvbn (a maintained
estimator of how many guesses a password takes), with the teller's username,
name and document as words an attacker would try first.

zxcvbn explains its verdict in English; the refusal says it in Spanish: the
common sentences are mapped, anything else becomes a general Spanish sentence.
"""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn

from kiosk.core.errors import Refusal
from kiosk.i18n import N_, _

MIN_PASSWORD_LENGTH = 12
MIN_SCORE = 3  # zxcvbn's "safely unguessable": about 10^8 guesses or more
# zxcvbn slows down on long inputs and judges only what it reads.
MAX_JUDGED_LENGTH = 100

WARNINGS = {
    "Straight rows of keys are easy to guess.": N_("Las filas seguidas del teclado son fáciles de adivinar."),
    "Short keyboard patterns are easy to guess.": N_("Los recorridos cortos del teclado son fáciles de adivinar."),
    'Repeats like "aaa" are easy to guess.': N_("Las repeticiones como «aaa» son fáciles de adivinar."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': N_(
        "Las repeticiones como «abcabcabc» son casi tan fáciles de adivinar como «abc»."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': N_(
        "Las secuencias como «abc» o «6543» son fáciles de adivinar."
    ),
    "Recent years are easy to guess.": N_("Los años recientes son fáciles de adivinar."),
    "Dates are often easy to guess.": N_("Las fechas suelen ser fáciles de adivinar."),
    "This is a top-10 common password.": N_("Es una de las 10 contraseñas más usadas."),
    "This is a top-100 common password.": N_("Es una de las 100 contraseñas más usadas."),
    "This is a very common password.": N_("Es una contraseña muy común."),
    "This is similar to a commonly used password.": N_("Se parece a una contraseña muy usada."),
    "A word by itself is easy to guess.": N_("Una palabra sola es fácil de adivinar."),
    "Names and surnames by themselves are easy to guess.": N_(
        "Los nombres y apellidos solos son fáciles de adivinar."
    ),
    "Common names and surnames are easy to guess.": N_("Los nombres y apellidos comunes son fáciles de adivinar."),
}

SUGGESTIONS = {
    "Use a few words, avoid common phrases.": N_("Use varias palabras y evite las frases comunes."),
    "No need for symbols, digits, or uppercase letters.": N_("No hacen falta símbolos, números ni mayúsculas."),
    "Add another word or two. Uncommon words are better.": N_(
        "Agregue una o dos palabras más; mejor si son poco comunes."
    ),
    "Use a longer keyboard pattern with more turns.": N_("Si usa un recorrido del teclado, que sea largo y con giros."),
    "Avoid repeated words and characters.": N_("Evite repetir palabras y caracteres."),
    "Avoid sequences.": N_("Evite las secuencias."),
    "Avoid recent years.": N_("Evite los años recientes."),
    "Avoid years that are associated with you.": N_("Evite los años relacionados con usted."),
    "Avoid dates and years that are associated with you.": N_("Evite las fechas y años relacionados con usted."),
    "Capitalization doesn't help very much.": N_("Poner mayúscula inicial no ayuda mucho."),
    "All-uppercase is almost as easy to guess as all-lowercase.": N_(
        "Todo en mayúsculas es casi tan fácil de adivinar como todo en minúsculas."
    ),
    "Reversed words aren't much harder to guess.": N_(
        "Las palabras al revés no son mucho más difíciles de adivinar."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": N_(
        "Los cambios previsibles, como «@» en lugar de «a», no ayudan mucho."
    ),
}

GENERIC = N_("Es fácil de adivinar: use una frase de varias palabras poco comunes.")
PERSONAL = N_("No use su usuario, su nombre ni su documento.")


def _plain(text: str) -> str:
    """Lower case without accents: how the personal words are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def personal_words(username: str, full_name: str, document_number: str) -> list[str]:
    """The words an attacker who knows the teller tries first: the username
    and its parts, each name, the document."""
    words = {username, full_name.replace(" ", ""), document_number}
    words.update(re.split(r"[._\-\s]+", username))
    words.update(full_name.split())
    plain = {_plain(w) for w in words if w}
    return sorted(w for w in plain | {w for w in words if w} if len(w) >= 2)


def verdict(password: str, personal: list[str]) -> tuple[int, list[str]]:
    """zxcvbn's score (0-4) and its reasons, in Spanish (untranslated msgids)."""
    judged = password[:MAX_JUDGED_LENGTH]
    result = zxcvbn(judged, user_inputs=personal)
    reasons = []
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        reasons.append(PERSONAL)
    feedback = result["feedback"]
    english = ([feedback["warning"]] if feedback["warning"] else []) + list(feedback["suggestions"])
    for sentence in english:
        spanish = WARNINGS.get(sentence) or SUGGESTIONS.get(sentence) or GENERIC
        if spanish not in reasons:
            reasons.append(spanish)
    return result["score"], reasons


def check_teller_password(
    password: str, confirmation: str, username: str = "", full_name: str = "", document_number: str = ""
) -> None:
    if password != confirmation:
        raise Refusal("mismatch", _("La contraseña y su confirmación no coinciden."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refusal(
            "weak_password",
            _("La contraseña del asesor debe tener al menos {n} caracteres.").format(n=MIN_PASSWORD_LENGTH),
        )
    score, reasons = verdict(password, personal_words(username, full_name, document_number))
    if score < MIN_SCORE:
        explained = " ".join(_(reason) for reason in reasons or [GENERIC])
        raise Refusal(
            "weak_password",
            _("La contraseña es demasiado fácil de adivinar. {reasons}").format(reasons=explained),
        )
