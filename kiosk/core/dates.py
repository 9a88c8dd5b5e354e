"""Dates as Colombian screens write them: "Jueves, 21 de octubre de 2021"."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

# Colombia keeps UTC-5 all year (no daylight saving), so no tz database is needed.
COLOMBIA = timezone(timedelta(hours=-5), "COT")

DAYS = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")


def local_date(moment: datetime) -> date:
    return moment.astimezone(COLOMBIA).date()


def local_time(moment: datetime, format: str = "%d/%m/%Y %H:%M") -> str:
    """``moment`` as a clock in Colombia reads it."""
    return moment.astimezone(COLOMBIA).strftime(format)


def spanish_date(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} de {MONTHS[day.month - 1]} de {day.year}"
