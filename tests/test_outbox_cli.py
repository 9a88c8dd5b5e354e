"""`kiosk outbox`: what the kiosk "sent", newest first, readable in a plain
terminal, with a QR code for every link."""

from __future__ import annotations

from datetime import timedelta

from kiosk import cli
from kiosk.qr import qr_text
from tests.conftest import TEST_PEPPER


def test_outbox_prints_messages_newest_first_with_a_qr_for_links(service_for, engine, capsys, monkeypatch):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    progressa = service_for("progressa")
    progressa.send_temporary_key(progressa.identify("1010123456"), "sms", 6, timedelta(minutes=10))
    cootrasena = service_for("cootrasena")
    cootrasena.send_recovery_link(cootrasena.identify("52345678"), 6, timedelta(hours=24), "6 números")

    assert cli.main(["--database-url", str(engine.url), "outbox", "--limit", "5"]) == 0
    printed = capsys.readouterr().out
    sms = printed.index("SMS → 3111234567")
    mail = printed.index("EMAIL → patricia.salazar@mail.com")
    assert mail < sms  # newest first
    assert "su clave temporal es" in printed
    url = next(line.split(": ", 1)[1] for line in printed.splitlines() if "siga este enlace" in line)
    url = url.split()[0]
    assert qr_text(url) in printed
