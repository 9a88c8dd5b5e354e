"""The demo members, one per situation an operator shows: data, kept beside
each institution's profile as ``<slug>.demo.toml`` and read by the demo guide
before the store is even open.  Their keys are demo values, documented in the
README's demo guide (hashed as they are seeded, kiosk.demo); real members'
keys are never known to anybody but them.

A file is checked as it is read: a wrong field is a DemoDataError of one
line, in Spanish, naming the file, the member and the field."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.config import institutions_dir
from kiosk.flow.profile import ProfileError, available_profiles


@dataclass(frozen=True)
class DemoMember:
    institution: str
    document: str
    first_names: str
    last_names: str
    birth_date: date
    situation: str  # shown in the demo guide (translated where shown)
    mobile: str | None = None
    email: str | None = None
    key: str | None = None
    transactional_key: str | None = None
    temporary_key: bool = False
    blocked: bool = False
    image: tuple[str, str] | None = None
    products: list[tuple[str, str, date]] = field(default_factory=list)


CONSENT_VERSION = "2024-01"


class DemoDataError(ProfileError):
    """A demo members file that cannot be used (the kiosk stops with its one line)."""


def demo_path(directory: Path, slug: str) -> Path:
    return directory / f"{slug}.demo.toml"


def demo_members(directory: Path | None = None) -> list[DemoMember]:
    """Every institution's demo members in ``directory`` (default:
    kiosk.config.institutions_dir), institution by institution.  An
    institution without a ``<slug>.demo.toml`` has none."""
    directory = directory or institutions_dir()
    members: list[DemoMember] = []
    for slug in available_profiles(directory):
        path = demo_path(directory, slug)
        if path.is_file():
            members.extend(read_demo_members(path, slug))
    return members


# Each field of a member: (required, what it must be, the check).
def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _digits(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit()


_FIELDS: dict[str, tuple[bool, str, Any]] = {
    "document": (True, "un número de documento entre comillas, solo dígitos", _digits),
    "first_names": (True, "un texto entre comillas", _text),
    "last_names": (True, "un texto entre comillas", _text),
    "birth_date": (True, "una fecha como 1985-03-14", lambda v: type(v) is date),
    "situation": (True, "un texto entre comillas", _text),
    "mobile": (False, "un celular entre comillas, solo dígitos", _digits),
    "email": (False, "un correo entre comillas", lambda v: _text(v) and "@" in v),
    "key": (False, "una clave entre comillas, solo dígitos", _digits),
    "transactional_key": (False, "una clave entre comillas, solo dígitos", _digits),
    "temporary_key": (False, "true o false", lambda v: isinstance(v, bool)),
    "blocked": (False, "true o false", lambda v: isinstance(v, bool)),
    "image": (False, "una tabla { name = \"...\", phrase = \"...\" }",
              lambda v: isinstance(v, dict) and set(v) == {"name", "phrase"} and all(map(_text, v.values()))),
    "products": (False, "una lista de { kind = \"...\", number = \"...\", opened = AAAA-MM-DD }",
                 lambda v: isinstance(v, list) and all(_is_product(p) for p in v)),
}


def _is_product(value: Any) -> bool:
    return (
        isinstance(value, dict) and set(value) == {"kind", "number", "opened"}
        and _text(value["kind"]) and _digits(value["number"]) and type(value["opened"]) is date
    )


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def read_demo_members(path: Path, slug: str) -> list[DemoMember]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its text names the line and column
        raise DemoDataError(f"{path}: {error}") from None
    raw_members = data.pop("members", None)
    if data:
        raise DemoDataError(f"{path}: campo {next(iter(data))}: no existe (se puede usar: members)")
    if not isinstance(raw_members, list) or not all(isinstance(raw, dict) for raw in raw_members):
        raise DemoDataError(f"{path}: faltan los asociados ([[members]])")
    members, documents = [], set()
    for number, raw in enumerate(raw_members, 1):
        where = f"{path}: asociado número {number}"
        for name, value in raw.items():
            if name not in _FIELDS:
                raise DemoDataError(f"{where}, campo {name}: no existe (se puede usar: {', '.join(_FIELDS)})")
            _required, wanted, check = _FIELDS[name]
            if not check(value):
                raise DemoDataError(f"{where}, campo {name}: debe ser {wanted}, no {_shown(value)}")
        for name, (required, _wanted, _check) in _FIELDS.items():
            if required and name not in raw:
                raise DemoDataError(f"{where}: falta el campo {name}, que es obligatorio")
        if raw["document"] in documents:
            raise DemoDataError(f"{where}, campo document: {raw['document']} ya es de otro asociado del archivo")
        documents.add(raw["document"])
        image, products = raw.pop("image", None), raw.pop("products", [])
        members.append(DemoMember(
            institution=slug, **raw,
            image=(image["name"], image["phrase"]) if image else None,
            products=[(p["kind"], p["number"], p["opened"]) for p in products],
        ))
    return members
