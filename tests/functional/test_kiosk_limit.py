"""The limit per kiosk: one person at one kiosk trying document after
document is slowed, whatever the documents are; the members are not (no
document is counted against or locked), and every other kiosk works."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.config import Settings
from kiosk.core import terminal
from kiosk.core.errors import Refusal
from kiosk.core.service import KioskService

pytestmark = pytest.mark.both_stores

MEMBER = "1010123456"  # Progressa's ordinary demo member


@pytest.fixture
def kiosk_at(engine, hasher, sealer, clock, service_for):
    service_for("progressa")  # seeds the demo members

    def make(kiosk_id: str, slug: str = "progressa") -> KioskService:
        return KioskService(engine, hasher, sealer, clock, slug, "Progressa", kiosk_id=kiosk_id)

    return make


def strangers(count: int, first: int = 9_200_000_000) -> list[str]:
    return [str(first + n) for n in range(count)]


def test_too_many_documents_slow_that_kiosk_only(kiosk_at):
    busy, other = kiosk_at("sede-centro-1"), kiosk_at("sede-norte-2")
    for number in strangers(terminal.MAX_DOCUMENTS):
        busy.identify(number)
    with pytest.raises(Refusal) as refused:
        busy.identify(MEMBER)
    assert refused.value.reason == "kiosk_busy"
    assert refused.value.message == (
        "Este kiosco recibió muchas consultas seguidas. Espere 60 minutos o acérquese a un asesor."
    )
    # The same refusal for a document nobody holds: it tells nothing of the document.
    with pytest.raises(Refusal) as stranger:
        busy.identify("9300000000")
    assert stranger.value.message == refused.value.message
    # The member's own document still works at another kiosk, and is theirs.
    assert other.identify(MEMBER).member_id is not None


def test_retyping_a_document_counts_once_and_still_goes_through(kiosk_at):
    kiosk = kiosk_at("sede-centro-1")
    for _ in range(3 * terminal.MAX_DOCUMENTS):
        assert kiosk.identify(MEMBER).member_id is not None
    for number in strangers(terminal.MAX_DOCUMENTS - 1):
        kiosk.identify(number)
        kiosk.identify(number)
    # Ten distinct documents so far: the next new one waits, the ones typed still go through.
    with pytest.raises(Refusal):
        kiosk.identify("9300000000")
    assert kiosk.identify(MEMBER).member_id is not None
    assert kiosk.identify(strangers(1)[0]).member_id is None


def test_the_kiosk_frees_up_as_the_hour_passes(kiosk_at, clock):
    kiosk = kiosk_at("sede-centro-1")
    numbers = strangers(terminal.MAX_DOCUMENTS + 1)
    for number in numbers[:5]:
        kiosk.identify(number)
    clock.advance(minutes=20)
    for number in numbers[5:10]:
        kiosk.identify(number)
    with pytest.raises(Refusal) as refused:
        kiosk.identify(numbers[10])
    assert "Espere 40 minutos" in refused.value.message  # when the first five leave the hour
    clock.advance(minutes=39, seconds=30)
    with pytest.raises(Refusal) as refused:
        kiosk.identify(numbers[10])
    assert "Espere 1 minuto o acérquese" in refused.value.message
    clock.advance(seconds=30)
    assert kiosk.identify(numbers[10]).member_id is None


def test_the_count_holds_across_restarts_and_processes_of_one_kiosk(kiosk_at):
    """Counted in the store under the kiosk id: a new service (a restart, or a
    second process of the same kiosk) sees the same count."""
    for number in strangers(terminal.MAX_DOCUMENTS):
        kiosk_at("sede-centro-1").identify(number)
    with pytest.raises(Refusal):
        kiosk_at("sede-centro-1").identify(MEMBER)


def test_a_slowed_kiosk_counts_against_no_document(kiosk_at, engine):
    busy = kiosk_at("sede-centro-1")
    for number in strangers(terminal.MAX_DOCUMENTS):
        busy.identify(number)
    for _ in range(20):
        with pytest.raises(Refusal):
            busy.identify(MEMBER)
    # Elsewhere the member logs in with the key, and recovers it, as ever.
    elsewhere = kiosk_at("sede-sur-3")
    identity = elsewhere.identify(MEMBER)
    assert elsewhere.login(identity, "582017").status == "ok"
    elsewhere.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))


def test_the_store_holds_neither_kiosk_id_nor_document(kiosk_at, engine):
    from sqlmodel import Session, select

    from kiosk.store.models import RecoveryAttempt

    kiosk_at("sede-centro-1").identify(MEMBER)
    with Session(engine) as session:
        subjects = [row.subject for row in session.exec(select(RecoveryAttempt))]
    assert len(subjects) == 2
    assert not any("sede" in subject or MEMBER in subject for subject in subjects)


def test_the_kiosk_id_setting(monkeypatch):
    import socket

    monkeypatch.delenv("KIOSK_ID", raising=False)
    monkeypatch.setenv("KIOSK_PEPPER", "00" * 32)
    assert Settings.from_env().kiosk_id == socket.gethostname()
    monkeypatch.setenv("KIOSK_ID", "sede-centro-1")
    assert Settings.from_env().kiosk_id == "sede-centro-1"


def test_two_visits_racing_at_one_kiosk_admit_no_more_than_the_limit(kiosk_at):
    """Two processes of one kiosk (threads here, each its own service) typing
    new documents at once: the kiosk's lock lets exactly the limit through."""
    from concurrent.futures import ThreadPoolExecutor

    def type_documents(first: int) -> int:
        kiosk, admitted = kiosk_at("sede-centro-1"), 0
        for number in strangers(terminal.MAX_DOCUMENTS, first):
            try:
                kiosk.identify(number)
                admitted += 1
            except Refusal:
                pass
        return admitted

    with ThreadPoolExecutor(2) as pool:
        admitted = sum(pool.map(type_documents, (9_200_000_000, 9_300_000_000)))
    assert admitted == terminal.MAX_DOCUMENTS


async def test_a_slowed_kiosk_says_so_on_its_screen(kiosk_at, profile):
    import random

    from kiosk.app import KioskApp
    from tests.helpers import click, message_text, type_document

    service = kiosk_at("sede-centro-1")
    for number in strangers(terminal.MAX_DOCUMENTS):
        service.identify(number)
    app = KioskApp(service, profile, idle_timeout=600.0, rng=random.Random(7))
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, MEMBER)
        assert app.screen.step.id == "user"
        assert message_text(pilot) == (
            "Este kiosco recibió muchas consultas seguidas. Espere 60 minutos o acérquese a un asesor."
        )
