"""Dual control over a member's contacts (maker-checker).

A teller who changes a member's mobile or e-mail only files a request: the
member's contacts stay as they are (so a temporary key still goes to the old
mobile) until a second teller of the same institution approves it from their
own signed-in console, or until a hold (``KIOSK_CONTACT_HOLD_HOURS``, 24 h by
default) passes with nobody having stopped it.  The old contacts are told at
once, and told how to stop it; any teller can cancel a pending request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kiosk.core import outbox
from kiosk.core.context import CoreContext
from kiosk.core.dates import COLOMBIA
from kiosk.core.errors import Refusal
from kiosk.core.masking import mask_email, mask_mobile
from kiosk.core.typed import normalize_email, normalize_mobile
from kiosk.i18n import _
from kiosk.store.models import ContactChange, Member, Teller

DEFAULT_HOLD_HOURS = 24.0


def mask_document(number: str) -> str:
    """A document shown before the teller has typed it from the physical ID: its last 3 digits."""
    return "***" + number[-3:]


@dataclass(frozen=True)
class PendingContactChange:
    change_id: int
    member_id: int
    member_name: str
    document: str  # masked
    new_mobile: str | None  # masked
    new_email: str | None  # masked
    maker_teller_id: int
    maker_name: str
    created_at: datetime
    hold_until: datetime


def _is_pending(statement):
    return statement.where(
        col(ContactChange.approved_at).is_(None),
        col(ContactChange.cancelled_at).is_(None),
        col(ContactChange.applied_at).is_(None),
    )


def _fields(change: ContactChange) -> list[tuple[str, str, str | None, str]]:
    """(channel, member field, new value, Spanish label) for what the request changes."""
    return [
        (channel, field, new, label)
        for channel, field, new, label in (
            (outbox.SMS, "mobile", change.new_mobile, _("celular")),
            (outbox.EMAIL, "email", change.new_email, _("correo electrónico")),
        )
        if new is not None
    ]


def _local(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(COLOMBIA)
    return f"{local:%d/%m/%Y}", f"{local:%H:%M}"


class ContactChanges:
    """The requests, approvals, cancellations and holds of the teller desk
    (held by ``TellerDesk``, which lends it its checks of who may act)."""

    def __init__(
        self,
        core: CoreContext,
        contact_hold: timedelta,
        act: Callable[..., str],
        is_own_record: Callable[..., bool],
    ) -> None:
        self.core = core
        # How long a contact change nobody approved waits for the old contacts to stop it.
        self.contact_hold = contact_hold
        self._act = act  # TellerDesk._act: another person's record, identity checked
        self._is_own_record = is_own_record

    # -- the maker --------------------------------------------------------

    def update_contacts(self, teller, member_id: int, mobile: str, email: str) -> str:
        """File a request to replace the mobile and/or e-mail (blank keeps it).
        Nothing changes yet: the current contacts are told and can stop it."""
        new_mobile = normalize_mobile(mobile) if mobile.strip() else None
        new_email = normalize_email(email) if email.strip() else None
        if new_mobile is None and new_email is None:
            raise Refusal("nothing_to_update", _("Escriba el nuevo celular o el nuevo correo electrónico."))

        def request(session: Session, now: datetime, member: Member) -> str:
            if self.pending_change(session, member.id) is not None:
                raise Refusal(
                    "change_pending",
                    _("Ya hay un cambio de contactos pendiente para este asociado: apruébelo o cancélelo primero."),
                )
            change = ContactChange(
                institution=self.core.institution,
                member_id=member.id,
                maker_teller_id=teller.teller_id,
                new_mobile=new_mobile if new_mobile != member.mobile else None,
                new_email=new_email if new_email != member.email else None,
                created_at=now,
                hold_until=now + self.contact_hold,
            )
            fields = _fields(change)
            if not fields:
                raise Refusal("nothing_to_update", _("Los datos escritos son los mismos que ya están registrados."))
            session.add(change)
            session.flush()
            self._warn_current_contacts(session, now, member, change)
            names = ", ".join(field for _c, field, _n, _l in fields)
            self.core.audit(
                session, now, "contact_change_requested", member.id,
                f"solicitud {change.id}: {names}; espera hasta {change.hold_until:%Y-%m-%d %H:%M} UTC",
                actor=teller.actor,
            )
            until_date, until_time = _local(change.hold_until)
            return _(
                "Cambio de contactos pendiente: otro asesor debe aprobarlo en su consola; si nadie lo detiene, "
                "se aplica el {date} a las {time}. Se avisó a los contactos actuales."
            ).format(date=until_date, time=until_time)

        return self._act(teller, member_id, request)

    def _warn_current_contacts(self, session: Session, now: datetime, member: Member, change: ContactChange) -> None:
        """Every contact on file is told, with the way to stop the change."""
        labels = [label for _c, _f, _n, label in _fields(change)]
        what = _("{first} y {second}").format(first=labels[0], second=labels[1]) if len(labels) == 2 else labels[0]
        asked_date, asked_time = _local(now)
        until_date, until_time = _local(change.hold_until)
        body = _(
            "{name}: el {asked_date} a las {asked_time} se pidió en una oficina cambiar su {what}. "
            "Se aplicará el {until_date} a las {until_time}. Si no fue usted, llame a la entidad o "
            "acérquese a una oficina antes de esa hora para detenerlo."
        ).format(
            name=self.core.institution_name, what=what, asked_date=asked_date, asked_time=asked_time,
            until_date=until_date, until_time=until_time,
        )
        subject = _("Solicitud de cambio de contactos")
        told = False
        for channel, field in ((outbox.SMS, "mobile"), (outbox.EMAIL, "email")):
            if getattr(member, field):
                outbox.queue(session, self.core.sealer, now, member, channel, body, subject, relayed=self.core.relayed)
                told = True
        if not told:
            self.core.audit(session, now, "notification_skipped", member.id, "sin contacto registrado")

    # -- the checker ------------------------------------------------------

    def approve_contact_change(self, teller, change_id: int) -> str:
        """A second teller of the institution applies the request now."""

        def approve(session: Session, now: datetime, change: ContactChange, member: Member) -> str:
            if change.maker_teller_id == teller.teller_id:
                raise Refusal(
                    "own_request", _("Usted registró esta solicitud: otro asesor debe aprobarla.")
                )
            if self._is_own_record(session, teller, member):
                raise Refusal(
                    "own_record", _("Este es su propio registro: otro asesor debe aprobar el cambio.")
                )
            change.approved_by = teller.teller_id
            change.approved_at = now
            self._apply(
                session, now, change, member, actor=teller.actor,
                how=f"solicitud de teller:{change.maker_teller_id}, aprobada por {teller.actor}",
            )
            return _("Cambio aprobado: los nuevos datos de contacto quedaron registrados. Se avisó al contacto anterior y al nuevo.")

        return self._decide(teller, change_id, approve)

    def cancel_contact_change(self, teller, change_id: int) -> str:
        """Any teller of the institution stops a pending request (the member
        called, or the checker refuses it)."""

        def cancel(session: Session, now: datetime, change: ContactChange, member: Member) -> str:
            change.cancelled_by = teller.actor
            change.cancelled_at = now
            session.add(change)
            self.core.audit(
                session, now, "contact_change_cancelled", member.id,
                f"solicitud {change.id} de teller:{change.maker_teller_id}, cancelada por {teller.actor}",
                actor=teller.actor,
            )
            return _("Cambio de contactos cancelado: los datos registrados siguen iguales.")

        return self._decide(teller, change_id, cancel)

    def _decide(self, teller, change_id: int, work: Callable[[Session, datetime, ContactChange, Member], str]) -> str:
        change = self.core.read(lambda s: s.get(ContactChange, change_id))
        if change is None:
            raise Refusal("unknown_change", _("No se encontró la solicitud de cambio."))

        def decide(session: Session, now: datetime) -> str:
            stored = session.get(ContactChange, change_id, with_for_update=True)
            acting = session.get(Teller, teller.teller_id)
            if stored.institution != self.core.institution or acting is None or acting.institution != stored.institution:
                raise Refusal(
                    "other_institution",
                    _("Esta solicitud es de otra entidad: solo un asesor de esa entidad puede atenderla."),
                )
            self.apply_due(session, now, stored.member_id)
            if stored.approved_at or stored.cancelled_at or stored.applied_at:
                raise Refusal("not_pending", _("Esta solicitud ya no está pendiente."))
            return work(session, now, stored, session.get(Member, stored.member_id))

        return self.core.write(decide, change.member_id)

    # -- holds --------------------------------------------------------------

    def apply_due_contact_changes(self, member_id: int | None = None) -> int:
        """Apply the requests whose hold has passed unopposed; how many were applied."""
        now = self.core.clock.now()
        due = self.core.read(lambda s: self._due(s, now, member_id))
        applied = 0
        for change_id, change_member in due:
            applied += self.core.write(lambda session, now: self.apply_due(session, now, change_member), change_member)
        return applied

    @staticmethod
    def _due(session: Session, now: datetime, member_id: int | None) -> list[tuple[int, int]]:
        statement = _is_pending(select(ContactChange)).where(ContactChange.hold_until <= now)
        if member_id is not None:
            statement = statement.where(ContactChange.member_id == member_id)
        return [(c.id, c.member_id) for c in session.exec(statement)]

    def apply_due(self, session: Session, now: datetime, member_id: int) -> int:
        """Inside a transaction holding the member's lock: their due requests applied."""
        statement = _is_pending(select(ContactChange)).where(
            ContactChange.member_id == member_id,
            ContactChange.institution == self.core.institution,
            ContactChange.hold_until <= now,
        )
        due = list(session.exec(statement))
        for change in due:
            member = session.get(Member, member_id)
            self._apply(
                session, now, change, member, actor=f"teller:{change.maker_teller_id}",
                how=f"solicitud de teller:{change.maker_teller_id}, sin objeción al terminar la espera",
            )
        return len(due)

    def _apply(self, session: Session, now: datetime, change: ContactChange, member: Member, actor: str, how: str) -> None:
        changed = []
        date, time = _local(now)
        for channel, field, new, label in _fields(change):
            old = getattr(member, field)
            if new == old:
                continue
            setattr(member, field, new)
            body = _(
                "{name}: el {what} registrado fue cambiado en una oficina el {date} a las {time}. "
                "Si no fue usted, comuníquese de inmediato con la entidad."
            ).format(name=self.core.institution_name, what=label, date=date, time=time)
            subject = _("Datos de contacto actualizados")
            for recipient in (old, new):
                if recipient:
                    outbox.queue(
                        session, self.core.sealer, now, member, channel, body, subject, recipient=recipient,
                        relayed=self.core.relayed,
                    )
            changed.append(field)
        change.applied_at = now
        session.add(member)
        session.add(change)
        self.core.audit(
            session, now, "contacts_updated", member.id,
            f"{', '.join(changed) or 'sin cambios'}; {how}", actor=actor,
        )

    # -- what the consoles show ------------------------------------------------

    def pending_contact_changes(self) -> list[PendingContactChange]:
        """The institution's pending requests, oldest first (the checker's list)."""
        self.apply_due_contact_changes()
        statement = _is_pending(select(ContactChange)).where(ContactChange.institution == self.core.institution)
        return self.core.read(
            lambda s: [self.pending_view(s, c) for c in s.exec(statement.order_by(col(ContactChange.id)))]
        )

    @staticmethod
    def pending_change(session: Session, member_id: int) -> ContactChange | None:
        return session.exec(_is_pending(select(ContactChange)).where(ContactChange.member_id == member_id)).first()

    @staticmethod
    def pending_view(session: Session, change: ContactChange) -> PendingContactChange:
        member = session.get(Member, change.member_id)
        maker = session.get(Teller, change.maker_teller_id)
        return PendingContactChange(
            change_id=change.id,
            member_id=member.id,
            member_name=f"{member.first_names} {member.last_names}",
            document=f"{member.document_type} {mask_document(member.document_number)}",
            new_mobile=mask_mobile(change.new_mobile) if change.new_mobile else None,
            new_email=mask_email(change.new_email) if change.new_email else None,
            maker_teller_id=maker.id,
            maker_name=maker.full_name,
            created_at=change.created_at,
            hold_until=change.hold_until,
        )
