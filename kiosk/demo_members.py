"""The demo members, one per situation an operator shows: pure data, read by
the demo guide before the store is even open.  Their keys are demo values,
documented in the README's demo guide; real members' keys are never known to
anybody but them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kiosk.i18n import N_


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

DEMO_MEMBERS = [
    DemoMember(
        "progressa", "1010123456", "Ana María", "Rojas Pérez", date(1985, 3, 14),
        N_("Asociada al día: clave 582017, imagen «Flor» y frase ya elegidas."),
        mobile="3111234567", email="mynameis@mail.com", key="582017",
        image=("flor", "La peor experiencia es la mejor maestra"),
        products=[(N_("Cuenta de ahorros"), "4501203344", date(2015, 6, 1)),
                  (N_("CDT"), "7700112233", date(2022, 1, 15))],
    ),
    DemoMember(
        "progressa", "1020304050", "Carlos Andrés", "Gómez Díaz", date(1990, 11, 2),
        N_("Primer ingreso: clave inicial 640825 de la cooperativa; debe cambiarla."),
        mobile="3157654321", email="carlos.gomez@mail.com", key="640825", temporary_key=True,
        products=[(N_("Cuenta de ahorros"), "4501998877", date(2023, 9, 10))],
    ),
    DemoMember(
        "progressa", "1030405060", "Luz Marina", "Herrera Castro", date(1978, 7, 23),
        N_("Clave bloqueada por intentos fallidos: «Olvidé mi clave» la desbloquea."),
        mobile="3209876543", email="luz.herrera@mail.com", key="915372", blocked=True,
        image=("sol", "Cada mañana es un regalo"),
        products=[(N_("Crédito de consumo"), "8800223344", date(2020, 2, 5))],
    ),
    DemoMember(
        "progressa", "1040506070", "Jorge Eliécer", "Muñoz Vargas", date(1969, 1, 30),
        N_("Sin correo registrado: solo puede recibir SMS."),
        mobile="3004567890", key="308461",
        image=("casa", "Mi casa es mi refugio"),
        products=[(N_("Cuenta de ahorros"), "4501556677", date(2010, 4, 20))],
    ),
    DemoMember(
        "coasmedas", "7602264", "María Fernanda", "Ortiz Lozano", date(1982, 5, 9),
        N_("Asociada al día: clave de ingreso 5830, clave transaccional 2971."),
        mobile="3014567890", email="mfortiz@mail.com", key="5830", transactional_key="2971",
        products=[(N_("Cuenta de ahorros"), "1200345566", date(2012, 8, 14)),
                  (N_("Crédito de consumo"), "9900112244", date(2024, 3, 1))],
    ),
    DemoMember(
        "coasmedas", "99999999", "Héctor", "Ramírez Peña", date(1975, 12, 1),
        N_("Sin celular registrado: la recuperación lo envía a una oficina."),
        email="hector.ramirez@mail.com", key="6148", transactional_key="3852",
        products=[(N_("Cuenta de ahorros"), "1200778899", date(2005, 2, 2))],
    ),
    DemoMember(
        "cooperen", "12147", "Gloria Inés", "Vargas Tobón", date(1959, 1, 14),
        N_("Asociada al día: clave 49370. Respuestas: gloria.vargas@mail.com, 1959-01-14, 321 2118468, 1122, julio."),
        mobile="3212118468", email="gloria.vargas@mail.com", key="49370",
        products=[(N_("Cuenta de ahorros"), "3300451122", date(1998, 7, 1))],
    ),
    DemoMember(
        "cooperen", "80123456", "Jaime", "Restrepo Gil", date(1988, 9, 5),
        N_("Primer ingreso: clave inicial 27514 de la cooperativa."),
        mobile="3137542827", email="jaime.restrepo@mail.com", key="27514", temporary_key=True,
        products=[(N_("Cuenta de ahorros"), "3300998877", date(2026, 1, 20))],
    ),
    DemoMember(
        "cootrasena", "52345678", "Patricia", "Salazar Mejía", date(1980, 2, 29),
        N_("Asociada al día: contraseña 604917."),
        mobile="3165552233", email="patricia.salazar@mail.com", key="604917",
        products=[(N_("Cuenta de ahorros"), "5500112233", date(2016, 10, 3)),
                  (N_("Crédito de consumo"), "5590334455", date(2025, 5, 12))],
    ),
    DemoMember(
        "cootrasena", "71222333", "Óscar", "Londoño Ruiz", date(1993, 6, 18),
        N_("Primer ingreso, aún sin contraseña: use «¿Olvidó su contraseña?»."),
        mobile="3189998877", email="oscar.londono@mail.com",
        products=[(N_("Cuenta de ahorros"), "5500667788", date(2026, 9, 1))],
    ),
    DemoMember(
        "bancocajasocial", "1019283746", "Andrés Felipe", "Cárdenas Mora", date(1987, 4, 3),
        N_("Cliente al día: contraseña 73915824. «No son correctos» en los datos lo envía a una oficina."),
        mobile="3004445566", email="andres.cardenas@mail.com", key="73915824",
        products=[(N_("Cuenta de ahorros con tarjeta débito"), "24500123456", date(2014, 3, 10)),
                  (N_("Crédito de vehículo"), "8801554433", date(2023, 8, 22))],
    ),
    DemoMember(
        "bancocajasocial", "39876543", "Rosa Elena", "Quintero Patiño", date(1970, 10, 27),
        N_("Contraseña bloqueada por intentos fallidos: el mismo proceso la desbloquea."),
        mobile="3156667788", email="rosa.quintero@mail.com", key="58130496", blocked=True,
        products=[(N_("Crédito hipotecario"), "9900776655", date(2011, 5, 30)),
                  (N_("Tarjeta de crédito principal"), "4555123412341234", date(2019, 12, 1))],
    ),
    DemoMember(
        "bancocajasocial", "1122334455", "Camilo", "Ardila Suárez", date(1999, 8, 8),
        N_("Solo tiene un CDT: no cumple los requisitos y se le dice qué necesita."),
        mobile="3201112233", email="camilo.ardila@mail.com", key="46172958",
        products=[(N_("CDT"), "7700998811", date(2025, 2, 14))],
    ),
]
