"""Audit trail: who did what to which member, never with a secret in it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.i18n import N_
from kiosk.store.models import AuditEvent

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
    "security_image_set": N_("imagen de seguridad"),
    "self_service_reopened": N_("autogestión reabierta"),
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
    session.add(
        AuditEvent(
            at=at, institution=institution, member_id=member_id, actor=actor, action=action, detail=detail
        )
    )


def trail(session: Session, member_id: int, limit: int = 50) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.member_id == member_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
