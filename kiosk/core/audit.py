"""Audit trail: who did what to which member, never with a secret in it.

The trail is tamper-evident: each row carries ``seq`` (1, 2, 3...) and
``chain``, an HMAC-SHA256 under a key derived from the pepper (which never
enters the database) over the row's fields and the previous row's chain value;
the head (``audit_chain_head``) holds the last seq and chain value under an
HMAC of its own.  Editing, inserting, deleting or reordering a row, or dropping
the last ones, breaks the chain where it happened (kiosk.core.audit_chain).

``record`` keeps its signature: the key rides on the engine
(``use_key``, set by the service that owns the hasher), and the rows are
chained when their transaction commits, under one lock taken last, after
everything else in the transaction is written, so kiosks writing at once make
one line and never wait on each other in a circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core import audit_chain
from kiosk.i18n import N_
from kiosk.store.db import lock_subject
from kiosk.store.models import AuditChainHead, AuditEvent

KEY_OPTION = "kiosk_audit_key"  # engine execution option holding the chain key
PENDING = "kiosk_audit_pending"  # session.info: rows waiting for the commit

# What the teller console shows for an action (translated where shown).
ACTION_LABELS = {
    "code_not_sent": N_("código no enviado"),
    "code_sent": N_("código enviado"),
    "codes_locked": N_("códigos bloqueados"),
    "code_verified": N_("código verificado"),
    "consent_granted": N_("autorización de datos"),
    "contacts_updated": N_("contactos actualizados"),
    "contact_change_cancelled": N_("cambio de contactos cancelado"),
    "contact_change_requested": N_("cambio de contactos solicitado"),
    "identity_checked": N_("identidad verificada"),
    "identity_check_failed": N_("verificación de identidad fallida"),
    "key_blocked": N_("clave bloqueada"),
    "key_changed": N_("clave cambiada"),
    "key_unblocked": N_("clave desbloqueada"),
    "link_followed": N_("enlace usado"),
    "login": N_("ingreso"),
    "login_failed": N_("ingreso fallido"),
    "notification_skipped": N_("aviso no enviado"),
    "product_questions_passed": N_("preguntas de productos superadas"),
    "recovery_link_wrong_key": N_("clave temporal del enlace incorrecta"),
    "recovery_not_sent": N_("recuperación no enviada"),
    "recovery_questions_failed": N_("preguntas de recuperación fallidas"),
    "recovery_unknown_document": N_("recuperación pedida con un documento desconocido"),
    "security_image_set": N_("imagen de seguridad"),
    "self_service_reopened": N_("autogestión reabierta"),
    "teller_added": N_("asesor agregado"),
    "teller_authenticator_reset": N_("autenticador de asesor restablecido"),
    "teller_locked": N_("asesor bloqueado"),
    "teller_role_granted": N_("rol de asesor asignado"),
    "teller_sign_in_failed": N_("ingreso de asesor fallido"),
    "teller_terminal_throttled": N_("terminal de asesor frenada"),
    "temporary_key_accepted": N_("clave temporal aceptada"),
}


def action_label(action: str) -> str:
    """The untranslated label of ``action``, or the action's own name."""
    return ACTION_LABELS.get(action, action)


def record(
    session: Session,
    at: datetime,
    institution: str,
    action: str,
    member_id: int | None = None,
    actor: str = "member",
    detail: str = "",
) -> None:
    row = AuditEvent(
        at=at, institution=institution, member_id=member_id, actor=actor, action=action, detail=detail
    )
    pending = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = []
        event.listen(session, "before_commit", _append_pending)
        event.listen(session, "after_rollback", _forget_pending)
    pending.append(row)


def use_key(engine: Engine, key: bytes) -> None:
    """Let the audit rows written through ``engine`` be chained under ``key``."""
    engine.update_execution_options(**{KEY_OPTION: key})


def key_of(session: Session) -> bytes:
    key = session.get_bind().get_execution_options().get(KEY_OPTION)
    if key is None:  # a row written unchained would read as tampering
        raise RuntimeError("audit rows written without the chain key (audit.use_key)")
    return key


def _forget_pending(session: Session) -> None:
    session.info[PENDING] = []  # rolled back: nothing to chain (the listeners stay)


def _append_pending(session: Session) -> None:
    rows = session.info.get(PENDING)
    if not rows:
        return
    key = key_of(session)
    # Everything else first: the chain lock is the last one taken, held only
    # while the rows are numbered and inserted.
    session.flush()
    lock_subject(session, "kiosk-audit-chain")  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    head = session.get(AuditChainHead, 1, populate_existing=True)
    if head is None:
        if session.exec(select(AuditEvent.id).where(col(AuditEvent.seq).is_not(None)).limit(1)).first():
            raise RuntimeError("the audit chain head is missing: run `kiosk audit verify`")
        head = AuditChainHead(id=1, seq=0)  # a new trail (an emptied demo store)
    for row in rows:
        head.seq += 1
        row.seq = head.seq
        row.chain = audit_chain.link(key, head.chain, row)
        head.chain = row.chain
        session.add(row)
    head.seal = audit_chain.seal(key, head.seq, head.chain)
    session.add(head)
    session.info[PENDING] = []


def trail(session: Session, member_id: int, limit: int = 50) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.member_id == member_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
