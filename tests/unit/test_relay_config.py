"""The delivery file (kiosk.relay.config): a good one read, the relayed
routes known to the kiosks without any secret, secrets read only from the
environment, and every mistake one Spanish line naming the file and field."""

from __future__ import annotations

import pytest

from kiosk.relay.config import DeliveryFileError, Pace, build_transports, load_delivery, relayed_routes
from kiosk.relay.gateway import JsonGateway
from kiosk.relay.status import percentile

INSTITUTIONS = ["coasmedas", "progressa"]

GOOD = """
[progressa.email]
kind = "smtp"
host = "smtp.progressa.coop"
security = "tls"
username = "kiosco"
password_env = "PROGRESSA_SMTP_PASSWORD"
from = "Progressa <no-responder@progressa.coop>"
reply_to = "soporte@progressa.coop"

[progressa.sms]
kind = "json"
url = "https://sms.example.net/v1/messages"
token_env = "PROGRESSA_SMS_TOKEN"
timeout = 4

[coasmedas.sms]
kind = "twilio"
account_sid = "AC123"
auth_token_env = "COASMEDAS_TOKEN"
from = "+15005550006"

[relay]
batch = 10
backoff_seconds = 0.5
"""


def write(tmp_path, text: str):
    path = tmp_path / "entrega.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_read_with_defaults(tmp_path):
    delivery = load_delivery(write(tmp_path, GOOD), INSTITUTIONS)
    assert delivery.relayed == {("progressa", "email"), ("progressa", "sms"), ("coasmedas", "sms")}
    email = delivery.routes[("progressa", "email")]
    assert (email.kind, email.options["port"], email.options["timeout"]) == ("smtp", 465, 10.0)
    assert delivery.routes[("progressa", "sms")].options["timeout"] == 4.0
    assert delivery.pace == Pace(batch=10, backoff_seconds=0.5)


def test_the_kiosks_need_no_secret_and_no_file_means_nothing_relayed(tmp_path, monkeypatch):
    monkeypatch.delenv("PROGRESSA_SMS_TOKEN", raising=False)
    path = write(tmp_path, '[progressa.sms]\nkind = "json"\nurl = "https://x.example/"\ntoken_env = "PROGRESSA_SMS_TOKEN"\n')
    assert relayed_routes(path) == {("progressa", "sms")}
    assert relayed_routes(None) == frozenset()


def test_secrets_come_from_the_environment_only(tmp_path):
    path = write(tmp_path, '[progressa.sms]\nkind = "json"\nurl = "https://x.example/"\ntoken_env = "SMS_TOKEN"\n')
    delivery = load_delivery(path, INSTITUTIONS)
    [gateway] = build_transports(delivery, {"SMS_TOKEN": "s3cr3t"}).values()
    assert isinstance(gateway, JsonGateway) and gateway._token == "s3cr3t"
    with pytest.raises(DeliveryFileError) as missing:
        build_transports(delivery, {})
    assert str(missing.value) == f"{path}: progressa.sms.token_env: la variable de entorno SMS_TOKEN no está definida"


@pytest.mark.parametrize(
    "text, field, problem",
    [
        ('[progresa.sms]\nkind = "json"\n', "progresa", "entidad desconocida"),
        ('[progressa.fax]\nkind = "json"\n', "progressa.fax", "canal desconocido"),
        ('[progressa.sms]\nkind = "smtp"\n', "progressa.sms.kind", "debe ser 'json' o 'twilio'"),
        ('[progressa.sms]\nkind = "json"\ntoken_env = "T"\n', "progressa.sms.url", "falta"),
        ('[progressa.sms]\nkind = "json"\nurl = "http://sms.example.net/"\ntoken_env = "T"\n',
         "progressa.sms.url", "debe ser https://"),
        ('[progressa.sms]\nkind = "json"\nurl = "https://x/"\ntoken = "T"\n', "progressa.sms.token", "campo desconocido"),
        ('[progressa.sms]\nkind = "json"\nurl = "https://x/"\ntoken_env = "T"\ntimeout = -1\n',
         "progressa.sms.timeout", "mayor que cero"),
        ('[progressa.email]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\nport = 70000\n', "progressa.email.port", "entre 1 y 65535"),
        ('[progressa.email]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\nsecurity = "ssl"\n', "progressa.email.security", "starttls"),
        ('[progressa.email]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\nusername = "u"\n', "progressa.email.password_env", "falta"),
        ('[progressa.email]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\npassword_env = 5\n', "progressa.email.password_env", "texto"),
        ('[progressa.sms]\nkind = "json"\nurl = "https://x/"\ntoken_env = "T"\n[relay]\nbatch = 2.5\n', "relay.batch", "entero"),
        ('[relay]\nbatch = 2\n', "", "no configura ninguna entidad"),
        ('[progressa.sms]\nkind = "json"\nurl = "https://x/"\ntoken_env = "T"\ntimeout = 20\n[relay]\nlease_seconds = 30\n',
         "relay.lease_seconds", "al menos el doble del mayor timeout (20 s)"),
    ],
)
def test_a_wrong_file_is_one_spanish_line_naming_the_file_and_field(tmp_path, text, field, problem):
    path = write(tmp_path, text)
    with pytest.raises(DeliveryFileError) as wrong:
        load_delivery(path, INSTITUTIONS)
    message = str(wrong.value)
    assert message.startswith(f"{path}: {field}") and problem in message and "\n" not in message


def test_unreadable_or_not_toml(tmp_path):
    with pytest.raises(DeliveryFileError, match="no se puede leer"):
        load_delivery(tmp_path / "missing.toml", INSTITUTIONS)
    with pytest.raises(DeliveryFileError, match="no es TOML válido"):
        load_delivery(write(tmp_path, "[progressa.sms\n"), INSTITUTIONS)


def test_nearest_rank_percentiles():
    assert percentile([], 50) is None
    assert percentile([1.0], 95) == 1.0
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95)) == (50.0, 95.0)


def test_a_transport_refusing_its_settings_names_the_route(tmp_path, monkeypatch):
    import kiosk.relay.gateway as gateway

    def refuses(**_options):
        raise ValueError("sin cifrado solo hacia esta máquina")

    monkeypatch.setattr(gateway, "JsonGateway", refuses)
    path = write(tmp_path, '[progressa.sms]\nkind = "json"\nurl = "https://x.example/"\ntoken_env = "T"\n')
    with pytest.raises(DeliveryFileError) as refused:
        build_transports(load_delivery(path, INSTITUTIONS), {"T": "t"})
    assert str(refused.value) == f"{path}: progressa.sms: sin cifrado solo hacia esta máquina"
