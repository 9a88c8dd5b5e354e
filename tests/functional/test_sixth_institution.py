"""A sixth institution is data only: its profile, its demo members and its
English as files in an institutions directory (tests/fixtures/institutions/
coandina.*), and the kiosk, started as ``kiosk`` starts it on that directory,
shows it, seeds it, walks its flow and speaks its English, with no code, list
or catalog entry naming it."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from rich.console import Console
from textual.widgets import DataTable

from kiosk.config import INSTITUTIONS_DIR, Settings
from kiosk.demo_members import DemoDataError, demo_members
from kiosk.i18n import current_language, set_language
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.screens.demo import DemoGuideScreen, DemoStartScreen
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.welcome import WelcomeScreen
from tests.helpers import click, code_in, keypad_type, latest_message, screen_text, settle, type_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "institutions"
SLUG = "coandina"
MEMBER = "43111222"  # Lucía, key 520836 (coandina.demo.toml)
NEW_KEY = "749261"


@pytest.fixture
def six_institutions(tmp_path, monkeypatch) -> Path:
    """The shipped institutions and the fixture's, in one directory the kiosk is pointed at."""
    directory = tmp_path / "institutions"
    shutil.copytree(INSTITUTIONS_DIR, directory)
    for path in FIXTURES.glob(f"{SLUG}.*"):
        shutil.copy(path, directory)
    monkeypatch.setenv("KIOSK_INSTITUTIONS_DIR", str(directory))
    return directory


def test_the_sixth_institution_is_three_files_and_is_discovered(six_institutions):
    assert sorted(path.name for path in FIXTURES.iterdir()) == [f"{SLUG}.demo.toml", f"{SLUG}.en.toml", f"{SLUG}.toml"]
    assert available_profiles() == sorted([*available_profiles(INSTITUTIONS_DIR), SLUG])
    mine = [demo for demo in demo_members() if demo.institution == SLUG]
    assert [demo.document for demo in mine] == [MEMBER, "98765432"]
    assert mine[0].products[1][0] == "Crédito educativo" and mine[1].blocked


