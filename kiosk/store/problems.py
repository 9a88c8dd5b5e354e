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


class StoreUnreachable(StoreProblem):
    """The database server did not answer: it may come back.  A command stops
    with its one line; the kiosk shows «no disponible» and tries again."""


def unreachable(where: str, detail: str) -> StoreUnreachable:
    return StoreUnreachable(
        _("No se puede conectar con la base de datos {where} ({detail}): revise que el servidor "
          "esté en marcha y que la dirección sea la correcta.").format(where=where, detail=detail)
    )


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or used for
    now (server down, connection lost, database locked) rather than a fault
    in what was asked of it."""
    from sqlalchemy import exc  # only once the store is loaded

    return isinstance(error, (exc.OperationalError, exc.InterfaceError)) or (
        isinstance(error, exc.DBAPIError) and error.connection_invalidated
    )


def outage_cause(error: BaseException) -> str:
    """The driver's first line for ``error``: no statement, no parameters (no
    document number or hash reaches the log)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"
