"""deploy/delivery.example.toml: every institution, both channels, the documented
fields, and no secret written in it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kiosk.flow.profile import available_profiles

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "delivery.example.toml"
FIELDS = {
    "smtp": {"kind", "host", "port", "security", "username", "password_env", "from", "reply_to", "timeout"},
    "json": {"kind", "url", "token_env", "timeout"},
    "twilio": {"kind", "account_sid", "auth_token_env", "from", "base_url", "timeout"},
}
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_every_institution_has_both_channels():
    tables = {name: table for name, table in example().items() if name != "relay"}
    assert sorted(tables) == available_profiles()
    for name, table in tables.items():
        assert sorted(table) == ["email", "sms"], name
        assert table["email"]["kind"] == "smtp"
        assert table["sms"]["kind"] in ("json", "twilio")


def test_only_documented_fields_and_secrets_only_by_variable_name():
    for name, table in example().items():
        if name == "relay":
            continue
        for channel, options in table.items():
            where = f"{name}.{channel}"
            assert set(options) <= FIELDS[options["kind"]], where
            for key, value in options.items():
                if key.endswith("_env"):
                    assert ENV_NAME.fullmatch(value), where
            if options["kind"] == "smtp":
                assert options["security"] in ("starttls", "tls", "none"), where
                assert options["security"] != "none" or options["host"] in ("127.0.0.1", "localhost"), where
                assert ("username" in options) == ("password_env" in options), where


def test_the_relay_reads_the_example():
    """Once the relay's configuration reader is present (issue 23, the relay's half)."""
    config = pytest.importorskip("kiosk.relay.config")
    delivery = config.load_delivery(EXAMPLE)
    assert {institution for institution, _ in delivery.relayed} == set(available_profiles())
