"""Teller accounts (issue 19, point 3): passwords judged by zxcvbn and refused
in Spanish; a username nobody holds answers, costs and locks like a teller's
own; every lock is in the audit with the terminal, and one terminal cannot
lock every teller; the CLI's actions carry the OS user; the card's activity
lines are Spanish."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from kiosk.core import audit, teller_password, teller_signin
from kiosk.core.errors import Refusal
from kiosk.core.teller import LOCKOUT, MAX_FAILED_SIGNINS, TellerDesk
from kiosk.core.teller_signin import MAX_TERMINAL_FAILURES
from kiosk.store.models import AuditEvent, RecoveryAttempt
from tests.conftest import TELLER_SECRET
from tests.helpers import BLOCKED, TELLER_PASSWORD, add_teller, member, signed_in_teller
from tests.functional.test_enumeration import CountingHasher

pytestmark = pytest.mark.both_stores

WRONG = "no-es-la-clave-2026"


def audit_rows(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# -- passwords -----------------------------------------------------------------

# Each: a password an attacker tries early, and a Spanish phrase its refusal must give.
WEAK = [
    ("123456789012", "Se parece a una contraseña muy usada."),
    ("Password1234", "Poner mayúscula inicial no ayuda mucho."),
    ("passwordpass", "Se parece a una contraseña muy usada."),
    ("qwertyuiopas", "Agregue una o dos palabras más"),
    ("abcabcabcabc", "Evite repetir palabras y caracteres."),
    ("aaaaaaaaaaaa", "Las repeticiones como «aaa» son fáciles de adivinar."),
    ("1990-05-12ab", "Las fechas suelen ser fáciles de adivinar."),
    ("P@ssw0rd2024!", "Los cambios previsibles, como «@» en lugar de «a», no ayudan mucho."),
    # The teller's own username, name and document are the first words tried.
    ("ana.gomez2026!", "No use su usuario, su nombre ni su documento."),
    ("AnaGomez52000111", "No use su usuario, su nombre ni su documento."),
    ("gomezanagomez", "No use su usuario, su nombre ni su documento."),
]

ENGLISH = re.compile(r"\b(the|is|are|to|guess|words?|avoid|add|password|like|uppercase|dates?|years?)\b", re.I)


@pytest.fixture
def desk(desk_for):
    desk = desk_for("progressa")
    add_teller(desk)
    return desk


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_a_guessable_password_is_refused_with_spanish_reasons(desk, password, reason):
    with pytest.raises(Refusal) as weak:
        desk.add_teller("ana.gomez", "Ana Gómez", "CC", "52000111", password, password)
    assert weak.value.reason == "weak_password"
    message = weak.value.message
    assert message.startswith("La contraseña es demasiado fácil de adivinar.") and reason in message
    assert not ENGLISH.search(message), message
    for english in (*teller_password.WARNINGS, *teller_password.SUGGESTIONS):
        assert english not in message


def test_the_length_minimum_stays(desk):
    with pytest.raises(Refusal) as short:
        desk.add_teller("pedro.ruiz", "Pedro Ruiz", "CC", "79111222", "xq!7vb#p", "xq!7vb#p")
    assert short.value.reason == "weak_password" and "al menos 12 caracteres" in short.value.message


def test_strong_passwords_are_accepted(desk):
    assert desk.add_teller("pedro.ruiz", "Pedro Ruiz", "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD)
    phrase = "tortuga lenta sobre el puente"
    assert desk.add_teller("luz.mora", "Luz Mora", "CC", "79111223", phrase, phrase)


def test_a_sentence_zxcvbn_says_that_is_not_mapped_becomes_a_general_spanish_one(monkeypatch):
    def judged(password, user_inputs):
        return {"score": 1, "sequence": [], "feedback": {"warning": "Something new.", "suggestions": ["Try this."]}}

    monkeypatch.setattr(teller_password, "zxcvbn", judged)
    with pytest.raises(Refusal) as weak:
        teller_password.check_teller_password("cualquier-cosa-larga", "cualquier-cosa-larga")
    assert teller_password.GENERIC in weak.value.message
    assert "Something" not in weak.value.message and "Try" not in weak.value.message


# -- unknown usernames ------------------------------------------------------------


@pytest.fixture
def counted(engine, sealer, clock, desk_for):
    """A desk whose hasher counts bcrypt operations, with one teller."""
    desk_for("progressa")  # seeds the demo store
    hasher = CountingHasher()
    desk = TellerDesk(engine, hasher, sealer, clock, "progressa", "Progressa", new_secret=lambda: TELLER_SECRET)
    add_teller(desk)
    return desk, hasher


def answer(desk, hasher, username: str, password: str) -> tuple:
    before = hasher.bcrypt
    try:
        result = ("ok", desk.check_password(username, password).enrolled)
    except Refusal as refusal:
        result = ("refused", refusal.reason, refusal.message)
    return result, hasher.bcrypt - before


def test_an_unknown_username_answers_costs_and_locks_like_a_known_one(counted, clock, engine):
    desk, hasher = counted
    known = [answer(desk, hasher, "ana.gomez", WRONG) for _ in range(MAX_FAILED_SIGNINS + 1)]
    unknown = [answer(desk, hasher, "ana.gomes", WRONG) for _ in range(MAX_FAILED_SIGNINS + 1)]
    assert known == unknown
    wrong, locked = known[0], known[MAX_FAILED_SIGNINS - 1]
    assert wrong == (("refused", "wrong_sign_in", "El usuario, la contraseña o el código no son correctos."), 1)
    assert known[: MAX_FAILED_SIGNINS - 1] == [wrong] * (MAX_FAILED_SIGNINS - 1)
    assert locked[0][1] == "teller_locked" and locked[1] == 1
    assert known[MAX_FAILED_SIGNINS] == locked  # still locked, the same bcrypt work
    # The unknown username's tries are in the store, under a digest, never the name typed.
    subject = teller_signin.username_subject(hasher, "progressa", "ana.gomes")
    with Session(engine) as session:
        rows = list(session.exec(select(RecoveryAttempt).where(RecoveryAttempt.subject == subject)))
        assert len(rows) == MAX_FAILED_SIGNINS
        assert not session.exec(select(AuditEvent).where(AuditEvent.detail.contains("ana.gomes"))).first()
    # Both locks end together; then both count afresh.
    clock.advance(seconds=LOCKOUT.total_seconds() + 60)
    assert answer(desk, hasher, "ana.gomez", WRONG) == answer(desk, hasher, "ana.gomes", WRONG) == wrong


def test_the_username_is_compared_as_typed_at_sign_in(counted):
    """Upper case and spaces around it count against the same username, known or not."""
    desk, hasher = counted
    for typed in ("Ana.Gomez", " ana.gomez", "ANA.GOMEZ ", "ana.gomez", "ana.gomez"):
        answer(desk, hasher, typed, WRONG)
    for typed in ("Ana.Gomes", " ana.gomes", "ANA.GOMES ", "ana.gomes", "ana.gomes"):
        answer(desk, hasher, typed, WRONG)
    assert answer(desk, hasher, "ana.gomez", TELLER_PASSWORD)[0][1] == "teller_locked"
    assert answer(desk, hasher, "ana.gomes", TELLER_PASSWORD)[0][1] == "teller_locked"


# -- locks in the audit, the terminal's throttle ---------------------------------------


def lock_out(desk, username: str) -> None:
    for _ in range(MAX_FAILED_SIGNINS):
        with pytest.raises(Refusal):
            desk.check_password(username, WRONG)


def test_every_lock_is_audited_with_the_terminal(desk, engine):
    desk.terminal = "cajera@sucursal-norte"
    lock_out(desk, "ana.gomez")
    lock_out(desk, "no.existe")
    known, unknown = audit_rows(engine, "teller_locked")
    teller_id = desk.tellers()[0].id
    assert known.actor == f"teller:{teller_id}" and known.detail.startswith("ana.gomez, 15 min")
    assert unknown.actor == "desconocido" and unknown.detail.startswith("usuario no registrado ")
    assert "no.existe" not in unknown.detail
    for row in (known, unknown):
        assert row.detail.endswith("terminal cajera@sucursal-norte")
    failed = audit_rows(engine, "teller_sign_in_failed")
    assert len(failed) == 2 * MAX_FAILED_SIGNINS
    assert all("terminal cajera@sucursal-norte" in row.detail for row in failed)


def test_one_terminal_cannot_lock_every_teller(desk_for, engine, clock):
    """An attacker at one terminal locks a few tellers, each lock in the audit;
    then the terminal takes no sign-in at all, while other terminals work."""
    desk = desk_for("progressa")
    desk.terminal = "intruso@caja-3"
    usernames = [f"asesor.{n}" for n in range(MAX_TERMINAL_FAILURES // MAX_FAILED_SIGNINS + 2)]
    for n, username in enumerate(usernames):
        add_teller(desk, username=username, document=f"7911122{n}")
    refusals = []
    for username in usernames:
        for _ in range(MAX_FAILED_SIGNINS):
            try:
                desk.check_password(username, WRONG)
            except Refusal as refusal:
                refusals.append(refusal.reason)
    locked = len(audit_rows(engine, "teller_locked"))
    assert locked == MAX_TERMINAL_FAILURES // MAX_FAILED_SIGNINS
    assert refusals.count("terminal_busy") == len(usernames) * MAX_FAILED_SIGNINS - MAX_TERMINAL_FAILURES
    [throttled] = audit_rows(engine, "teller_terminal_throttled")
    assert throttled.detail == "terminal intruso@caja-3"
    # The last tellers were never locked: at another terminal they sign in.
    elsewhere = desk_for("progressa")
    elsewhere.terminal = "cajero@caja-1"
    assert elsewhere.check_password(usernames[-1], TELLER_PASSWORD).teller_id
    # At the busy terminal even the right password waits, with a message in Spanish.
    with pytest.raises(Refusal) as busy:
        desk.check_password(usernames[-1], TELLER_PASSWORD)
    assert busy.value.reason == "terminal_busy"
    assert "Esta terminal tuvo demasiados ingresos fallidos" in busy.value.message
    clock.advance(seconds=teller_signin.TERMINAL_WINDOW.total_seconds() + 1)
    assert desk.check_password(usernames[-1], TELLER_PASSWORD).teller_id


def test_the_os_user_falls_back_to_the_uid(monkeypatch):
    def nobody():
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(teller_signin.getpass, "getuser", nobody)
    assert re.fullmatch(r"admin:uid\d+", teller_signin.admin_actor())


# -- the card's activity, in Spanish ---------------------------------------------------


def test_the_activity_lines_are_spanish(desk, clock, engine):
    teller = signed_in_teller(desk, clock)
    member_id = member(engine, BLOCKED).id
    with Session(engine) as session:
        now = clock.now()
        for action, actor, detail in [
            ("code_sent", "member", "code por email"),
            ("code_sent", "member", "recovery_code por sms"),
            ("code_not_sent", "member", "transactional_code: sin email registrado"),
            ("codes_locked", "member", "guesses-daily"),
            ("key_changed", "member", "clave transactional"),
            (
                "contacts_updated", f"teller:{teller.teller_id}",
                f"mobile, email; solicitud de teller:{teller.teller_id}, aprobada por teller:999",
            ),
            ("recovery_not_sent", "member", "link"),
            ("key_changed", "admin:root", "clave login temporal"),
        ]:
            audit.record(session, now, "progressa", action, member_id, actor=actor, detail=detail)
        session.commit()
    desk.record_identity_check(teller, member_id, "CC", BLOCKED)
    desk.unblock_key(teller, member_id)
    card = desk.member_card(teller, member_id)
    shown = [(line.who, audit.action_label(line.action), line.detail) for line in card.trail]
    text = "\n".join(" | ".join(line) for line in shown)
    for english in ("member", "teller:", " por email", " por sms", "email", "mobile", "login", "transactional"):
        assert english not in text, english
    assert "guesses" not in text
    for action in {line.action for line in card.trail}:
        assert audit.action_label(action) != action  # every action has its words
    assert ("asesor Ana Gómez", "clave desbloqueada", "clave de ingreso") in shown
    assert ("el asociado", "código enviado", "código por correo") in shown
    assert ("el asociado", "código enviado", "código de recuperación por SMS") in shown
    assert ("el asociado", "código no enviado", "código transaccional: sin correo registrado") in shown
    assert (
        "asesor Ana Gómez", "contactos actualizados",
        "celular, correo; solicitud de asesor Ana Gómez, aprobada por asesor #999",
    ) in shown
    assert ("administrador root", "clave cambiada", "clave de ingreso temporal") in shown
