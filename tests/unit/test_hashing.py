"""Hashing keys and codes: bcrypt over a peppered HMAC."""

from __future__ import annotations

import pytest

from kiosk.core.hashing import Hasher

PEPPER = b"a-pepper-for-these-tests-only!!!"


def test_right_value_verifies(hasher):
    hashed = hasher.hash("582017")
    assert hasher.verify("582017", hashed) is True


def test_wrong_value_does_not_verify(hasher):
    hashed = hasher.hash("582017")
    assert hasher.verify("582018", hashed) is False
    assert hasher.verify("", hashed) is False
    assert hasher.verify("582017 ", hashed) is False


def test_hash_is_bcrypt_at_the_configured_cost_and_holds_no_clear_value(hasher):
    hashed = hasher.hash("582017")
    assert hashed.startswith("$2b$04$")
    assert "582017" not in hashed


def test_hashes_are_salted(hasher):
    first, second = hasher.hash("582017"), hasher.hash("582017")
    assert first != second
    assert hasher.verify("582017", first) and hasher.verify("582017", second)


def test_different_pepper_fails(hasher):
    hashed = hasher.hash("582017")
    other = Hasher(b"another-pepper-entirely-16+bytes", cost=4)
    assert other.verify("582017", hashed) is False


def test_same_pepper_in_another_hasher_verifies():
    hashed = Hasher(PEPPER, cost=4).hash("582017")
    assert Hasher(PEPPER, cost=4).verify("582017", hashed) is True


def test_bare_bcrypt_of_the_value_does_not_verify(hasher):
    # Without the pepper a stolen database is a plain bcrypt dictionary attack;
    # with it, a hash made without the pepper must not match.
    import bcrypt

    unpeppered = bcrypt.hashpw(b"582017", bcrypt.gensalt(4)).decode("ascii")
    assert hasher.verify("582017", unpeppered) is False


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("x" * 72 + "A", "x" * 72 + "B"),
        ("7" * 100 + "1", "7" * 100 + "2"),
        ("ñ" * 36 + "a", "ñ" * 36 + "b"),  # 72 bytes of UTF-8 before they differ
        ("x" * 72, "x" * 73),
    ],
)
def test_values_past_bcrypts_72_bytes_stay_distinct(hasher, first, second):
    assert len(first.encode()) >= 72 and len(second.encode()) >= 72
    assert first.encode()[:72] == second.encode()[:72]
    first_hash, second_hash = hasher.hash(first), hasher.hash(second)
    assert hasher.verify(first, first_hash) and hasher.verify(second, second_hash)
    assert hasher.verify(second, first_hash) is False
    assert hasher.verify(first, second_hash) is False


def test_very_long_value_hashes(hasher):
    value = "9" * 10_000
    assert hasher.verify(value, hasher.hash(value))


def test_verify_against_no_hash_is_false(hasher):
    assert hasher.verify("582017", None) is False
    assert hasher.verify("", None) is False


def test_verify_against_no_hash_is_false_even_for_the_decoy_value(hasher):
    # The decoy hash is checked for timing only; no value ever passes.
    assert hasher.verify("\x00decoy", None) is False


def test_short_pepper_refused():
    with pytest.raises(ValueError):
        Hasher(b"too-short", cost=4)


def test_fingerprint_is_stable_and_keyed(hasher):
    assert Hasher(PEPPER, cost=4).fingerprint("9999999999") == Hasher(PEPPER, cost=4).fingerprint("9999999999")
    assert hasher.fingerprint("9999999999") != hasher.fingerprint("9999999998")
    other = Hasher(b"another-pepper-entirely-16+bytes", cost=4)
    assert other.fingerprint("9999999999") != hasher.fingerprint("9999999999")
