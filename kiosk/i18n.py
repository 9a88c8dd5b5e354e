"""Translations through gettext catalogs.

The institutions publish their procedures in Spanish, so the Spanish wording is
the source text (the msgid) and ``kiosk/locale/en`` translates it to English.
``_`` looks the language up at call time, so a screen composed after
``set_language`` speaks the new language.
"""

from __future__ import annotations

import gettext

from kiosk.config import LOCALE_DIR

DOMAIN = "kiosk"
LANGUAGES = ("es", "en")

_translations: dict[str, gettext.NullTranslations] = {}
_current = "es"


def _catalog(language: str) -> gettext.NullTranslations:
    if language not in _translations:
        _translations[language] = gettext.translation(
            DOMAIN, LOCALE_DIR, languages=[language], fallback=True
        )
    return _translations[language]


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _current = language


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """Translate ``message`` (Spanish source text) into the current language."""
    if not message or _current == "es":
        return message
    return _catalog(_current).gettext(message)


def seconds_text(count: int) -> str:
    """«1 segundo», «5 segundos», in the current language."""
    return _("1 segundo") if count == 1 else _("{count} segundos").format(count=count)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
