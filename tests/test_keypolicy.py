"""The key policy: every refusal has its own reason, and a good key passes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.errors import Refusal
from kiosk.core.keypolicy import COMMON_PINS, PersonalData, check_confirmation, check_key

# Ana María (demo member "ordinary", Progressa).
ANA = PersonalData(document_number="1010123456", birth_date=date(1985, 3, 14), mobile="3111234567")
# Luz Marina: her birth year 1978 is not a common PIN, so 4-digit date forms show the
# "personal" reason rather than "common" (1985 is on the common list).
LUZ = PersonalData(document_number="1030405060", birth_date=date(1978, 7, 23), mobile="3209876543")


def reason_of(key: str, length: int, personal: PersonalData | None = None) -> str:
    with pytest.raises(Refusal) as caught:
        check_key(key, length, personal)
    assert caught.value.message  # the member is always told why
    return caught.value.reason


# -- a good key -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "length"), [("582017", 6), ("749261", 6), ("8754", 4), ("4932", 4), ("30846", 5)]
)
def test_good_key_accepted(key, length):
    assert check_key(key, length, ANA) is None


# -- length and characters ----------------------------------------------------


@pytest.mark.parametrize("key", ["58201", "5820174", "", "5"])
def test_wrong_length_refused(key):
    if key == "":
        # Nothing typed is not a number at all.
        assert reason_of(key, 6) == "not_digits"
    else:
        assert reason_of(key, 6) == "length"


def test_length_message_names_the_length():
    with pytest.raises(Refusal) as caught:
        check_key("58201", 6)
    assert "6" in caught.value.message


@pytest.mark.parametrize(
    "key",
    [
        "58201a",
        "5820 7",
        " 582017",
        "582017 ",
        "58-017",
        "582.17",
        "١٢٣٤٥٦",  # Arabic-Indic digits: str.isdigit() says True
        "１２３４５６",  # full-width digits: str.isdigit() says True
        "５８２０１７",
        "²³⁴⁵⁶⁷",  # superscripts: isdigit() True, int() fails
        "58201７",  # one full-width digit among ASCII ones
    ],
)
def test_non_ascii_digits_refused(key):
    assert reason_of(key, 6) == "not_digits"


def test_not_digits_checked_before_length():
    assert reason_of("abc", 6) == "not_digits"


# -- repeated, sequential, common ----------------------------------------------


@pytest.mark.parametrize(
    ("key", "length"),
    [("111111", 6), ("000000", 6), ("121212", 6), ("123123", 6), ("1111", 4), ("1212", 4), ("99999", 5)],
)
def test_repeated_refused(key, length):
    assert reason_of(key, length) == "repeated"


@pytest.mark.parametrize(
    ("key", "length"),
    [
        ("123456", 6),
        ("987654", 6),
        ("012345", 6),
        ("890123", 6),  # wraps past 9
        ("210987", 6),  # wraps downwards past 0
        ("1234", 4),
        ("9876", 4),
        ("12345", 5),
    ],
)
def test_sequential_refused(key, length):
    assert reason_of(key, length) == "sequential"


@pytest.mark.parametrize(
    ("key", "length"),
    [("2580", 4), ("1004", 4), ("159753", 6), ("147258", 6), ("102030", 6), ("654123", 6), ("13579", 5)],
)
def test_common_refused(key, length):
    assert reason_of(key, length) == "common"


@pytest.mark.parametrize("pin", sorted(COMMON_PINS))
def test_every_common_pin_refused(pin):
    # Whatever rule catches it first, none of the common PINs is ever accepted.
    with pytest.raises(Refusal):
        check_key(pin, len(pin))


def test_almost_repeated_or_sequential_is_not_refused_for_that():
    assert check_key("121213", 6) is None
    assert check_key("123457", 6) is None


# -- personal data ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "140385",  # DDMMYY
        "850314",  # YYMMDD
        "031485",  # MMDDYY
        "198503",  # YYYYMM
        "031985",  # MMYYYY
        "141985",  # DDYYYY
        "140319",  # first six of DDMMYYYY
        "850314",
    ],
)
def test_birth_date_forms_refused(key):
    assert reason_of(key, 6, ANA) == "personal"
    assert check_key(key, 6) is None  # it is the member's data that rules it out


@pytest.mark.parametrize("key", ["1978", "2307", "0723"])
def test_birth_date_forms_refused_in_four_digits(key):
    assert reason_of(key, 4, LUZ) == "personal"
    assert check_key(key, 4) is None


@pytest.mark.parametrize("key", ["101012", "010123", "101234"])
def test_document_fragments_refused(key):
    assert reason_of(key, 6, ANA) == "personal"
    assert check_key(key, 6) is None


def test_document_fragment_found_through_punctuation():
    dotted = PersonalData(document_number="1.010.123.456")
    assert reason_of("101012", 6, dotted) == "personal"


@pytest.mark.parametrize("key", ["311123", "111234", "112345"])
def test_phone_fragments_refused(key):
    assert reason_of(key, 6, ANA) == "personal"
    assert check_key(key, 6) is None


@pytest.mark.parametrize("key", ["3209", "2098"])  # 3209876543
def test_phone_fragments_refused_in_four_digits(key):
    assert reason_of(key, 4, LUZ) == "personal"
    assert check_key(key, 4) is None


def test_other_members_data_does_not_refuse():
    # Luz Marina's date and phone fragments are fine for Ana María.
    assert check_key("230778", 6, ANA) is None
    assert reason_of("230778", 6, LUZ) == "personal"


def test_empty_personal_data_refuses_nothing_extra():
    assert check_key("140385", 6, PersonalData()) is None


# -- confirmation -------------------------------------------------------------------


def test_coasmedas_seed_confirmation_mismatch_refused():
    with pytest.raises(Refusal) as caught:
        check_confirmation("8754", "4932")
    assert caught.value.reason == "mismatch"
    assert "no coinciden" in caught.value.message


@pytest.mark.parametrize("confirmation", ["875", "87540", " 8754", "８７５４"])
def test_confirmation_must_be_identical(confirmation):
    with pytest.raises(Refusal) as caught:
        check_confirmation("8754", confirmation)
    assert caught.value.reason == "mismatch"


def test_matching_confirmation_accepted():
    assert check_confirmation("8754", "8754") is None


# -- any text at all -------------------------------------------------------------------

personal_data = st.builds(
    PersonalData,
    document_number=st.text(max_size=20),
    birth_date=st.one_of(st.none(), st.dates()),
    mobile=st.text(max_size=20),
)


@given(key=st.text(max_size=12), length=st.integers(min_value=1, max_value=10), personal=st.one_of(st.none(), personal_data))
def test_check_key_only_ever_refuses(key, length, personal):
    try:
        check_key(key, length, personal)
    except Refusal as refusal:
        assert refusal.reason in {"not_digits", "length", "repeated", "sequential", "common", "personal"}
    else:
        # Anything accepted is exactly `length` ASCII digits.
        assert len(key) == length and key.isascii() and key.isdigit()
