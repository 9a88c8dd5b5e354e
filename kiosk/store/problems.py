"""What stops the kiosk before it serves anyone: a store it must not use as
it is.  Each problem is one line for the operator saying what to do; the
cause goes to the log, never to a screen or a terminal as a traceback."""

from __future__ import annotations

from pathlib import Path

from kiosk.i18n import _


class StoreProblem(Exception):
    """``str(problem)`` is the operator's one line."""


def not_writable(path: Path) -> StoreProblem:
    return StoreProblem(
        _("El directorio {path} no admite escritura: el kiosco guarda allí sus datos; "
          "dele permiso de escritura al usuario del kiosco.").format(path=path)
    )


def corrupt_database(where: str, detail: str) -> StoreProblem:
    return StoreProblem(
        _("La base de datos {where} está dañada ({detail}): detenga los kioscos y restáurela "
          "de la copia de seguridad con «kiosk restore COPIA».").format(where=where, detail=detail)
    )


def pepper_missing(source: str) -> StoreProblem:
    return StoreProblem(
        _("Falta la pimienta ({source}) de este almacén, que ya está en uso: restaure el archivo "
          "de la copia de seguridad.").format(source=source)
    )


def pepper_changed(source: str) -> StoreProblem:
    return StoreProblem(
        _("La pimienta ({source}) no corresponde a este almacén: restaure el archivo de la copia "
          "de seguridad.").format(source=source)
    )


def pepper_malformed(source: str) -> StoreProblem:
    return StoreProblem(
        _("La pimienta ({source}) está dañada (se esperan 64 cifras hexadecimales): restaure el "
          "archivo de la copia de seguridad.").format(source=source)
    )


def pepper_unreadable(source: str, reason: str) -> StoreProblem:
    return StoreProblem(
        _("No se puede leer la pimienta ({source}: {reason}): revise sus permisos o restáurela de "
          "la copia de seguridad.").format(source=source, reason=reason)
    )
