"""`kiosk outbox`: what the kiosk "sent", newest first, readable in a plain
terminal, with a QR code for every link."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from kiosk.core import outbox
from kiosk.store import transaction
from tests.helpers import ORDINARY, member

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


def kiosk_command(engine, *args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", "--database-url", str(engine.url), *args]


def kiosk_env(tmp_path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "KIOSK_PEPPER": TEST_PEPPER.hex(), "KIOSK_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": root}


def test_outbox_piped_into_head_ends_quietly(service_for, engine, sealer, clock, tmp_path):
    service_for("progressa")
    ordinary = member(engine, ORDINARY)
    with transaction(engine) as session:  # far more than a pipe holds: the outbox is still writing when head leaves
        for number in range(300):
            outbox.queue(session, sealer, clock.now(), ordinary, "sms", f"mensaje {number} " + "x" * 1000)
    pipeline = f"{subprocess.list2cmdline(kiosk_command(engine, 'outbox', '--limit', '300'))} | head -1"
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {pipeline}"], env=kiosk_env(tmp_path), capture_output=True, text=True,
        timeout=120,
    )
    assert result.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1 and "SMS → 3111234567" in result.stdout


def test_a_follower_whose_reader_leaves_ends_quietly(service_for, engine, tmp_path):
    service = service_for("progressa")
    follower = subprocess.Popen(
        kiosk_command(engine, "outbox", "--follow"), env={**kiosk_env(tmp_path), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(2)  # up, and following
        follower.stdout.close()  # the reader leaves
        service.send_temporary_key(service.identify(ORDINARY), "sms", 6, timedelta(minutes=10))
        assert follower.wait(timeout=30) == 0  # it ends at its next message, quietly
        assert follower.stderr.read() == ""
    finally:
        follower.kill()
        follower.wait()


def test_outbox_prints_control_characters_escaped_never_raw(service_for, engine, sealer, clock, capsys, monkeypatch):
    """A recipient or body stored before contacts were checked (or written by
    hand) cannot drive the operator's terminal: ESC, BEL, NUL, CSI and RTL
    overrides are printed as \\x1b, \\x07, \\x00, \\x9b, \\u202e."""
    from sqlmodel import Session

    from kiosk.core import outbox
    from tests.helpers import member

    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    service_for("progressa")
    with Session(engine) as session:
        someone = member(engine, "1010123456")
        outbox.queue(
            session, sealer, clock.now(), someone, "sms", "hola\x1b[2J\x00\x07\nchao\x9b31m[@click=app.quit]x",
            subject="Aviso\x1b]0;pwned\x07", recipient="311\u202e1234567",
        )
        session.commit()
    assert cli.main(["--database-url", str(engine.url), "outbox", "--limit", "1"]) == 0
    printed = capsys.readouterr().out
    assert "→ 311\\u202e1234567 · Aviso\\x1b]0;pwned\\x07" in printed
    assert "  hola\\x1b[2J\\x00\\x07\n  chao\\x9b31m[@click=app.quit]x" in printed
    assert not any(ch in printed for ch in "\x1b\x00\x07\x9b\u202e")
