"""The relay's systemd unit (deploy/kiosk-relay.service): what it runs and how it
is confined, and `systemd-analyze verify` finding nothing to say about it."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "kiosk-relay.service"
EXEC = "/opt/kiosk/.venv/bin/kiosk"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def unit() -> configparser.ConfigParser:
    # strict=False: systemd allows a key twice (SystemCallFilter); interpolation off: % is systemd's.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_the_unit_runs_the_relay_as_kiosk_and_restarts_it():
    service = unit()["Service"]
    assert service["ExecStart"] == f"{EXEC} relay"
    assert service["Restart"] == "always"
    assert service["User"] == "kiosk"
    assert service["EnvironmentFile"] == "/etc/kiosk/relay.env"
    assert service["Type"] == "simple"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_the_unit_is_confined():
    service = unit()["Service"]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID"):
        assert service[key] == "yes", key
    assert service["ProtectSystem"] == "strict"
    assert service["CapabilityBoundingSet"] == ""
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}


def verify(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    """`systemd-analyze verify` on ``text`` installed in a throwaway root that has the
    system's units and a stand-in for the kiosk executable (verify checks it exists)."""
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    installed = root / "etc/systemd/system/kiosk-relay.service"
    installed.parent.mkdir(parents=True)
    installed.write_text(text, encoding="utf-8")
    stand_in = root / EXEC.lstrip("/")
    stand_in.parent.mkdir(parents=True)
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    return subprocess.run(
        ["systemd-analyze", f"--root={root}", "verify", "kiosk-relay.service"],
        capture_output=True,
        text=True,
        timeout=60,
    )


needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
    reason="systemd-analyze is not installed (Debian: apt-get install systemd)",
)


@needs_systemd
def test_systemd_analyze_verify_has_nothing_to_say(tmp_path):
    result = verify(tmp_path, UNIT.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    # verify only warns about an unknown key or a bad value: any word from it is a defect.
    assert result.stdout + result.stderr == ""


@needs_systemd
def test_verify_would_catch_a_misspelt_key_or_value(tmp_path):
    """The check above can fail: the same procedure on a damaged copy speaks up."""
    damaged = UNIT.read_text(encoding="utf-8").replace("Restart=always", "Restart=sometimes")
    damaged = damaged.replace("ProtectSystem=strict", "ProtectSystm=strict")
    result = verify(tmp_path, damaged)
    assert "sometimes" in result.stderr and "ProtectSystm" in result.stderr
