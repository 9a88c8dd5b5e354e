"""`kiosk teller add / list / reset-authenticator`: tellers come from the
command line, never with a default password."""

from __future__ import annotations

import io

import pytest

from kiosk import cli
from tests.conftest import TEST_PEPPER
from tests.helpers import TELLER_PASSWORD


@pytest.fixture
def run(engine, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setattr("getpass.getuser", lambda: "operadora")  # who runs the commands
    monkeypatch.setenv("KIOSK_BCRYPT_COST", "4")

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(["--database-url", str(engine.url), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_add_list_and_reset_a_teller(run):
    add = ("teller", "add", "Ana.Gomez", "--name", "Ana Gómez", "--document", "cc:52000111", "--password-stdin")
    code, out, _err = run(*add, stdin=TELLER_PASSWORD + "\n")
    assert code == 0 and out == (
        "Asesor ana.gomez agregado; en su primer ingreso registrará una aplicación autenticadora.\n"
    )
    code, out, _err = run("teller", "list")
    assert out.splitlines() == ["ana.gomez\tAna Gómez\tCC 52000111\tautenticador pendiente"]
    code, _out, err = run(*add, stdin=TELLER_PASSWORD + "\n")
    assert code == 1 and "Ya existe un asesor con ese usuario." in err
    code, out, _err = run("teller", "reset-authenticator", "ana.gomez")
    assert code == 0 and out == "ana.gomez registrará una nueva aplicación autenticadora en su próximo ingreso.\n"
    code, _out, err = run("teller", "reset-authenticator", "nadie")
    assert code == 1 and "No existe un asesor" in err


def test_a_weak_password_is_refused(run):
    code, _out, err = run(
        "teller", "add", "pedro", "--name", "Pedro", "--document", "CC:79111222", "--password-stdin", stdin="1234\n"
    )
    assert code == 1 and "al menos 12 caracteres" in err
    code, _out, err = run(
        "teller", "add", "pedro", "--name", "Pedro", "--document", "CC:79111222", "--password-stdin",
        stdin="Password1234\n",
    )
    assert code == 1 and err == (
        "kiosk: La contraseña es demasiado fácil de adivinar. Se parece a una contraseña muy usada. "
        "Agregue una o dos palabras más; mejor si son poco comunes. Poner mayúscula inicial no ayuda mucho.\n"
    )
    assert run("teller", "list")[1] == ""


def test_the_admin_commands_are_audited_with_the_os_user(run, engine):
    from sqlmodel import Session, select

    from kiosk.store.models import AuditEvent

    run("teller", "add", "ana.gomez", "--name", "Ana Gómez", "--document", "CC:52000111", "--password-stdin",
        stdin=TELLER_PASSWORD + "\n")
    run("teller", "reset-authenticator", "ana.gomez")
    with Session(engine) as session:
        rows = {r.action: r for r in session.exec(select(AuditEvent).where(AuditEvent.action.startswith("teller_")))}
    assert rows["teller_added"].actor == "admin:operadora" and rows["teller_added"].detail == "ana.gomez"
    assert rows["teller_authenticator_reset"].actor == "admin:operadora"


def test_tellers_belong_to_their_institution(run):
    run("--institution", "cooperen", "teller", "add", "luis", "--name", "Luis", "--document", "CC:79333444",
        "--password-stdin", stdin=TELLER_PASSWORD + "\n")
    assert run("teller", "list")[1] == ""
    assert run("--institution", "cooperen", "teller", "list")[1].startswith("luis\t")


def test_apply_due_applies_the_changes_whose_hold_has_passed(run, desk_for, clock, engine):
    """``kiosk teller apply-due`` (for a timer): with the real clock, a request
    filed a year ago has waited out its hold; one filed a year from now has not."""
    from datetime import timedelta

    from sqlmodel import Session, select

    from kiosk.store.models import AuditEvent
    from tests.helpers import ORDINARY, add_teller, member, signed_in_teller

    desk = desk_for("progressa")
    add_teller(desk)
    clock._now -= timedelta(days=365)
    teller = signed_in_teller(desk, clock)
    for document, mobile in ((ORDINARY, "3205551234"), ("1030405060", "3205559999")):
        member_id = member(engine, document).id
        desk.record_identity_check(teller, member_id, "CC", document)
        desk.update_contacts(teller, member_id, mobile, "")
        clock._now += timedelta(days=2 * 365)  # the second request: far in the future
    code, out, _err = run("teller", "apply-due")
    assert code == 0 and out == "Cambios de contactos aplicados: 1\n"
    with Session(engine) as session:
        [ran] = session.exec(select(AuditEvent).where(AuditEvent.action == "contact_changes_applied")).all()
    assert ran.actor == "admin:operadora" and ran.detail == "1 cambios aplicados"
    # Nothing due: nothing to audit (a timer runs it every minute).
    assert run("teller", "apply-due")[1] == "Cambios de contactos aplicados: 0\n"
    assert member(engine, ORDINARY).mobile == "3205551234"
    assert member(engine, "1030405060").mobile == "3209876543"


def test_the_console_names_its_terminal_and_its_admin(engine, monkeypatch):
    """What ``kiosk teller`` audits sign-ins and admin actions with: the OS user at KIOSK_ID."""
    from kiosk.cli import build_desk
    from kiosk.config import Settings

    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setenv("KIOSK_ID", "caja-3")
    monkeypatch.setattr("getpass.getuser", lambda: "operadora")
    desk = build_desk(Settings.from_env(database_url=str(engine.url)))
    assert desk.terminal == "operadora@caja-3" and desk.admin == "admin:operadora"
