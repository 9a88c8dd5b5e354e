"""A member's own record, for a data-protection request (Ley 1581 de 2012,
derecho de acceso): their activity in the audit trail, their consents with
the policy version, and the messages sent to them, with no secret in it.

Messages are listed by channel, recipient (as on file: it is the member's own
data), subject and time, never by body: a body may carry a code or a key
(kiosk.core.outbox keeps it sealed).  Every text is escaped
(kiosk.core.typed.escaped): some were typed by somebody.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from kiosk.core.audit import action_label
from kiosk.core.dates import local_time
from kiosk.core.typed import escaped
from kiosk.store.models import AuditEvent, Consent, Member, OutboxMessage

CSV_COLUMNS = ("sección", "entidad", "fecha", "descripción", "detalle", "quién")


def member_record(session: Session, document_type: str, document_number: str) -> dict | None:
    """The record of every membership this document holds, or None."""
    members = session.exec(
        select(Member).where(Member.document_type == document_type, Member.document_number == document_number)
        .order_by(col(Member.id))
    ).all()
    if not members:
        return None
    return {
        "documento": escaped(f"{document_type} {document_number}"),
        "generado": _when(datetime.now(UTC)),
        "vinculaciones": [_membership(session, member) for member in members],
    }


def _membership(session: Session, member: Member) -> dict:
    events = session.exec(
        select(AuditEvent).where(AuditEvent.member_id == member.id).order_by(col(AuditEvent.id))
    )
    consents = session.exec(select(Consent).where(Consent.member_id == member.id).order_by(col(Consent.id)))
    messages = session.exec(
        select(OutboxMessage).where(OutboxMessage.member_id == member.id).order_by(col(OutboxMessage.id))
    )
    return {
        "entidad": escaped(member.institution),
        "nombres": escaped(member.first_names),
        "apellidos": escaped(member.last_names),
        "actividad": [
            {
                "fecha": _when(e.at),
                "acción": escaped(action_label(e.action)),
                "detalle": escaped(e.detail),
                "quién": escaped(_actor(e.actor)),
            }
            for e in events
        ],
        "autorizaciones": [
            {"fecha": _when(c.granted_at), "política": escaped(c.policy_version), "canal": escaped(c.channel)}
            for c in consents
        ],
        "mensajes": [
            {
                "fecha": _when(m.created_at),
                "canal": escaped(m.channel),
                "destinatario": escaped(m.recipient),
                "asunto": escaped(m.subject),
            }
            for m in messages
        ],
    }


def _actor(actor: str) -> str:
    if actor == "member":
        return "usted"
    if actor.startswith("teller:"):
        return "asesor " + actor.removeprefix("teller:")
    return actor


def _when(moment: datetime) -> str:
    """Colombian time; the store keeps UTC (naive as SQLite returns it)."""
    return local_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "%Y-%m-%d %H:%M:%S")


def as_json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2)


def _cell(text: str) -> str:
    """A spreadsheet never runs a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def as_csv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = []
    for membership in record["vinculaciones"]:
        entity = membership["entidad"]
        for e in membership["actividad"]:
            rows.append(("actividad", entity, e["fecha"], e["acción"], e["detalle"], e["quién"]))
        for c in membership["autorizaciones"]:
            rows.append(("autorización", entity, c["fecha"], f"política {c['política']}", c["canal"], ""))
        for m in membership["mensajes"]:
            rows.append(("mensaje", entity, m["fecha"], m["asunto"], f"{m['canal']} → {m['destinatario']}", ""))
    writer.writerows([_cell(field) for field in row] for row in rows)
    return out.getvalue()
