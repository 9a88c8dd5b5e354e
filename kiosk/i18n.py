"""Translations through gettext catalogs.

The institutions publish their procedures in Spanish, so the Spanish wording is
the source text (the msgid) and ``kiosk/locale/en`` translates it to English;
an institution's own texts are translated by the file beside its profile
(``<slug>.en.toml``, kiosk.institution_texts), consulted after the catalog.
``_`` looks the language up at call time, so a screen composed after
``set_language`` speaks the new language.
"""

from __future__ import annotations

import gettext

from pathlib import Path

from kiosk.config import LOCALE_DIR, institutions_dir

DOMAIN = "kiosk"
LANGUAGES = ("es", "en")

# By language and institutions directory (a test may point the kiosk at another).
_translations: dict[tuple[str, Path], gettext.NullTranslations] = {}
_current = "es"


class _InstitutionTexts(gettext.NullTranslations):
    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def gettext(self, message: str) -> str:
        return self.texts.get(message, message)


def _catalog(language: str) -> gettext.NullTranslations:
    key = (language, institutions_dir())
    if key not in _translations:
        from kiosk.institution_texts import translations_in

        catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
        catalog.add_fallback(_InstitutionTexts(translations_in(key[1], language)))
        _translations[key] = catalog
    return _translations[key]


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
