"""Hostile input, property-based: whatever is typed (documents with spaces,
dots, unicode digits, control characters, SQL, huge strings; keys past
bcrypt's 72 bytes), every field validator and every public core operation
either accepts it or answers with a clear ``Refusal`` (a reason and a Spanish
message), never another exception; and on PostgreSQL too, where a NUL byte in
a text column would be an error.

Examples per property: the hypothesis profile ("kiosk": 100; KIOSK_LONG=1: 2000).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import links
from kiosk.core.errors import Refusal
from kiosk.core.keypolicy import check_confirmation, check_key
from kiosk.core.members import DOCUMENT_TYPES, validate_document
from kiosk.core.service import Proof
from tests import counts
from tests.helpers import ORDINARY, VISIT, captcha_token, member

pytestmark = pytest.mark.both_stores

SQL = [
    "1010123456' OR '1'='1", "1; DROP TABLE member;--", "' UNION SELECT hash FROM member_key --",
    "1010123456\x00", "%", "_", "\\", "1010123456' --", "$$; SELECT pg_sleep(5); $$",
]
huge = st.builds(lambda chunk, times: chunk * times, st.text(min_size=1, max_size=3), st.integers(100, 20_000))
decorated = st.builds(  # a real document typed with spaces, dots, dashes, unicode digits, controls
    lambda seps, document: "".join(d + s for d, s in zip(document, seps)),
    st.lists(st.sampled_from(["", " ", ".", "-", ",", "\t", "\u00a0", "\x00", "\u200b"]), min_size=10, max_size=10),
    st.sampled_from([ORDINARY, "٠١٠١٢٣٤٥٦", "１０１０１２３４５６", "1010123456"]),
)
hostile = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=["Nd"]), max_size=20),  # digits of every script
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs"]), max_size=20),  # control, format, spaces
    st.sampled_from(SQL),
    decorated,
    huge,
)
# Keys as typed: digits (right or wrong length), other scripts' digits, past 72 bytes, or anything.
keys = st.one_of(st.text(alphabet="0123456789", max_size=12), hostile, st.text(min_size=73, max_size=400))


def refuses_clearly(call, *args, **kwargs):
    """Run ``call``: a result, or a Refusal with a reason and a message; nothing else."""
    counts.add("hostile inputs tried")
    try:
        return call(*args, **kwargs)
    except Refusal as refusal:
        assert refusal.reason and isinstance(refusal.reason, str)
        assert refusal.message.strip() and refusal.message.isprintable()
        return refusal


# -- field validators (no store) ------------------------------------------------------------


@given(typed=hostile)
def test_document_validator(typed):
    result = refuses_clearly(validate_document, typed)
    if not isinstance(result, Refusal):
        assert result.isascii() and result.isdigit() and 3 <= len(result) <= 15


@given(key=keys, length=st.integers(1, 12))
def test_key_policy(key, length):
    if refuses_clearly(check_key, key, length) is None:
        assert key.isascii() and key.isdigit() and len(key) == length


@given(key=keys, confirmation=keys)
def test_confirmation(key, confirmation):
    assert (refuses_clearly(check_confirmation, key, confirmation) is None) == (key == confirmation)


@given(typed=hostile)
def test_link_codes_normalize_to_plain_letters_and_digits(typed):
    normalized = refuses_clearly(links.normalize, typed)
    assert all(ch.isalnum() for ch in normalized)


@given(prefix=st.text(min_size=72, max_size=200), first=st.text(max_size=20), second=st.text(max_size=20))
def test_keys_past_72_bytes_never_collide(hasher, prefix, first, second):
    """bcrypt reads 72 bytes; the HMAC in front of it makes every byte count."""
    counts.add("hostile inputs tried")
    if first == second:
        return
    one, other = prefix + first, prefix + second
    assert len(one.encode()) >= 72 and one.encode()[:72] == other.encode()[:72]
    assert hasher.verify(one, hasher.hash(one)) and not hasher.verify(other, hasher.hash(one))


# -- the core's public operations, on both stores -------------------------------------------


@given(typed=hostile, document_type=st.one_of(st.sampled_from(sorted(DOCUMENT_TYPES)), hostile))
def test_identify(service, typed, document_type):
    refuses_clearly(service.identify, typed, document_type)


@given(secret=keys, known=st.booleans())
def test_login(service, secret, known):
    identity = service.identify(ORDINARY if known else "9999999999")
    refuses_clearly(service.login, identity, secret, max_failed_tries=10**6)


@given(token=hostile, document_type=hostile, number=hostile)
def test_links(service, token, document_type, number):
    refuses_clearly(service.open_link, token)
    refuses_clearly(service.follow_link, token, document_type, number)


@given(code=keys, purpose=st.sampled_from(["temporary_key", "confirm", "link"]), known=st.booleans())
def test_codes(service, code, purpose, known):
    identity = service.identify(ORDINARY if known else "9999999999")
    refuses_clearly(service.verify_code, identity, purpose, code)


@given(key=keys, confirmation=keys, current=st.none() | keys, known=st.booleans())
def test_key_changes(service, engine, key, confirmation, current, known):
    identity = service.identify(ORDINARY if known else "9999999999")
    if known:
        proof = Proof(member(engine, ORDINARY).id, "key")
        refuses_clearly(service.check_new_key, proof, key, 6)
        refuses_clearly(service.change_key, proof, key, confirmation, 6, current=current)
    pending = refuses_clearly(service.prepare_key_change, identity, ("login",), key, confirmation, 6, "confirm",
                              temporary_for=timedelta(hours=24), current=current,
                              captcha=captcha_token(service), visit=VISIT)
    if not isinstance(pending, Refusal):
        refuses_clearly(service.confirm_change, pending, key)


@given(email=hostile, birth_date=hostile, mobile=hostile, known=st.booleans())
def test_personal_questions(service, email, birth_date, mobile, known):
    identity = service.identify(ORDINARY if known else "9999999999")
    refuses_clearly(
        service.answer_questions, identity, email, {"birth": birth_date, "mobile": mobile},
        max_attempts=10**6, max_failed_sets=10**6, captcha=captcha_token(service), visit=VISIT,
    )


@given(image=st.sampled_from(["flor", "sol"]) | hostile, phrase=hostile)
def test_security_image(service, engine, image, phrase):
    refuses_clearly(service.set_security_image, Proof(member(engine, ORDINARY).id, "key"), image, phrase)
