"""An institution's translations, kept beside its profile: ``<slug>.en.toml``
holds the English of the Spanish texts of ``<slug>.toml`` (portal, step texts,
settings shown) and of ``<slug>.demo.toml`` (situations, products), so a new
institution brings its own English and needs no edit to ``kiosk/locale``::

    [[texts]]
    es = "Oficina Virtual"
    en = "Virtual Office"

kiosk.i18n consults these after the code's catalog.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from kiosk.flow.profile import ProfileError


class TranslationsError(ProfileError):
    """A translations file that cannot be read: one line naming the file and the field."""


def translations_path(directory: Path, slug: str, language: str) -> Path:
    return directory / f"{slug}.{language}.toml"


def read_translations(path: Path, language: str) -> dict[str, str]:
    """Spanish text -> its ``language`` translation, as ``path`` gives them;
    an entry with an empty translation is left out (the Spanish shows)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its text names the line and column
        raise TranslationsError(f"{path}: {error}") from None
    texts = data.pop("texts", [])
    if data:
        raise TranslationsError(f"{path}: campo {next(iter(data))}: no existe (se puede usar: texts)")
    if not isinstance(texts, list):
        raise TranslationsError(f"{path}: campo texts: debe ser una lista de [[texts]]")
    found: dict[str, str] = {}
    for number, entry in enumerate(texts, 1):
        where = f"{path}: texto número {number}"
        if not isinstance(entry, dict):
            raise TranslationsError(f"{where}: debe ser una tabla [[texts]]")
        unknown = set(entry) - {"es", language}
        if unknown:
            raise TranslationsError(f"{where}, campo {sorted(unknown)[0]}: no existe (se puede usar: es, {language})")
        for field in ("es", language):
            if not isinstance(entry.get(field), str):
                raise TranslationsError(f"{where}, campo {field}: falta, o no es un texto entre comillas")
        if entry[language]:
            found[entry["es"]] = entry[language]
    return found


def translations_in(directory: Path, language: str) -> dict[str, str]:
    """Every institution's ``language`` translations in ``directory``, merged."""
    merged: dict[str, str] = {}
    for path in sorted(directory.glob(f"*.{language}.toml")):
        merged.update(read_translations(path, language))
    return merged
