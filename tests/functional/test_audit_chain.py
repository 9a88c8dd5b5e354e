"""The tamper-evident audit trail (kiosk.core.audit, kiosk.core.audit_chain):
every row chained under a key the database never holds, so an edited,
inserted, deleted or moved row, or the last rows dropped, show in
``kiosk audit verify``; kiosks writing at once keep one line; and
``kiosk audit export`` hands a member their own record with no secret."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import threading
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlmodel import Session, col, select

from kiosk import cli
from kiosk.core import audit_chain
from kiosk.store import transaction
from kiosk.store.db import MIGRATIONS_DIR, make_engine, open_store
from kiosk.store.models import AuditChainHead, AuditEvent, Member, OutboxMessage
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY

pytestmark = pytest.mark.both_stores

WRITES = 6


def member_id_of(engine, document: str = ORDINARY, institution: str = "progressa") -> int:
    with Session(engine) as session:
        return session.exec(
            select(Member.id).where(Member.document_number == document, Member.institution == institution)
        ).one()


def write_audit(service, member_id: int, count: int, action: str = "login") -> None:
    """``count`` audit writes through the service, one transaction each, as its operations do."""
    for number in range(count):
        service._write(lambda session, now: service._audit(session, now, action, member_id, f"n {number}"), member_id)


def verdict(engine, hasher):
    with Session(engine) as session:
        return audit_chain.verify(session, hasher.audit_key())


def raw(engine, sql: str, **params) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def chained(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(col(AuditEvent.seq).is_not(None)).order_by(AuditEvent.seq)))


@pytest.fixture
def trail(engine, service, hasher):
    """A store whose trail holds WRITES rows from the service, checked OK."""
    write_audit(service, member_id_of(engine), WRITES)
    result = verdict(engine, hasher)
    assert result.ok, result.message
    return chained(engine)


def test_a_fresh_chain_verifies_with_its_count(trail, engine, hasher):
    assert [row.seq for row in trail] == list(range(1, WRITES + 1))
    assert all(re.fullmatch(r"[0-9a-f]{64}", row.chain) for row in trail)
    assert f"{WRITES} rows chained (seq 1 to {WRITES})" in verdict(engine, hasher).message


def test_the_chain_needs_the_pepper_derived_key(trail, engine):
    from kiosk.core.hashing import Hasher

    other = Hasher(secrets.token_bytes(32), cost=4)
    result = verdict(engine, other)
    assert not result.ok and "seq 1 " in result.message


def test_an_edited_row_is_caught(trail, engine, hasher):
    raw(engine, "UPDATE audit_event SET detail = 'nada' WHERE seq = 3")
    result = verdict(engine, hasher)
    assert not result.ok
    assert f"seq 3 (id {trail[2].id})" in result.message and "edited" in result.message


def test_an_edited_time_is_caught(trail, engine, hasher):
    raw(engine, "UPDATE audit_event SET at = at - INTERVAL '1 hour' WHERE seq = 2"
        if engine.dialect.name == "postgresql" else "UPDATE audit_event SET at = '2020-01-01 00:00:00' WHERE seq = 2")
    result = verdict(engine, hasher)
    assert not result.ok and "seq 2 " in result.message


def insert_row(engine, seq, chain) -> None:
    raw(
        engine,
        "INSERT INTO audit_event (at, institution, member_id, actor, action, detail, seq, chain)"
        " VALUES (:at, 'progressa', NULL, 'member', 'login', 'falso', :seq, :chain)",
        at="2026-11-21 15:00:00", seq=seq, chain=chain,
    )


def test_a_row_inserted_in_the_middle_with_a_guessed_chain_value_is_caught(trail, engine, hasher):
    for seq in range(WRITES, 3, -1):  # make room at seq 4, one row at a time (seq is unique)
        raw(engine, "UPDATE audit_event SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    insert_row(engine, 4, secrets.token_hex(32))
    result = verdict(engine, hasher)
    assert not result.ok and "seq 4 " in result.message


def test_a_row_appended_at_the_end_is_caught(trail, engine, hasher):
    insert_row(engine, WRITES + 1, secrets.token_hex(32))
    result = verdict(engine, hasher)
    assert not result.ok and f"seq {WRITES + 1} " in result.message


def test_a_row_inserted_without_a_place_in_the_chain_is_caught(trail, engine, hasher):
    insert_row(engine, None, None)
    result = verdict(engine, hasher)
    assert not result.ok and "no place in the chain" in result.message


def test_a_row_deleted_in_the_middle_is_caught(trail, engine, hasher):
    raw(engine, "DELETE FROM audit_event WHERE seq = 3")
    result = verdict(engine, hasher)
    assert not result.ok and "seq 3 is missing" in result.message


def test_the_last_row_deleted_is_caught_by_the_head(trail, engine, hasher):
    raw(engine, "DELETE FROM audit_event WHERE seq = :seq", seq=WRITES)
    result = verdict(engine, hasher)
    assert not result.ok and f"seq {WRITES} to {WRITES} are missing" in result.message


def test_the_last_row_deleted_and_the_head_rewound_is_caught_by_the_heads_seal(trail, engine, hasher):
    """The attacker who also moves the head back to the previous row cannot seal it."""
    raw(engine, "DELETE FROM audit_event WHERE seq = :seq", seq=WRITES)
    raw(engine, "UPDATE audit_chain_head SET seq = :seq, chain = :chain", seq=WRITES - 1, chain=trail[-2].chain)
    result = verdict(engine, hasher)
    assert not result.ok and "head" in result.message and "edited" in result.message


def test_the_head_deleted_is_caught(trail, engine, hasher):
    raw(engine, "DELETE FROM audit_chain_head")
    result = verdict(engine, hasher)
    assert not result.ok and "head is missing" in result.message


def test_a_reordered_seq_is_caught(trail, engine, hasher):
    raw(engine, "UPDATE audit_event SET seq = -1 WHERE seq = 2")
    raw(engine, "UPDATE audit_event SET seq = 2 WHERE seq = 3")
    raw(engine, "UPDATE audit_event SET seq = 3 WHERE seq = -1")
    result = verdict(engine, hasher)
    assert not result.ok and "seq 2 " in result.message


def test_many_writers_at_once_keep_one_valid_chain(engine, service_for, hasher):
    """4 threads x 50 audit writes through the service, on two members and two institutions."""
    services = [service_for("progressa"), service_for("progressa"), service_for("cootrasena"), service_for("cootrasena")]
    members = [member_id_of(engine), member_id_of(engine), member_id_of(engine, "52345678", "cootrasena"),
               member_id_of(engine, "52345678", "cootrasena")]
    barrier = threading.Barrier(4)
    failures = []

    def writer(index: int) -> None:
        try:
            barrier.wait()
            write_audit(services[index], members[index], 50, action=f"login_{index}")
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rows = chained(engine)
    assert [row.seq for row in rows] == list(range(1, 201))
    assert all(sum(row.action == f"login_{i}" for row in rows) == 50 for i in range(4))
    result = verdict(engine, hasher)
    assert result.ok and "200 rows chained" in result.message, result.message


def test_rows_from_before_the_chain_are_reported_not_covered(store_url, hasher, service_for):
    """A store upgraded from 0009 with audit rows: they stay unchained and are
    counted; the rows after the upgrade are chained and verify."""
    engine = make_engine(store_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    raw(engine, "INSERT INTO audit_event (at, institution, member_id, actor, action, detail)"
        " VALUES ('2026-01-01 00:00:00', 'progressa', NULL, 'admin', 'teller_added', 'ana')")
    engine.dispose()
    engine = open_store(store_url)
    try:
        result = verdict(engine, hasher)
        assert result.ok and "no chained rows yet; 1 older rows not covered" in result.message
        from kiosk.core.service import KioskService
        from kiosk.core.clock import Clock
        from kiosk.core.sealing import Sealer
        from kiosk.demo import seed_demo

        seed_demo(engine, hasher, Clock())
        kiosk = KioskService(engine, hasher, Sealer(TEST_PEPPER), Clock(), "progressa", "Progressa")
        write_audit(kiosk, member_id_of(engine), 2)
        result = verdict(engine, hasher)
        assert result.ok and "2 rows chained (seq 1 to 2); 1 older rows not covered" in result.message
        raw(engine, "UPDATE audit_event SET detail = 'x' WHERE seq IS NULL")  # not covered: not caught
        assert verdict(engine, hasher).ok
    finally:
        engine.dispose()


# -- the commands ---------------------------------------------------------------


def run_cli(engine, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    url = engine.url.render_as_string(hide_password=False)
    code = cli.main(["--database-url", url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_verify_command_says_ok_or_names_the_first_break_in_one_line(trail, engine, monkeypatch, capsys):
    code, out, err = run_cli(engine, monkeypatch, capsys, "audit", "verify")
    assert (code, err) == (0, "") and out.startswith(f"audit trail OK: {WRITES} rows chained")
    raw(engine, "DELETE FROM audit_event WHERE seq = 2")
    code, out, err = run_cli(engine, monkeypatch, capsys, "audit", "verify")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "seq 2 is missing" in err and "Traceback" not in err


def test_export_holds_the_members_activity_consents_and_messages_and_no_secret(
    engine, service, sealer, clock, monkeypatch, capsys
):
    member_id = member_id_of(engine)
    identity = service.identify(ORDINARY)
    service.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))
    clock.advance(minutes=2)
    service.send_temporary_key(identity, "email", 6, timedelta(minutes=10))
    raw(engine, "UPDATE member SET last_names = :name WHERE id = :id", name="Rojas\x1b[31mPérez", id=member_id)
    with Session(engine) as session:
        messages = list(session.exec(select(OutboxMessage).where(OutboxMessage.member_id == member_id)))
    assert len(messages) == 2
    secrets_sent = {code for m in messages for code in re.findall(r"\d{6}", sealer.open(m.sealed_body))}
    assert secrets_sent  # the keys the messages carried
    sealed = {m.sealed_body for m in messages}

    code, out, err = run_cli(engine, monkeypatch, capsys, "audit", "export", "--document", f"CC:{ORDINARY}")
    assert (code, err) == (0, "")
    record = json.loads(out)
    (progressa,) = record["vinculaciones"]
    assert progressa["entidad"] == "progressa" and progressa["apellidos"] == "Rojas\\x1b[31mPérez"
    assert [e["acción"] for e in progressa["actividad"]] == ["código enviado", "código enviado"]
    assert progressa["autorizaciones"][0]["política"]
    assert {(m["canal"], m["destinatario"]) for m in progressa["mensajes"]} == {
        ("sms", "3111234567"), ("email", "mynameis@mail.com")
    }

    code, csv_out, err = run_cli(
        engine, monkeypatch, capsys, "audit", "export", "--document", f"cc:{ORDINARY}", "--format", "csv"
    )
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(csv_out)))
    sections = [row[0] for row in rows[1:]]
    assert sections.count("actividad") == 2 and sections.count("autorización") == 1
    assert sections.count("mensaje") == 2
    for printed in (out, csv_out):
        assert "\x1b" not in printed
        assert not any(secret in printed for secret in secrets_sent | sealed)
        assert "582017" not in printed  # her key


def test_export_of_an_unknown_document_is_one_line(engine, service, monkeypatch, capsys):
    code, out, err = run_cli(engine, monkeypatch, capsys, "audit", "export", "--document", "CC:9999999999")
    assert code == 1 and out == "" and err.count("\n") == 1


def test_a_rolled_back_write_leaves_no_row_and_the_chain_goes_on(trail, engine, service, hasher):
    member_id = member_id_of(engine)

    def fails(session, now):
        service._audit(session, now, "login", member_id)
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        service._write(fails, member_id)
    write_audit(service, member_id, 1)
    assert [row.seq for row in chained(engine)] == list(range(1, WRITES + 2))
    assert verdict(engine, hasher).ok


def test_a_demo_reset_starts_a_new_chain(trail, engine, service, hasher, clock):
    from kiosk.demo import reset_demo

    reset_demo(engine, hasher, clock, including_tellers=True)
    assert verdict(engine, hasher).message.startswith("audit trail OK: no chained rows yet")
    write_audit(service, member_id_of(engine), 2)
    result = verdict(engine, hasher)
    assert result.ok and "2 rows chained (seq 1 to 2)" in result.message
