"""`kiosk backup PATH` / `kiosk restore PATH`: a consistent copy while kiosks
write, private, restored only into a store with the same pepper."""

from __future__ import annotations

import sqlite3
import stat
import threading
from datetime import UTC, datetime

from sqlmodel import Session, select

from kiosk import cli
from kiosk.core import audit, outbox
from kiosk.store import transaction
from kiosk.store.models import Member
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY


def contents(db) -> dict[str, list[tuple]]:
    """Every table's rows, in order: what two identical stores share."""
    with sqlite3.connect(db) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )]
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}


def sqlite_file(engine) -> str:
    return engine.url.database


def test_a_backup_taken_while_kiosks_write_is_consistent_and_restores_identically(
    service_for, engine, sealer, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    service_for("progressa")  # the demo members
    assert cli.main(["--database-url", str(engine.url), "outbox"]) == 0  # the store's pepper check is written
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.document_number == ORDINARY)).one()
    stop, written = threading.Event(), []

    def kiosk_writing() -> None:
        # Each unit of work writes a message and its audit row together.
        while not stop.is_set():
            with transaction(engine) as session:
                at = datetime.now(UTC)
                outbox.queue(session, sealer, at, member, "sms", f"mensaje {len(written)}")
                audit.record(session, at, "progressa", "test_write", member.id, detail=str(len(written)))
            written.append(1)

    writer = threading.Thread(target=kiosk_writing)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        backup = tmp_path / "backups" / "kiosk-backup.db"
        assert cli.main(["--database-url", str(engine.url), "backup", str(backup)]) == 0
        during = len(written)
        while len(written) < during + 20:  # the kiosks went on writing after it
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert "store backed up to" in capsys.readouterr().out
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    copied = contents(backup)
    messages, audited = len(copied["outbox_message"]), len([r for r in copied["audit_event"] if r[5] == "test_write"])
    assert messages == audited >= 20  # every unit of work whole or absent
    assert messages < len(written)  # a snapshot of one moment, not of the end

    # Restored into a new place, with the same pepper: the very same store.
    restored = tmp_path / "restored" / "kiosk.db"
    assert cli.main(["--database-url", f"sqlite:///{restored}", "restore", str(backup)]) == 0
    assert "store restored from" in capsys.readouterr().out
    assert contents(restored) == copied
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
    # And over the live store too (its later messages gone again).
    assert cli.main(["--database-url", str(engine.url), "restore", str(backup)]) == 0
    assert contents(sqlite_file(engine)) == copied
    assert cli.main(["--database-url", str(engine.url), "outbox"]) == 0  # the restored store opens


def test_a_backup_never_overwrites_a_file(engine, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    existing = tmp_path / "existing.db"
    existing.write_text("precious")
    assert cli.main(["--database-url", str(engine.url), "backup", str(existing)]) == 1
    assert "ya existe" in capsys.readouterr().err
    assert existing.read_text() == "precious"


def test_restore_refuses_anything_but_a_sound_store_with_the_same_pepper(engine, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    url = str(engine.url)
    assert cli.main(["--database-url", url, "seed"]) == 0
    before = contents(sqlite_file(engine))
    backup = tmp_path / "good.db"
    assert cli.main(["--database-url", url, "backup", str(backup)]) == 0
    capsys.readouterr()

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00garbage" * 4096)
    not_a_store = tmp_path / "other.db"
    with sqlite3.connect(not_a_store) as connection:
        connection.execute("CREATE TABLE member (id INTEGER)")
    cases = {
        garbage: "no es un almacén del kiosco en buen estado",
        not_a_store: "le falta la tabla alembic_version",
        tmp_path / "missing.db": "No hay copia",
    }
    for path, said in cases.items():
        assert cli.main(["--database-url", url, "restore", str(path)]) == 1
        assert said in capsys.readouterr().err
    monkeypatch.setenv("KIOSK_PEPPER", "cd" * 32)  # another kiosk's pepper
    assert cli.main(["--database-url", url, "restore", str(backup)]) == 1
    assert "no se hizo con la pimienta de este kiosco" in capsys.readouterr().err
    assert contents(sqlite_file(engine)) == before  # nothing restored, nothing lost


def test_a_damaged_store_is_replaced_by_its_backup(engine, monkeypatch, capsys, tmp_path):
    from tests.functional.test_fail_safe import damage

    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    url = str(engine.url)
    assert cli.main(["--database-url", url, "seed"]) == 0
    backup = tmp_path / "good.db"
    assert cli.main(["--database-url", url, "backup", str(backup)]) == 0
    engine.dispose()
    damage(sqlite_file(engine))
    assert cli.main(["--database-url", url, "outbox"]) == 1
    assert "está dañada" in capsys.readouterr().err
    assert cli.main(["--database-url", url, "restore", str(backup)]) == 0
    assert contents(sqlite_file(engine)) == contents(backup)
    assert cli.main(["--database-url", url, "outbox"]) == 0


def test_postgresql_stores_are_backed_up_with_pg_dump(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    assert cli.main(["--database-url", "postgresql://kiosk@localhost/kiosk", "backup", str(tmp_path / "b")]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "pg_dump" in line
    assert not (tmp_path / "b").exists()
