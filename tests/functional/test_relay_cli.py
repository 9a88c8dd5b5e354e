"""``kiosk relay``: without a delivery file it refuses (nothing claimed), a
wrong file is one Spanish line and exit code 2 (for the kiosk's other
commands too), ``--once`` drains, ``--status`` shows the counts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from kiosk import cli
from kiosk.core import outbox
from kiosk.store import transaction
from kiosk.store.models import Member
from kiosk.store.models import OutboxMessage
from tests.conftest import TEST_PEPPER
from tests.gateway_standin import GatewayStandIn
from tests.helpers import ORDINARY


def run(engine, capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--database-url", engine.url.render_as_string(hide_password=False), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_delivery_file_the_relay_refuses_and_claims_nothing(service_for, engine, capsys, monkeypatch):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.delenv("KIOSK_DELIVERY_FILE", raising=False)
    progressa = service_for("progressa")
    progressa.send_temporary_key(progressa.identify(ORDINARY), "sms", 6, timedelta(minutes=10))
    code, out, err = run(engine, capsys, "relay", "--once")
    assert (code, out) == (2, "")
    assert err == "kiosk: no hay archivo de entrega (KIOSK_DELIVERY_FILE): los mensajes siguen en el buzón simulado\n"
    with Session(engine) as session:
        assert [m.state for m in session.exec(select(OutboxMessage))] == ["simulated"]


def test_a_wrong_delivery_file_stops_the_relay_and_the_teller_commands(service_for, engine, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    path = tmp_path / "entrega.toml"
    path.write_text('[progressa.sms]\nkind = "json"\nurl = "https://x.example/"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_DELIVERY_FILE", str(path))
    service_for("progressa")
    for command in (["relay"], ["teller", "list"]):
        code, out, err = run(engine, capsys, *command)
        assert (code, out) == (2, "")
        assert err == f"kiosk: {path}: progressa.sms.token_env: falta (un texto)\n"


def test_once_then_status(service_for, engine, capsys, monkeypatch, tmp_path, hasher, sealer, clock):
    from kiosk.core.clock import Clock
    from kiosk.core.service import KioskService

    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    service_for("progressa")
    real_now = KioskService(engine, hasher, sealer, Clock(), "progressa", "Progressa",
                            relayed={("progressa", "sms"), ("progressa", "email")})
    identity = real_now.identify(ORDINARY)
    real_now.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))
    real_now.core.write(lambda s, now: real_now.core.notify(s, now, real_now.core.member(s, identity.member_id),
                                                            "{name}: aviso", "Aviso"))
    with GatewayStandIn() as gateway:
        gateway.refuse("3111234567", 422)
        path = tmp_path / "entrega.toml"
        path.write_text(f'[progressa.sms]\nkind = "json"\nurl = "{gateway.url}"\ntoken_env = "TOKEN"\n', encoding="utf-8")
        monkeypatch.setenv("KIOSK_DELIVERY_FILE", str(path))
        monkeypatch.setenv("TOKEN", gateway.token)
        code, out, err = run(engine, capsys, "relay", "--once")
        assert (code, err) == (0, "")
        assert out == "Mensajes atendidos: 2 (progressa/sms)\n"
        refused = len(gateway.received)
        gateway.refuse("3111234567", 200)
        with transaction(engine) as session:  # no e-mail route in the file: it waits
            member = session.get(Member, identity.member_id)
            outbox.queue(session, sealer, Clock().now(), member, "email", "aviso", relayed={("progressa", "email")})
    code, out, err = run(engine, capsys, "relay", "--status")
    assert (code, err, refused) == (0, "", 2)
    lines = out.splitlines()
    assert lines[0].startswith("Entrega de mensajes desde ")
    assert lines[1].split() == ["canal", "en", "cola", "enviados", "reintentados", "muertos", "simulados",
                                "latencia", "p50", "p95"]
    assert lines[2].split() == ["email", "1", "0", "0", "0", "0", "-", "-"]
    assert lines[3].split() == ["sms", "0", "0", "0", "2", "0", "-", "-"]
    assert lines[4] == "Últimos mensajes muertos:"
    assert lines[5].endswith("progressa sms: pasarela: HTTP 422") and lines[6].endswith("progressa sms: pasarela: HTTP 422")
