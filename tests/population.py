"""A realistic member population for the enumeration tests: names, contacts
and security phrases drawn from ``kiosk.core.population`` (the distribution the
decoys are drawn from, and the one members have), products and images of the
kinds members have, and members added to the store as the demo's are."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine

from kiosk.config import INSTITUTIONS_DIR
from kiosk.core import population
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.store import transaction
from kiosk.store.models import Member, MemberKey, Product, SecurityImage

# The shipped institutions, found by looking, and their names.
INSTITUTIONS = tuple(available_profiles(INSTITUTIONS_DIR))
NAMES = {slug: load_profile(slug, INSTITUTIONS_DIR).name for slug in INSTITUTIONS}
PRODUCTS = ("Cuenta de ahorros", "CDT", "Crédito de consumo", "Cuenta de ahorros con tarjeta débito",
            "Crédito de vehículo", "Crédito hipotecario", "Tarjeta de crédito principal")


@dataclass
class NewMember:
    institution: str
    document_type: str
    document: str
    mobile: str | None
    email: str | None
    first_names: str = "Asociado"
    last_names: str = "De Prueba"
    key_hash: str | None = None
    image: tuple[str, str] | None = None
    products: list[str] = field(default_factory=lambda: ["Cuenta de ahorros"])


def realistic_members(count: int, seed: int) -> list[NewMember]:
    """``count`` members across the institutions, documents as cédulas are."""
    rng = random.Random(seed)
    members = []
    for n in range(count):
        drawn = population.draw_contacts(rng)
        members.append(
            NewMember(
                institution=rng.choice(INSTITUTIONS),
                document_type="CC",
                document=str(rng.choice((rng.randrange(10**7, 10**8), rng.randrange(10**9, 2 * 10**9)))),
                mobile=drawn.mobile,
                email=drawn.email,
                first_names=drawn.first_names,
                last_names=drawn.last_names,
                # Some chose an image and phrase; the others (a first access) are shown
                # none, as a stranger is at the same rate.
                image=(
                    (population.draw_image(rng), population.draw_phrase(rng))
                    if rng.random() < 1 - population.NO_IMAGE_RATE else None
                ),
                products=rng.sample(PRODUCTS, rng.randint(1, 3)),
            )
        )
    return members


def add_members(engine: Engine, members: list[NewMember], now: datetime) -> None:
    with transaction(engine) as session:
        for new in members:
            member = Member(
                institution=new.institution, document_type=new.document_type, document_number=new.document,
                first_names=new.first_names, last_names=new.last_names, birth_date=date(1980, 1, 1),
                mobile=new.mobile, email=new.email, created_at=now,
            )
            session.add(member)
            session.flush()
            if new.key_hash:
                session.add(MemberKey(member_id=member.id, kind="login", hash=new.key_hash, changed_at=now))
            if new.image:
                session.add(SecurityImage(member_id=member.id, image=new.image[0], phrase=new.image[1], chosen_at=now))
            for n, kind in enumerate(new.products):
                session.add(Product(member_id=member.id, kind=kind, number=f"55{n}0{member.id:08d}",
                                    opened_on=date(2015, 1, 1)))
