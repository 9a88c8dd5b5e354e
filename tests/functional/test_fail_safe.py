"""The kiosk fails safe: a lost or changed pepper, a data directory it cannot
write, a damaged database or a broken profile stop it (and every command
that opens the store) with one line saying what to do, a non-zero exit code,
no traceback, and nothing lost; its files are private whatever the umask.

These run ``python -m kiosk`` as the operator does, each with its own data
directory (KIOSK_DATA_DIR)."""

from __future__ import annotations

import os
import pty
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.store import open_store
from kiosk.store.pepper import check_value

ROOT = Path(__file__).resolve().parents[2]
OTHER_PEPPER = "ab" * 32


def kiosk(data_dir: Path, *args: str, umask: int | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    environment.update(KIOSK_DATA_DIR=str(data_dir), KIOSK_BCRYPT_COST="4", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], env=environment, capture_output=True, text=True, timeout=120,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def stopped_with(result: subprocess.CompletedProcess, *words: str, code: int = 1) -> str:
    """The command stopped with ``code`` and one line on stderr holding ``words``."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("kiosk: ")
    for word in words:
        assert word in line
    return line


def seeded(tmp_path: Path) -> Path:
    """A data directory as ``kiosk seed`` leaves it: the command runs once a
    test process (its own start, migration and seeding cost seconds), each
    test gets a copy (modes kept) to break as it likes."""
    template = tmp_path.parent / "seeded-by-kiosk-seed" / "data"  # beside the test's own directory
    if not template.exists():
        result = kiosk(template, "seed")
        if not (result.returncode == 0 and "13 demo members added" in result.stdout):
            shutil.rmtree(template, ignore_errors=True)
            raise AssertionError(result.stderr)
    data = tmp_path / "data"
    shutil.copytree(template, data)
    return data


def members(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM member").fetchone()[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the pepper ----------------------------------------------------------------


def test_a_new_store_gets_a_new_pepper_and_its_check_value(tmp_path):
    data = seeded(tmp_path)
    pepper = (data / "pepper").read_text()
    assert len(bytes.fromhex(pepper)) == 32
    with sqlite3.connect(data / "kiosk.db") as connection:
        (stored,) = connection.execute("SELECT pepper_check FROM store_meta").fetchone()
    assert stored == check_value(bytes.fromhex(pepper)) and pepper not in stored
    # Started again, the same pepper is used: nothing is made anew.
    assert kiosk(data, "outbox").returncode == 0
    assert (data / "pepper").read_text() == pepper


COMMANDS = (("outbox",), ("seed",), ("reset-demo",), ("teller", "list"))


def test_a_lost_pepper_stops_every_command_and_is_never_replaced(tmp_path):
    data = seeded(tmp_path)
    (data / "pepper").unlink()
    for command in COMMANDS:
        stopped_with(kiosk(data, *command), "Falta la pimienta", str(data / "pepper"), "copia de seguridad")
        assert not (data / "pepper").exists()
    assert members(data / "kiosk.db") == 13
    # A backup needs no pepper (it copies the store as it is): the store can be saved first.
    assert kiosk(data, "backup", str(tmp_path / "saved.db")).returncode == 0


def test_a_changed_pepper_stops_every_command(tmp_path):
    data = seeded(tmp_path)
    (data / "pepper").write_text(OTHER_PEPPER)
    for command in COMMANDS:
        stopped_with(kiosk(data, *command), "no corresponde a este almacén", "restaure el archivo")
    stopped_with(kiosk(data, "outbox", KIOSK_PEPPER=OTHER_PEPPER), "La pimienta (KIOSK_PEPPER) no corresponde")
    assert (data / "pepper").read_text() == OTHER_PEPPER  # left for the operator to replace
    assert members(data / "kiosk.db") == 13


@pytest.mark.parametrize("text", ["zz" * 32, "abcd", ""])
def test_a_malformed_pepper_stops_the_kiosk_without_showing_it(tmp_path, text):
    data = seeded(tmp_path)
    (data / "pepper").write_text(text)
    stopped_with(kiosk(data, "outbox"), "está dañada", str(data / "pepper"))
    line = stopped_with(kiosk(data, "outbox", KIOSK_PEPPER="secret-not-hex"), "(KIOSK_PEPPER) está dañada")
    assert "secret" not in line and "secret-not-hex" not in (data / "kiosk.log").read_text()


def test_an_unreadable_pepper_stops_the_kiosk(tmp_path):
    data = seeded(tmp_path)
    pepper = data / "pepper"
    pepper.unlink()
    pepper.mkdir()  # unreadable even by root
    stopped_with(kiosk(data, "outbox"), "No se puede leer la pimienta", str(pepper))
    if os.geteuid() != 0:  # root reads any file whatever its mode
        pepper.rmdir()
        pepper.write_text(OTHER_PEPPER)
        pepper.chmod(0)
        stopped_with(kiosk(data, "outbox"), "No se puede leer la pimienta")


def test_an_empty_store_gets_a_new_pepper_even_after_losing_its_old_one(tmp_path):
    """Nobody's hash depends on the pepper of a store without members: a new one is made."""
    data = tmp_path / "data"
    open_store(f"sqlite:///{data / 'kiosk.db'}").dispose()
    with sqlite3.connect(data / "kiosk.db") as connection:
        connection.execute("INSERT INTO store_meta (id, pepper_check) VALUES (1, :check)",
                           {"check": check_value(bytes.fromhex(OTHER_PEPPER))})
    assert kiosk(data, "seed").returncode == 0
    pepper = bytes.fromhex((data / "pepper").read_text())
    assert pepper != bytes.fromhex(OTHER_PEPPER)
    with sqlite3.connect(data / "kiosk.db") as connection:
        assert connection.execute("SELECT pepper_check FROM store_meta").fetchone()[0] == check_value(pepper)


def test_a_store_from_before_the_check_gets_it_from_its_pepper(tmp_path):
    data = seeded(tmp_path)
    with sqlite3.connect(data / "kiosk.db") as connection:
        connection.execute("DELETE FROM store_meta")
    assert kiosk(data, "outbox").returncode == 0  # the upgrade: written from the pepper it runs with
    with sqlite3.connect(data / "kiosk.db") as connection:
        (stored,) = connection.execute("SELECT pepper_check FROM store_meta").fetchone()
    assert stored == check_value(bytes.fromhex((data / "pepper").read_text()))
    stopped_with(kiosk(data, "outbox", KIOSK_PEPPER=OTHER_PEPPER), "no corresponde")


def run_in_terminal(data_dir: Path, *args: str, **env: str) -> tuple[int, str]:
    """``python -m kiosk`` in a pseudo-terminal, as an operator starts the kiosk: its exit code and output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    environment.update(KIOSK_DATA_DIR=str(data_dir), KIOSK_BCRYPT_COST="4", PYTHONPATH=str(ROOT), **env)
    environment.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execve(sys.executable, [sys.executable, "-m", "kiosk", *args], environment)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child has gone
            break
        if not chunk:
            break
        output += chunk
    os.close(fd)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.parametrize("args", [(), ("--institution", "progressa")], ids=["demo console", "branch kiosk"])
def test_the_kiosk_itself_stops_on_a_changed_pepper(tmp_path, args):
    data = seeded(tmp_path)
    (data / "pepper").write_text(OTHER_PEPPER)
    code, output = run_in_terminal(data, *args)
    assert code == 1
    assert "Traceback" not in output
    last = output.replace("\r", "").rstrip().splitlines()[-1]
    assert last.endswith("kiosk: La pimienta ({}) no corresponde a este almacén: restaure el archivo de la "
                         "copia de seguridad.".format(data / "pepper"))
    assert "no corresponde a este almacén" in (data / "kiosk.log").read_text()  # and its cause, in the log


# -- private files --------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_kiosk_files_are_private_whatever_the_umask(tmp_path, umask):
    data = tmp_path / "data"
    assert kiosk(data, "seed", umask=umask).returncode == 0
    assert mode(data) == 0o700
    for name in ("kiosk.db", "kiosk.log", "pepper"):
        assert mode(data / name) == 0o600, name


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_database_and_sqlites_own_files_are_private_whatever_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        db = tmp_path / "new" / "kiosk.db"
        engine = open_store(f"sqlite:///{db}")
        try:
            with engine.connect() as connection:  # held open: the -wal and -shm files exist meanwhile
                connection.exec_driver_sql("SELECT count(*) FROM member")
                assert mode(db.parent) == 0o700
                for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                    assert path.exists() and mode(path) == 0o600, path
        finally:
            engine.dispose()
    finally:
        os.umask(previous)


def test_files_once_readable_by_everyone_are_made_private(tmp_path):
    data = seeded(tmp_path)
    data.chmod(0o755)
    for name in ("kiosk.db", "kiosk.log"):
        (data / name).chmod(0o644)
    assert kiosk(data, "outbox").returncode == 0
    assert mode(data) == 0o700 and mode(data / "kiosk.db") == 0o600 and mode(data / "kiosk.log") == 0o600


# -- a directory it cannot write ------------------------------------------------


@contextmanager
def read_only(directory: Path):
    """``directory`` no longer takes new files, even for root (immutable: chattr +i)."""
    if os.geteuid() != 0:
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(directory)]).returncode != 0:
        pytest.skip("running as root without chattr +i: no directory is read-only to root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_a_read_only_data_directory_stops_the_commands_and_the_kiosk_with_one_line(tmp_path):
    data = seeded(tmp_path)
    with read_only(data):
        stopped_with(kiosk(data, "outbox"), f"El directorio {data} no admite escritura")
        stopped_with(kiosk(data), f"El directorio {data} no admite escritura")  # the kiosk: before its first screen
    assert members(data / "kiosk.db") == 13


def test_a_read_only_database_directory_stops_with_one_line(tmp_path):
    data = seeded(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(data / "kiosk.db", elsewhere / "kiosk.db")
    with read_only(elsewhere):
        result = kiosk(data, "--database-url", f"sqlite:///{elsewhere / 'kiosk.db'}", "outbox")
        stopped_with(result, f"El directorio {elsewhere} no admite escritura")
        result = kiosk(data, "--database-url", f"sqlite:///{elsewhere / 'sub' / 'kiosk.db'}", "outbox")
        stopped_with(result, f"El directorio {elsewhere} no admite escritura")


# -- a damaged database -----------------------------------------------------------


def damage(db: Path, table: str = "member") -> None:
    """Garbage over the cell pointers of ``table``'s first page (in the file
    proper: what the WAL held is written back first)."""
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    with open(db, "r+b") as handle:
        handle.seek((page - 1) * size + 8)
        handle.write(b"\xff" * 64)


def test_a_damaged_database_is_found_at_start_and_nothing_is_served(tmp_path):
    data = seeded(tmp_path)
    copy = tmp_path / "copy.db"
    shutil.copy(data / "kiosk.db", copy)
    damage(copy)
    for command in (("outbox",), ("teller", "list"), ("reset-demo",)):
        result = kiosk(data, "--database-url", f"sqlite:///{copy}", *command)
        stopped_with(result, f"La base de datos {copy} está dañada", "kiosk restore")
    assert "está dañada" in (data / "kiosk.log").read_text()


def test_a_file_that_is_not_a_database_stops_with_one_line(tmp_path):
    data = seeded(tmp_path)
    (data / "kiosk.db").write_bytes(b"not a database" * 1000)
    stopped_with(kiosk(data, "outbox"), "está dañada", "file is not a database")


# -- a broken profile -------------------------------------------------------------


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    data = seeded(tmp_path)
    institutions = tmp_path / "institutions"
    institutions.mkdir()
    good = (ROOT / "data" / "institutions" / "progressa.toml").read_text()
    (institutions / "progressa.toml").write_text(good + "\n[broken\n")
    broken_line = len((good + "\n[broken\n").splitlines())
    for args in (("--institution", "progressa"), ("teller", "list")):
        result = kiosk(data, *args, KIOSK_INSTITUTIONS_DIR=str(institutions))
        line = stopped_with(result, str(institutions / "progressa.toml"), f"line {broken_line}", code=2)
        assert "Traceback" not in line


# Each: (what is changed in coasmedas.toml, to what, the words its one line holds).
BROKEN_PROFILES = [
    pytest.param('key_length = 4', 'key_length = "six"',
                 ('campo key_length: debe ser un número entero entre 4 y 12, no "six"',), id="wrong-type"),
    pytest.param('code_minutes = 5\n', 'code_minutes = -5\n',
                 ('paso "recovery_code", campo code_minutes: debe ser un número entero entre 1 y 60, no -5',),
                 id="out-of-range"),
    pytest.param('confirm_by_code = true', 'confirm_by_code = "yes"',
                 ('paso "change_transactional", campo confirm_by_code: debe ser true o false, no "yes"',),
                 id="wrong-type-bool"),
    pytest.param('code_digits = 4\ncode_minutes = 5\n', 'code_digits = 4\ncode_minutes = 5\ncode_minuts = 5\n',
                 ('paso "recovery_code", campo code_minuts: no existe', "code_minutes"), id="unknown-parameter"),
    pytest.param('key_history = 3', 'key_history = 3\nkey_lenght = 4',
                 ("campo key_lenght: no existe", "key_length"), id="unknown-top-level-field"),
    pytest.param('title = "Cambio de Clave"\n', '',
                 ('paso "change_login", falta el campo title',), id="missing-required"),
    pytest.param('kinds = ["login", "transactional"]', 'kinds = ["login", "transaccional"]',
                 ('paso "recovery", campo kinds:', 'no "transaccional"'), id="not-a-choice"),
    pytest.param('next = { back = "login" }', 'next = { back = "loginn" }',
                 ('paso "recovery", campo next.back: no existe el paso "loginn"',), id="route-to-nowhere"),
    pytest.param('celular registrado {mobile}', 'celular registrado {movil}',
                 ('paso "recovery_code", campo text: usa {movil}, que no existe', "{mobile}"),
                 id="unknown-placeholder"),
    pytest.param('type = "terms"', 'type = "termz"',
                 ('paso "terms", campo type: no existe el tipo de paso "termz"',), id="unknown-step-type"),
]


@pytest.mark.parametrize(("old", "new", "words"), BROKEN_PROFILES)
def test_a_wrong_profile_field_stops_with_one_line_naming_it(tmp_path, old, new, words):
    """Checked by type and range as the profile is loaded, before any member
    sees a screen: one line naming the file, the step and the field."""
    institutions = tmp_path / "institutions"
    institutions.mkdir()
    good = (ROOT / "data" / "institutions" / "coasmedas.toml").read_text()
    assert old in good
    (institutions / "coasmedas.toml").write_text(good.replace(old, new, 1))
    result = kiosk(tmp_path / "data", "--institution", "coasmedas", KIOSK_INSTITUTIONS_DIR=str(institutions))
    stopped_with(result, f"kiosk: {institutions / 'coasmedas.toml'}: ", *words, code=2)


def test_every_shipped_profile_keeps_its_contracts():
    from kiosk.flow.contracts import STEP_PARAMS
    from kiosk.flow.profile import available_profiles, load_profile
    from kiosk.screens.registry import STEP_SCREENS

    assert set(STEP_PARAMS) == set(STEP_SCREENS)  # every screen's parameters declared
    slugs = available_profiles()
    assert len(slugs) == 5
    for slug in slugs:
        assert load_profile(slug, step_types=set(STEP_SCREENS)).slug == slug


def test_the_contracts_know_every_document_type():
    from kiosk.core.members import DOCUMENT_TYPES
    from kiosk.flow import contracts

    assert set(contracts.DOCUMENT_TYPES) == set(DOCUMENT_TYPES)


@pytest.mark.both_stores
def test_the_pepper_is_checked_on_either_store(service_for, engine, monkeypatch, capsys, tmp_path):
    from tests.conftest import TEST_PEPPER

    from kiosk import cli

    service_for("progressa")  # a store with members, from before the check
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    assert cli.main(["--database-url", url, "outbox"]) == 0  # the check value written from this pepper
    monkeypatch.setenv("KIOSK_PEPPER", OTHER_PEPPER)
    assert cli.main(["--database-url", url, "outbox"]) == 1
    assert "La pimienta (KIOSK_PEPPER) no corresponde a este almacén" in capsys.readouterr().err
    monkeypatch.delenv("KIOSK_PEPPER")
    monkeypatch.setenv("KIOSK_PEPPER_FILE", str(tmp_path / "no-pepper"))
    assert cli.main(["--database-url", url, "teller", "list"]) == 1
    assert "Falta la pimienta" in capsys.readouterr().err
    assert not (tmp_path / "no-pepper").exists()
