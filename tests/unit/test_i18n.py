"""The English catalog covers every Spanish text and is compiled.

When a test here fails after a screen or a profile changed, run the command
sequence in docs/TRANSLATIONS.md.
"""

from __future__ import annotations

import io
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from kiosk.config import INSTITUTIONS_DIR, LOCALE_DIR, PROJECT_DIR
from kiosk.i18n import _, set_language
from kiosk.i18n_extract import profile_messages

PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "kiosk.po"
MO = PO.with_suffix(".mo")
FIX = "run the command sequence in docs/TRANSLATIONS.md"


def read_catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def code_messages() -> set[str]:
    found = extract_from_dir(
        PROJECT_DIR / "kiosk",
        method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None},
    )
    return {message for _file, _line, message, _comments, _context in found if message}


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conversion in string.Formatter().parse(text) if field is not None}


def test_the_sources_have_messages():
    assert "Continuar" in code_messages()
    assert "Oficina Virtual" in profile_messages(INSTITUTIONS_DIR)


def test_every_message_is_translated():
    catalog = read_catalog()
    wanted = code_messages() | profile_messages(INSTITUTIONS_DIR)
    missing = sorted(
        message
        for message in wanted
        if message not in catalog or not catalog[message].string or catalog[message].fuzzy
    )
    assert not missing, f"{len(missing)} Spanish texts lack an English translation ({FIX}):\n" + "\n".join(
        missing
    )


def test_translations_keep_the_placeholders():
    wrong = [
        f"{message.id!r} -> {message.string!r}"
        for message in read_catalog()
        if message.id and message.string and placeholders(message.id) != placeholders(message.string)
    ]
    assert not wrong, "translations whose {placeholders} differ from the Spanish:\n" + "\n".join(wrong)


def messages_of(compiled: bytes) -> dict:
    """What a compiled catalog translates: not its header, which names the
    Babel version that compiled it (the test environment may have a newer one)."""
    return {message.id: message.string for message in read_mo(io.BytesIO(compiled)) if message.id}


def test_compiled_catalog_is_up_to_date():
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog())
    assert messages_of(MO.read_bytes()) == messages_of(compiled.getvalue()), f"kiosk.mo is older than kiosk.po ({FIX})"


def test_set_language_switches_translations():
    set_language("en")
    assert _("Continuar") == "Continue"
    set_language("es")
    assert _("Continuar") == "Continuar"


def test_unsupported_language_is_refused():
    with pytest.raises(ValueError):
        set_language("fr")
