"""The delivery file (KIOSK_DELIVERY_FILE): which institutions and channels a
relay delivers, and how.  One TOML table per institution and channel::

    [progressa.email]
    kind = "smtp"
    host = "smtp.progressa.coop"
    port = 587                       # default: 587 starttls, 465 tls, 25 none
    security = "starttls"            # "starttls" | "tls" | "none"
    username = "kiosco@progressa.coop"
    password_env = "PROGRESSA_SMTP_PASSWORD"   # the NAME of an environment variable
    from = "Progressa <no-responder@progressa.coop>"
    reply_to = "soporte@progressa.coop"        # optional
    timeout = 10                               # seconds, optional

    [progressa.sms]
    kind = "json"                    # kiosk.relay.gateway
    url = "https://sms.example.net/v1/messages"
    token_env = "PROGRESSA_SMS_TOKEN"
    timeout = 10

    [coasmedas.sms]
    kind = "twilio"
    account_sid = "AC0123..."
    auth_token_env = "COASMEDAS_TWILIO_TOKEN"
    from = "+15005550006"
    base_url = "https://api.twilio.com"        # optional

    [relay]                          # optional: the relay's own pace
    batch = 20                       # messages claimed at a time
    lease_seconds = 60               # a claim lapses after this (a relay that died)
    poll_seconds = 0.2               # how often an idle relay looks for work
    max_attempts = 8                 # then the message is dead
    backoff_seconds = 5              # first retry; doubled each time, with jitter
    backoff_max_seconds = 1800

Secrets never live in the file: only the names of the environment variables
that hold them, read by the relay alone (``build_transports``).  The kiosks
read the same file for one thing: which (institution, channel) pairs are
relayed, whose new messages they queue instead of simulating.

A file that is wrong stops the command with one Spanish line naming the file
and the field (``DeliveryFileError``, exit code 2).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.relay.loopback import is_loopback
from kiosk.relay.transport import Transport

CHANNELS = ("email", "sms")
KINDS = {"email": ("smtp",), "sms": ("json", "twilio")}
SECURITIES = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_TIMEOUT = 10.0


class DeliveryFileError(Exception):
    """The delivery file cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Route:
    """How one institution's channel is delivered (the file's table, checked)."""

    institution: str
    channel: str
    kind: str
    options: Mapping[str, object]


@dataclass(frozen=True)
class Pace:
    batch: int = 20
    lease_seconds: float = 60.0
    poll_seconds: float = 0.2
    max_attempts: int = 8
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 1800.0


@dataclass(frozen=True)
class Delivery:
    path: Path
    routes: dict[tuple[str, str], Route]
    pace: Pace = field(default_factory=Pace)

    @property
    def relayed(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.routes)


def relayed_routes(delivery_file: Path | None) -> frozenset[tuple[str, str]]:
    """The (institution, channel) pairs a relay delivers; none without a file."""
    return load_delivery(delivery_file).relayed if delivery_file else frozenset()


