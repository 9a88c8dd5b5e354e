"""The translatable texts of institution profiles, for the gettext catalog.

Screens pass a profile's ``portal`` and the string parameters of its steps
(title, text, label, button, hint…) through ``_()``, so those Spanish texts are
msgids too.  ``babel.cfg`` names ``extract_profile`` as the extractor for
``data/institutions/*.toml``, so ``pybabel extract`` collects them with the
code's messages.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.config import INSTITUTIONS_DIR
from kiosk.flow.profile import Profile, available_profiles, load_profile, parse_profile


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


def profile_messages(directory: Path = INSTITUTIONS_DIR) -> set[str]:
    """The translatable texts of every profile in ``directory``."""
    directory = Path(directory)
    return {
        message
        for slug in available_profiles(directory)
        for message in messages_of(load_profile(slug, directory))
    }


def extract_profile(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method for a profile TOML file."""
    source = fileobj.read().decode("utf-8")
    lines = [(n, line) for n, line in enumerate(source.splitlines(), 1) if not line.lstrip().startswith("#")]
    for message in messages_of(parse_profile(tomllib.loads(source))):
        quoted = f'"{message}"'
        linenos = [n for n, line in lines if quoted in line] or [1]
        for lineno in linenos:
            yield lineno, None, message, []
