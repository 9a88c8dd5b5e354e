"""Can a bystander tell a member's document from one nobody holds?  A naive
Bayes classifier is trained on everything a bystander sees for 1,000 unknown
documents and for members (the demo members and a realistic population drawn
as members are), and tested on a held-out third: it must do no better than
chance.  The same classifier, shown the decoys this kiosk used to draw (fixed
words in e-mails, four phrases, any digit after the 3), tells them apart
almost perfectly, so a pass is not a classifier that learns nothing.

Everything is seeded: the figures are the same on every run and cannot flake.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from kiosk.core import population
from kiosk.core.errors import Refusal
from kiosk.core.masking import mask_email, mask_mobile
from kiosk.core.members import Contacts, SecurityDisplay
from kiosk.core.service import KioskService
from kiosk.demo_members import demo_members
from kiosk.flow.profile import load_profile
from kiosk.screens.registry import STEP_SCREENS
from tests.helpers import VISIT, captcha_token
from tests.population import INSTITUTIONS, NAMES, add_members, realistic_members

pytestmark = [pytest.mark.both_stores, pytest.mark.long]

UNKNOWN_DOCUMENTS = 1000
GENERATED_MEMBERS = 1000
HELD_OUT = 1 / 3
ELIGIBLE = load_profile("bancocajasocial", step_types=set(STEP_SCREENS)).setting("eligible_products")


def contact_features(contacts: Contacts) -> dict[str, str]:
    """What the masked contacts show: the mobile's prefix and shown digits, the
    e-mail's shown head (its letters, its shape, its length) and its domain,
    and so which channels are offered."""
    features = {"channels": f"{contacts.mobile is not None}/{contacts.email is not None}"}
    if contacts.mobile:
        digits = contacts.mobile.replace(" ", "").replace("*", "")
        features |= {"prefix": digits[:3], "shown_digits": digits[3:]}
    if contacts.email:
        head, _, domain = contacts.email.partition("@")
        shown = head.replace("*", "")
        features |= {
            "head": shown,
            "head_shape": re.sub(r"[a-z]", "a", re.sub(r"[0-9]", "9", shown)),
            "head_length": str(len(shown)),
            "head_start": shown[:1],
            "domain": domain,
        }
    return features


def display_features(display: SecurityDisplay | None) -> dict[str, str]:
    if display is None:  # a first access: no image nor phrase chosen yet
        return {"image": "<first access>"}
    return {"image": display.image, "phrase": display.phrase, "phrase_start": display.phrase.split()[0]}


def outcome(call, *args, **kwargs) -> str:
    """The answer a screen shows: «ok», or the refusal's reason and its text."""
    try:
        call(*args, **kwargs)
    except Refusal as refusal:
        return f"{refusal.reason}: {refusal.message}"
    return "ok"


def path_features(kiosk: KioskService, identity, contacts: Contacts) -> dict[str, str]:
    """The institution's recovery as far as a stranger can walk it, and a wrong key."""
    slug = kiosk.institution
    if slug == "progressa":
        channel = "sms" if contacts.mobile else "email" if contacts.email else None
        sent = outcome(kiosk.send_temporary_key, identity, channel, 6, timedelta(minutes=10)) if channel else "-"
    elif slug == "coasmedas":
        sent = outcome(kiosk.send_confirmation_code, identity, "recuperar", 4, timedelta(minutes=5))
    elif slug == "cooperen":
        sent = outcome(kiosk.answer_questions, identity, "alguien@mail.com", {"birth": "1970-01-01"},
                       captcha=captcha_token(kiosk), visit=VISIT)
    else:
        eligible = ELIGIBLE if slug == "bancocajasocial" else None
        sent = outcome(kiosk.send_recovery_link, identity, 8, timedelta(hours=24), "política",
                       with_temporary_key=slug == "cootrasena", eligible_products=eligible)
    return {"institution_sent": f"{slug}|{sent}", "login": outcome(kiosk.login, identity, "00000000")}


def seen_by_a_bystander(kiosk: KioskService, number: str, document_type: str = "CC") -> dict[str, str]:
    identity = kiosk.identify(number, document_type)
    contacts = kiosk.contacts(identity)
    return (
        contact_features(contacts)
        | display_features(kiosk.security_display(identity))
        | path_features(kiosk, identity, contacts)
    )


class NaiveBayes:
    """Categorical naive Bayes, Laplace-smoothed; a missing feature is a value of its own."""

    def fit(self, rows: list[dict[str, str]], labels: list[bool]) -> "NaiveBayes":
        self.names = sorted({name for row in rows for name in row})
        self.priors = Counter(labels)
        self.counts: dict[tuple[bool, str], Counter] = defaultdict(Counter)
        self.values: dict[str, set] = defaultdict(set)
        for row, label in zip(rows, labels):
            for name in self.names:
                value = row.get(name, "<none>")
                self.counts[label, name][value] += 1
                self.values[name].add(value)
        return self

    def predict(self, row: dict[str, str]) -> bool:
        def score(label: bool) -> float:
            total = math.log(self.priors[label])
            for name in self.names:
                seen = self.counts[label, name]
                total += math.log((seen[row.get(name, "<none>")] + 1) / (self.priors[label] + len(self.values[name]) + 1))
            return total

        return score(True) > score(False)