def guide_of(pilot, slug: str) -> str:
    """The demo guide's table of ``slug`` as a reader sees it."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(pilot.app.screen.query_one(f"#guide-{slug}").content)
    return console.export_text()


async def wait_for_store(pilot) -> None:
    for _ in range(200):  # created, migrated and seeded in a worker (kiosk.store_later)
        if pilot.app.store_ready:
            return
        await pilot.pause(0.05)
    raise AssertionError("the store did not open")


async def test_the_sixth_institution_walked_end_to_end(six_institutions, tmp_path):
    from kiosk.cli import build_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kiosk.db'}", pepper=b"p" * 32, bcrypt_cost=4)
    app = build_app(settings)  # as `kiosk` starts the demo console
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await wait_for_store(pilot)
        assert isinstance(app.screen, DemoStartScreen)
        names = [str(b.label).splitlines()[0] for b in app.screen.query(".institution")]
        assert names == [load_profile(slug).name for slug in available_profiles()] and "Coandina" in names

        await click(pilot, "#guide")  # its demo members, from its data file
        assert isinstance(app.screen, DemoGuideScreen)
        guide = guide_of(pilot, SLUG)
        assert "CC 43111222" in guide and "CC 98765432" in guide and "Asociada al día: clave 520836" in guide
        await click(pilot, "#back")

        await click(pilot, f"#institution-{SLUG}")
        assert isinstance(app.screen, WelcomeScreen) and "Banca en Línea" in screen_text(pilot)
        await click(pilot, "#start")
        assert "Ingreso a Banca en Línea" in screen_text(pilot)
        await type_document(pilot, MEMBER)
        assert app.screen.step.id == "key"

        await click(pilot, "#forgot")  # the code goes to the registered mobile, no choice
        assert app.screen.step.id == "code"
        assert "312 77****" in screen_text(pilot)  # coandina.toml's text, the mobile masked
        await settle(pilot)
        message = latest_message(app.service, MEMBER)
        assert message.channel == "sms" and "Coandina" in message.body
        app.screen.query_one("#code").value = code_in(message)
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key"

        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "done" and "Su nueva clave quedó asignada" in screen_text(pilot)

        await click(pilot, "#continue")  # «Ingresar»: back to the document, then the new key logs in
        assert app.screen.step.id == "user"
        await type_document(pilot, MEMBER)
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen)
        assert "Lucía" in screen_text(pilot)
        products = app.screen.query_one("#products", DataTable)
        rows = [products.get_row_at(index) for index in range(products.row_count)]
        assert ["Crédito educativo", "****8899"] in rows  # from coandina.demo.toml, the number masked
        await click(pilot, "#leave")
        assert isinstance(app.screen, WelcomeScreen)

        # In English: its texts come from coandina.en.toml, beside its profile.
        await click(pilot, "#language")
        assert "Online Banking" in screen_text(pilot)
        await click(pilot, "#start")
        assert "Sign in to Online Banking" in screen_text(pilot)
        await pilot.press("f9")  # the operator's key back to the choice (asked: a visit is on)
        await click(pilot, "#leave")
        assert isinstance(app.screen, DemoStartScreen)
        assert current_language() == "es"  # the member's English ended with the visit
        set_language("en")  # an operator's console in English
        await click(pilot, "#guide")
        assert "Member in good standing: password 520836" in guide_of(pilot, SLUG)


def test_reset_demo_restores_the_sixth_institutions_members(six_institutions, engine, hasher, clock):
    from sqlmodel import Session, select

    from kiosk.demo import reset_demo
    from kiosk.store.models import Member

    reset = reset_demo(engine, hasher, clock)
    assert reset.added == len(demo_members())
    with Session(engine) as session:
        documents = set(session.exec(select(Member.document_number).where(Member.institution == SLUG)))
    assert documents == {MEMBER, "98765432"}


# Each: (what is changed in coandina.demo.toml, to what, the words its one line holds).
BROKEN_DEMO_FILES = [
    pytest.param('key = "520836"', 'key = 520836', "asociado número 1, campo key: debe ser una clave", id="type"),
    pytest.param('birth_date = 1984-07-19', 'birth_date = "19/07/1984"',
                 "asociado número 1, campo birth_date: debe ser una fecha", id="date"),
    pytest.param('mobile = "3145552299"', 'movil = "3145552299"', "asociado número 2, campo movil: no existe",
                 id="unknown"),
    pytest.param('document = "98765432"', 'document = "43111222"',
                 "asociado número 2, campo document: 43111222 ya es de otro asociado", id="repeated"),
    pytest.param('first_names = "Samuel"\n', '', "asociado número 2: falta el campo first_names", id="missing"),
    pytest.param('opened = 2021-09-30', 'opened = "ayer"', "asociado número 2, campo products:", id="product"),
]


@pytest.mark.parametrize(("old", "new", "words"), BROKEN_DEMO_FILES)
def test_a_wrong_demo_member_field_is_one_spanish_line_naming_file_and_field(tmp_path, old, new, words):
    good = (FIXTURES / f"{SLUG}.demo.toml").read_text()
    assert old in good
    shutil.copy(FIXTURES / f"{SLUG}.toml", tmp_path)
    (tmp_path / f"{SLUG}.demo.toml").write_text(good.replace(old, new, 1))
    with pytest.raises(DemoDataError) as raised:
        demo_members(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / f'{SLUG}.demo.toml'}: ") and words in message
    assert "\n" not in message


def test_a_wrong_demo_file_stops_the_kiosk_with_one_line(six_institutions, tmp_path):
    from kiosk import cli

    path = six_institutions / f"{SLUG}.demo.toml"
    path.write_text(path.read_text().replace('blocked = true', 'blocked = "sí"'))
    settings_env = {"KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}", "KIOSK_PEPPER": "ab" * 32}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings_env.items():
            patch.setenv(name, value)
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = cli.main(["seed"])  # seeding reads the demo members
    assert code == 2
    assert errors.getvalue().strip() == (
        f'kiosk: {path}: asociado número 2, campo blocked: debe ser true o false, no "sí"'
    )


def test_a_teller_console_in_a_directory_without_progressa_serves_its_only_institution(tmp_path, monkeypatch):
    from kiosk.cli import teller_institution

    for path in FIXTURES.glob(f"{SLUG}.*"):
        shutil.copy(path, tmp_path)
    monkeypatch.setenv("KIOSK_INSTITUTIONS_DIR", str(tmp_path))
    assert teller_institution(Settings()) == SLUG
    assert teller_institution(Settings(institution="otra")) == "otra"


def test_a_wrong_english_file_stops_the_kiosk_before_any_screen(six_institutions, tmp_path, monkeypatch):
    from kiosk import cli

    path = six_institutions / f"{SLUG}.en.toml"
    path.write_text(path.read_text().replace('en = "Online Banking"', 'en = 7', 1))
    monkeypatch.setenv("KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        code = cli.main([])  # the demo console: stopped before it is built
    assert code == 2
    assert errors.getvalue().strip() == f"kiosk: {path}: texto número 1, campo en: falta, o no es un texto entre comillas"