def load_delivery(path: Path, institutions: list[str] | None = None) -> Delivery:
    """The file read and checked.  ``institutions``: the known slugs (default:
    the profiles installed), so a misspelt one is refused, not silently unsent."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise DeliveryFileError(f"{path}: no se puede leer ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DeliveryFileError(f"{path}: no es TOML válido ({error})") from None
    if institutions is None:
        from kiosk.flow.profile import available_profiles

        institutions = available_profiles()
    routes: dict[tuple[str, str], Route] = {}
    pace = Pace()
    for name, table in data.items():
        if name == "relay":
            pace = _pace(path, table)
            continue
        if name not in institutions:
            raise DeliveryFileError(f"{path}: {name}: entidad desconocida (conocidas: {', '.join(institutions)})")
        if not isinstance(table, dict):
            raise DeliveryFileError(f"{path}: {name}: debe ser una tabla [{name}.email] o [{name}.sms]")
        for channel, options in table.items():
            where = f"{name}.{channel}"
            if channel not in CHANNELS or not isinstance(options, dict):
                raise DeliveryFileError(f"{path}: {where}: canal desconocido (use email o sms)")
            routes[(name, channel)] = Route(name, channel, *_checked(path, where, channel, options))
    if not routes:
        raise DeliveryFileError(f"{path}: no configura ninguna entidad ([entidad.email] o [entidad.sms])")
    slowest = max(route.options["timeout"] for route in routes.values())
    if pace.lease_seconds < 2 * slowest:  # a send must end well within its claim, or another relay repeats it
        raise DeliveryFileError(
            f"{path}: relay.lease_seconds: debe ser al menos el doble del mayor timeout ({slowest:g} s)"
        )
    return Delivery(Path(path), routes, pace)


def build_transports(delivery: Delivery, environ: Mapping[str, str] | None = None) -> dict[tuple[str, str], Transport]:
    """One transport per route, with its secrets read from the environment."""
    environ = os.environ if environ is None else environ
    transports = {}
    for key, route in delivery.routes.items():
        try:
            transports[key] = _transport(delivery.path, route, environ)
        except ValueError as refused:  # a transport's own check (say, no TLS to another machine)
            raise DeliveryFileError(f"{delivery.path}: {route.institution}.{route.channel}: {refused}") from None
    return transports


# -- checking ---------------------------------------------------------------

_FIELDS = {
    "smtp": {"kind", "host", "port", "security", "username", "password_env", "from", "reply_to", "timeout"},
    "json": {"kind", "url", "token_env", "timeout"},
    "twilio": {"kind", "account_sid", "auth_token_env", "from", "base_url", "timeout"},
}
_REQUIRED = {
    "smtp": ("host", "from"),
    "json": ("url", "token_env"),
    "twilio": ("account_sid", "auth_token_env", "from"),
}


def _checked(path: Path, where: str, channel: str, options: dict) -> tuple[str, dict]:
    kind = options.get("kind")
    if kind not in KINDS[channel]:
        raise DeliveryFileError(f"{path}: {where}.kind: debe ser {' o '.join(repr(k) for k in KINDS[channel])}")
    for name in options:
        if name not in _FIELDS[kind]:
            raise DeliveryFileError(f"{path}: {where}.{name}: campo desconocido para kind = {kind!r}")
    for name in _REQUIRED[kind]:
        if not isinstance(options.get(name), str) or not options[name].strip():
            raise DeliveryFileError(f"{path}: {where}.{name}: falta (un texto)")
    for name in options:
        if name not in ("port", "timeout") and not isinstance(options[name], str):
            raise DeliveryFileError(f"{path}: {where}.{name}: debe ser un texto entre comillas")
    checked = dict(options)
    checked["timeout"] = _positive(path, f"{where}.timeout", options.get("timeout", DEFAULT_TIMEOUT))
    if kind == "smtp":
        security = options.get("security", "starttls")
        if security not in SECURITIES:
            raise DeliveryFileError(f"{path}: {where}.security: debe ser \"starttls\", \"tls\" o \"none\"")
        port = options.get("port", SECURITIES[security])
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise DeliveryFileError(f"{path}: {where}.port: debe ser un número entre 1 y 65535")
        if options.get("username") and not options.get("password_env"):
            raise DeliveryFileError(f"{path}: {where}.password_env: falta (con username hace falta la contraseña)")
        checked.update(security=security, port=port)
    if kind == "json":
        _check_url(path, f"{where}.url", options["url"])
    if kind == "twilio" and options.get("base_url"):
        _check_url(path, f"{where}.base_url", options["base_url"])
    return kind, checked


def _check_url(path: Path, where: str, url: str) -> None:
    """https, or http to this machine only: the token never travels in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryFileError(f"{path}: {where}: debe ser una dirección https://")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise DeliveryFileError(f"{path}: {where}: debe ser https:// (http solo hacia esta misma máquina)")


def _positive(path: Path, where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise DeliveryFileError(f"{path}: {where}: debe ser un número mayor que cero")
    return float(value)


def _pace(path: Path, table: object) -> Pace:
    if not isinstance(table, dict):
        raise DeliveryFileError(f"{path}: relay: debe ser una tabla [relay]")
    values = {}
    for name, value in table.items():
        if name not in Pace.__dataclass_fields__:
            raise DeliveryFileError(f"{path}: relay.{name}: campo desconocido")
        number = _positive(path, f"relay.{name}", value)
        if name in ("batch", "max_attempts"):
            if number != int(number):
                raise DeliveryFileError(f"{path}: relay.{name}: debe ser un número entero mayor que cero")
            number = int(number)
        values[name] = number
    return Pace(**values)


# -- building ---------------------------------------------------------------


def _secret(path: Path, route: Route, option: str, environ: Mapping[str, str]) -> str | None:
    name = route.options.get(option)
    if not name:
        return None
    value = environ.get(name)
    if not value:
        where = f"{route.institution}.{route.channel}.{option}"
        raise DeliveryFileError(f"{path}: {where}: la variable de entorno {name} no está definida")
    return value


def _transport(path: Path, route: Route, environ: Mapping[str, str]) -> Transport:
    options = route.options
    if route.kind == "json":
        from kiosk.relay.gateway import JsonGateway

        return JsonGateway(
            url=options["url"], token=_secret(path, route, "token_env", environ), timeout=options["timeout"]
        )
    if route.kind == "smtp":
        from kiosk.relay.smtp import SmtpTransport  # kiosk.relay.smtp: the SMTP transport

        return SmtpTransport(
            host=options["host"], port=options["port"], security=options["security"],
            username=options.get("username"), password=_secret(path, route, "password_env", environ),
            from_address=options["from"], reply_to=options.get("reply_to"), timeout=options["timeout"],
        )
    from kiosk.relay.twilio import TwilioSms

    extra = {"base_url": options["base_url"]} if options.get("base_url") else {}  # else the provider's own
    return TwilioSms(
        account_sid=options["account_sid"], auth_token=_secret(path, route, "auth_token_env", environ),
        from_number=options["from"], timeout=options["timeout"], **extra,
    )