def held_out_accuracy(rows: list[dict[str, str]], labels: list[bool], seed: int) -> tuple[float, float, int]:
    """(accuracy on the held-out part, the majority class's share of it, its size);
    prints how many of the held-out part it called members."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - HELD_OUT))
    train, test = order[:cut], order[cut:]
    model = NaiveBayes().fit([rows[i] for i in train], [labels[i] for i in train])
    predicted = {i: model.predict(rows[i]) for i in test}
    right = sum(predicted[i] == labels[i] for i in test)
    print(f"called members: {sum(predicted.values())} of {len(test)} held out ({sum(labels[i] for i in test)} are)")
    majority = max(Counter(labels[i] for i in test).values())
    return right / len(test), majority / len(test), len(test)


def chance_bound(majority: float, n: int) -> float:
    """The best a classifier that sees nothing could score by luck: the
    majority share plus three standard deviations of a proportion of ``n``."""
    return majority + 3 * math.sqrt(0.25 / n)


@pytest.fixture
def kiosks(engine, hasher, sealer, clock, service_for):
    service_for("progressa")  # seeds the demo members
    return {slug: KioskService(engine, hasher, sealer, clock, slug, NAMES[slug]) for slug in INSTITUTIONS}


def test_a_classifier_cannot_tell_members_from_unknown_documents(kiosks, engine, clock):
    generated = realistic_members(GENERATED_MEMBERS, seed=2026)
    add_members(engine, generated, clock.now())
    rows, labels = [], []
    for demo in demo_members():
        rows.append(seen_by_a_bystander(kiosks[demo.institution], demo.document))
        labels.append(True)
    for new in generated:
        rows.append(seen_by_a_bystander(kiosks[new.institution], new.document))
        labels.append(True)
    rng = random.Random(18)
    for _ in range(UNKNOWN_DOCUMENTS):
        number = str(rng.choice((rng.randrange(10**7, 10**8), rng.randrange(10**9, 2 * 10**9))))
        rows.append(seen_by_a_bystander(kiosks[rng.choice(INSTITUTIONS)], number))
        labels.append(False)
    assert sum(labels) == len(demo_members()) + GENERATED_MEMBERS  # none of the unknown numbers is a member's

    accuracy, majority, n = held_out_accuracy(rows, labels, seed=7)
    bound = chance_bound(majority, n)
    print(f"members vs unknown documents: accuracy {accuracy:.3f} on {n} held out; chance {majority:.3f}, bound {bound:.3f}")
    assert accuracy <= bound


def old_decoy(pepper: bytes, number: str) -> tuple[Contacts, SecurityDisplay]:
    """The decoys this kiosk drew before (members.py at d8ed34f), for the classifier's sanity check."""
    digest = hashlib.sha256(pepper + number.encode()).digest()
    mobile = "3" + "".join(str(b % 10) for b in digest[:9])
    names = ("correo", "usuario", "contacto", "asociado", "miembro")
    domains = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com")
    local = names[digest[10] % len(names)] + str(digest[11] % 100)
    email = None if digest[12] % 5 == 0 else f"{local}@{domains[digest[13] % len(domains)]}"
    phrases = ("La constancia vence lo imposible", "Cada día es una nueva oportunidad",
               "Paso a paso se llega lejos", "El que madruga encuentra el camino")
    return (
        Contacts(mask_mobile(mobile), mask_email(email) if email else None),
        SecurityDisplay(population.SECURITY_IMAGES[digest[14] % 9], phrases[digest[15] % 4]),
    )


def test_the_classifier_does_tell_the_old_decoys_apart():
    """Without the store: members' contacts and phrases against the old decoys'."""
    rows, labels = [], []
    rng = random.Random(5)
    for new in realistic_members(GENERATED_MEMBERS, seed=2026):
        contacts = Contacts(mask_mobile(new.mobile) if new.mobile else None, mask_email(new.email) if new.email else None)
        display = SecurityDisplay(population.draw_image(rng), population.draw_phrase(rng))
        rows.append(contact_features(contacts) | display_features(display))
        labels.append(True)
    for n in range(UNKNOWN_DOCUMENTS):
        contacts, display = old_decoy(b"pepper", str(9_000_000_000 + n))
        rows.append(contact_features(contacts) | display_features(display))
        labels.append(False)
    accuracy, majority, n = held_out_accuracy(rows, labels, seed=7)
    print(f"members vs the old decoys: accuracy {accuracy:.3f} on {n} held out; chance {majority:.3f}")
    assert accuracy > 0.95
