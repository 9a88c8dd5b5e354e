"""An institution's translatable texts, and the check that its own
translations file (``<slug>.en.toml``, kiosk.institution_texts) covers them.

Screens pass a profile's ``portal`` and the string parameters of its steps
(title, text, label, button, hint…) through ``_()``, and the demo guide and
the member's home its demo members' situations and products: those Spanish
texts are msgids too, translated beside the profile rather than in
``kiosk/locale``.  ``python -m kiosk.i18n_extract [DIRECTORY]`` adds every
text lacking English to its institution's file, with an empty ``en`` to fill
in (docs/TRANSLATIONS.md).
"""

from __future__ import annotations

import json
import string
import sys
import tomllib
from pathlib import Path
from typing import Any

from kiosk.config import institutions_dir
from kiosk.demo_members import demo_path, read_demo_members
from kiosk.flow.profile import Profile, available_profiles, load_profile
from kiosk.institution_texts import read_translations, translations_path

LANGUAGE = "en"

# Step parameters that name things (key kinds) rather than say something.
IDENTIFIER_PARAMS = frozenset({
    "kind", "kinds", "differ_from", "channel", "document_types", "consent_version", "send", "purpose",
})


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and any(char.isalpha() for char in value)


def messages_of(profile: Profile) -> list[str]:
    """The portal and every string-valued step parameter that is human text, in order.
    (A step's id, type and next are not parameters.)"""
    texts = [profile.portal]
    # Profile-wide settings that are shown (e.g. eligible products), then step texts.
    for params in (profile.settings, *(step.params for step in profile.steps)):
        for name, value in params.items():
            if name not in IDENTIFIER_PARAMS:
                texts.extend(value if isinstance(value, list) else [value])  # lists: tips, products
    return list(dict.fromkeys(text for text in texts if _is_text(text)))


def institution_messages(slug: str, directory: Path | None = None) -> list[str]:
    """Every Spanish text of ``slug`` that is shown translated: its profile's,
    then its demo members' situations and products' kinds, in order."""
    directory = directory or institutions_dir()
    texts = messages_of(load_profile(slug, directory))
    path = demo_path(directory, slug)
    if path.is_file():
        for demo in read_demo_members(path, slug):
            texts += [demo.situation, *(kind for kind, _number, _opened in demo.products)]
    return list(dict.fromkeys(texts))


def profile_messages(directory: Path | None = None) -> set[str]:
    """The translatable texts of every institution in ``directory``."""
    return {message for slug in available_profiles(directory) for message in institution_messages(slug, directory)}


def placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def translation_problems(slug: str, directory: Path | None = None) -> list[str]:
    """What ``<slug>.en.toml`` lacks or gets wrong: a text without English, or
    English whose {placeholders} differ from the Spanish.  Empty when none."""
    directory = directory or institutions_dir()
    path = translations_path(directory, slug, LANGUAGE)
    english = read_translations(path, LANGUAGE) if path.is_file() else {}
    problems = []
    for message in institution_messages(slug, directory):
        if message not in english:
            problems.append(f"{path.name}: sin inglés: {message!r}")
        elif placeholders(message) != placeholders(english[message]):
            problems.append(f"{path.name}: las {{marcas}} difieren: {message!r} -> {english[message]!r}")
    return problems


def add_missing(slug: str, directory: Path | None = None) -> int:
    """Append every text of ``slug`` missing from its English file, with an
    empty ``en`` to fill in; returns how many were added."""
    directory = directory or institutions_dir()
    path = translations_path(directory, slug, LANGUAGE)
    listed = set()
    if path.is_file():
        listed = {entry["es"] for entry in tomllib.loads(path.read_text("utf-8")).get("texts", [])}
    missing = [message for message in institution_messages(slug, directory) if message not in listed]
    if missing:
        header = "" if path.is_file() else f"# English for the Spanish texts of {slug}.toml and {slug}.demo.toml.\n"
        # A JSON string is a TOML basic string (same escapes).
        entries = "".join(f'\n[[texts]]\nes = {json.dumps(m, ensure_ascii=False)}\nen = ""\n' for m in missing)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(header + entries)
    return len(missing)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else institutions_dir()
    for slug in available_profiles(directory):
        added = add_missing(slug, directory)
        print(f"{translations_path(directory, slug, LANGUAGE)}: {added} texts to translate added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
