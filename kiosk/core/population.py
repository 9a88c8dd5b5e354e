"""What members' contacts and security phrases look like, in one place.

A document nobody holds is shown decoys drawn from exactly this distribution
(``kiosk.core.members``), and the tests' realistic member population is drawn
from it too, so a bystander comparing the two sees one distribution: Colombian
operators' mobile prefixes, e-mail addresses made from names the way people
make them, the usual domains, members without an e-mail (or a mobile) at the
rate members lack them, and security phrases of the kind members choose.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

# Prefixes of Colombian mobile operators (Claro, Movistar, Tigo, WOM and
# others), weighted roughly by their share of lines.
MOBILE_PREFIX_WEIGHTS = {
    "300": 7, "301": 6, "302": 3, "304": 3, "305": 3,
    "310": 9, "311": 8, "312": 8, "313": 7, "314": 6,
    "315": 6, "316": 6, "317": 5, "318": 4, "319": 2,
    "320": 7, "321": 6, "322": 4, "323": 3,
    "350": 3, "351": 2,
}
MOBILE_PREFIXES = tuple(MOBILE_PREFIX_WEIGHTS)

# The domains members' addresses use, weighted.  ``mail.com`` is there because
# members (the demo members among them) use it.
EMAIL_DOMAIN_WEIGHTS = {
    "gmail.com": 40, "hotmail.com": 22, "outlook.com": 8, "yahoo.com": 6, "yahoo.es": 3,
    "hotmail.es": 3, "outlook.es": 2, "mail.com": 12, "live.com": 4,
}

# Members without an e-mail, or without a mobile, on file.
NO_EMAIL_RATE = 0.2
NO_MOBILE_RATE = 0.05
# Members who have not chosen a security image and phrase yet (a first access
# where the institution asks for them): shown none, as a decoy is at this rate.
NO_IMAGE_RATE = 0.5

FIRST_NAMES = (
    "Ana", "María", "Luz", "Gloria", "Patricia", "Sandra", "Claudia", "Diana", "Paola", "Carolina",
    "Andrea", "Natalia", "Catalina", "Laura", "Daniela", "Valentina", "Marcela", "Adriana", "Martha",
    "Rosa", "Blanca", "Liliana", "Yolanda", "Angela", "Paula", "Juliana", "Camila", "Lina", "Johana",
    "Carlos", "Juan", "José", "Luis", "Jorge", "Andrés", "Jaime", "Óscar", "Héctor", "Camilo", "Diego",
    "Fernando", "Alejandro", "Felipe", "Mauricio", "Ricardo", "Javier", "Sebastián", "Santiago",
    "Daniel", "David", "Julián", "Mario", "Edwin", "Wilson", "John", "Jhon", "Fabio", "Hernán",
    "Álvaro", "Gustavo", "William", "Nelson", "Fredy", "Germán", "Esteban", "Manuel",
)
LAST_NAMES = (
    "Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez", "Ramírez",
    "Pérez", "Díaz", "Muñoz", "Rojas", "Moreno", "Jiménez", "Vargas", "Castro", "Gutiérrez", "Álvarez",
    "Ruiz", "Ortiz", "Suárez", "Torres", "Romero", "Herrera", "Valencia", "Quintero", "Restrepo",
    "Salazar", "Cárdenas", "Londoño", "Mejía", "Ospina", "Arias", "Cardona", "Zapata", "Giraldo",
    "Osorio", "Marín", "Parra", "Correa", "Mora", "Ardila", "Patiño", "Tobón", "Lozano", "Peña",
    "Castaño", "Cortés", "Medina", "Acosta", "Bermúdez", "Cifuentes", "Duarte", "Escobar", "Franco",
    "Guerrero", "Montoya", "Navarro", "Pineda", "Rincón", "Sierra", "Silva", "Velásquez", "Villa",
)

# Security phrases are made of a beginning and an end, as members' own are.
PHRASE_STARTS = (
    "La constancia", "La paciencia", "La familia", "El esfuerzo", "La fe", "El trabajo honrado",
    "Cada mañana", "Mi casa", "La alegría", "El amor", "La esperanza", "Un buen amigo",
    "La humildad", "El respeto", "La disciplina", "Mi madre", "El café de la mañana", "La vida",
)
PHRASE_ENDS = (
    "vence lo imposible", "es un regalo", "es mi refugio", "abre todas las puertas",
    "es la mejor maestra", "nunca se rinde", "trae su recompensa", "lo es todo",
    "llega lejos", "ilumina el camino", "se cultiva cada día", "vale más que el oro",
)

SECURITY_IMAGES = ("sol", "luna", "estrella", "corazon", "casa", "flor", "paraguas", "musica", "pez")


def _plain(name: str) -> str:
    """A name as it goes into an address: lower case, no accents or spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def draw_mobile(rng: random.Random) -> str:
    return _weighted(rng, MOBILE_PREFIX_WEIGHTS) + f"{rng.randrange(10**7):07d}"


def email_for(rng: random.Random, first: str, last: str, second_first: str = "", second_last: str = "") -> str:
    """An address made from a person's names the ways people make them:
    nombre.apellido, nombreapellido12, inicial+apellido, iniciales+apellido."""
    first, last = _plain(first), _plain(last)
    style = rng.random()
    if style < 0.30:
        head = f"{first}.{last}"
    elif style < 0.50:
        head = f"{first}{last}{rng.randrange(1, 100)}"
    elif style < 0.65:
        head = f"{first[0]}{last}"
    elif style < 0.75:
        head = f"{first[0]}{_plain(second_first or first)[0]}{last}"
    elif style < 0.85:
        head = f"{first}{last}"
    elif style < 0.93:
        head = f"{first}_{last}{rng.randrange(1960, 2006)}"
    else:
        head = f"{first}.{last}.{_plain(second_last or last)[0]}"
    return f"{head}@{_weighted(rng, EMAIL_DOMAIN_WEIGHTS)}"


def draw_names(rng: random.Random) -> tuple[str, str]:
    """Two given names (often one) and two surnames, as Colombian documents have."""
    firsts = rng.sample(FIRST_NAMES, 2) if rng.random() < 0.5 else [rng.choice(FIRST_NAMES)]
    return " ".join(firsts), " ".join(rng.sample(LAST_NAMES, 2))


@dataclass(frozen=True)
class ContactDraw:
    first_names: str
    last_names: str
    mobile: str | None
    email: str | None


def draw_contacts(rng: random.Random) -> ContactDraw:
    """A person's names and contacts on file, from the members' distribution."""
    first_names, last_names = draw_names(rng)
    firsts, lasts = first_names.split(), last_names.split()
    mobile = None if rng.random() < NO_MOBILE_RATE else draw_mobile(rng)
    email = None
    if rng.random() >= NO_EMAIL_RATE:
        email = email_for(rng, firsts[0], lasts[0], firsts[-1] if len(firsts) > 1 else "", lasts[-1])
    return ContactDraw(first_names, last_names, mobile, email)


def draw_phrase(rng: random.Random) -> str:
    return f"{rng.choice(PHRASE_STARTS)} {rng.choice(PHRASE_ENDS)}"


def draw_image(rng: random.Random) -> str:
    return rng.choice(SECURITY_IMAGES)


def draw_has_image(rng: random.Random) -> bool:
    """Whether a person has chosen a security image yet, at the members' rate."""
    return rng.random() >= NO_IMAGE_RATE
