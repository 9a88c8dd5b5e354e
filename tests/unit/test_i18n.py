"""The English catalog covers every Spanish text of the code and is
compiled; each institution's ``<slug>.en.toml`` covers its own texts.

When a test here fails after a screen, a profile or a demo member changed,
follow docs/TRANSLATIONS.md.
"""

from __future__ import annotations

import io
import shutil
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from kiosk.config import INSTITUTIONS_DIR, LOCALE_DIR, PROJECT_DIR
from kiosk.i18n import _, set_language
from kiosk.flow.profile import available_profiles
from kiosk.i18n_extract import profile_messages, translation_problems

PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "kiosk.po"
MO = PO.with_suffix(".mo")
FIX = "run the command sequence in docs/TRANSLATIONS.md"
FIXTURE_INSTITUTIONS = Path(__file__).resolve().parents[1] / "fixtures" / "institutions"
# Every institution, shipped or a test's fixture, found by looking.
INSTITUTIONS = [
    pytest.param(directory, slug, id=slug)
    for directory in (INSTITUTIONS_DIR, FIXTURE_INSTITUTIONS)
    for slug in available_profiles(directory)
]


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


def test_every_message_of_the_code_is_translated():
    catalog = read_catalog()
    wanted = code_messages()
    missing = sorted(
        message
        for message in wanted
        if message not in catalog or not catalog[message].string or catalog[message].fuzzy
    )
    assert not missing, f"{len(missing)} Spanish texts lack an English translation ({FIX}):\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize(("directory", "slug"), INSTITUTIONS)
def test_every_text_of_an_institution_has_english_beside_its_profile(directory, slug):
    problems = translation_problems(slug, directory)
    assert not problems, f"{len(problems)} problems in {slug}.en.toml ({FIX}):\n" + "\n".join(problems)


def test_an_institution_text_without_english_is_caught(tmp_path):
    """The check above can fail: a profile text added, an English entry emptied,
    a placeholder lost, each named with its file."""
    for path in FIXTURE_INSTITUTIONS.glob("coandina.*"):
        shutil.copy(path, tmp_path)
    profile, english = tmp_path / "coandina.toml", tmp_path / "coandina.en.toml"
    profile.write_text(profile.read_text().replace('label = "Número de cédula"', 'label = "Cédula del asociado"'))
    english.write_text(
        english.read_text()
        .replace('en = "Education loan"', 'en = ""')
        .replace("to your mobile {mobile}", "to your mobile")
    )
    problems = "\n".join(translation_problems("coandina", tmp_path))
    assert "coandina.en.toml: sin inglés: 'Cédula del asociado'" in problems
    assert "coandina.en.toml: sin inglés: 'Crédito educativo'" in problems  # a demo member's product
    assert "las {marcas} difieren" in problems and "{mobile}" in problems
    assert len(problems.splitlines()) == 3


def test_an_institution_text_is_translated_from_the_file_beside_its_profile(monkeypatch):
    monkeypatch.setenv("KIOSK_INSTITUTIONS_DIR", str(FIXTURE_INSTITUTIONS))
    set_language("en")
    assert _("Banca en Línea") == "Online Banking"  # coandina.en.toml; the catalog does not have it
    assert _("Continuar") == "Continue"  # the code's catalog
    monkeypatch.setenv("KIOSK_INSTITUTIONS_DIR", str(INSTITUTIONS_DIR))
    assert _("Banca en Línea") == "Banca en Línea"  # another directory, another institution's texts
    set_language("es")


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
