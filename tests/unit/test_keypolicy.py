"""The key policy: every refusal has its own reason, and a good key passes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.core.errors import Refusal
from kiosk.core.keypolicy import COMMON_PINS, PersonalData, check_confirmation, check_key, new_temporary_key

# Ana María (demo member "ordinary", Progressa).
ANA = PersonalData(document_number="1010123456", birth_date=date(1985, 3, 14), mobile="3111234567")
# Luz Marina (demo member "blocked", Progressa).
LUZ = PersonalData(document_number="1030405060", birth_date=date(1978, 7, 23), mobile="3209876543")


# The key lengths in use: Coasmedas 4, Cooperen 5, Progressa and Cootrasena 6, Banco Caja Social 8.
LENGTHS = (4, 5, 6, 8)
REASONS = {
    "not_digits", "length", "repeated", "almost_repeated", "sequential", "mirrored", "keypad", "common",
    "personal", "year",
}
PATTERN_REASONS = {"repeated", "almost_repeated", "sequential", "mirrored", "keypad", "common", "year"}


def reason_of(key: str, length: int, personal: PersonalData | None = None) -> str:
    with pytest.raises(Refusal) as caught:
        check_key(key, length, personal)
    assert caught.value.message  # the member is always told why
    return caught.value.reason


# -- a good key -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "length"),
    [("749261", 6), ("604917", 6), ("8754", 4), ("4932", 4), ("30846", 5), ("49370", 5), ("73915824", 8)],
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
    ("key", "reason"),
    [
        ("2580", "keypad"), ("0852", "keypad"), ("580123", "keypad"), ("14789", "keypad"),
        ("12369", "keypad"), ("14789321", "keypad"),
        ("1004", "almost_repeated"), ("10004", "almost_repeated"), ("2000", "almost_repeated"),
        ("999989", "almost_repeated"), ("10000004", "almost_repeated"),
        ("159753", "sequential"), ("654123", "sequential"), ("13579", "sequential"), ("2468", "sequential"),
        ("147258", "sequential"), ("789456", "sequential"), ("147852", "sequential"), ("123321", "sequential"),
        ("128821", "mirrored"), ("12321", "mirrored"), ("1221", "mirrored"), ("12388321", "mirrored"),
        ("1122", "repeated"), ("11222", "repeated"), ("12121", "repeated"), ("12341234", "repeated"),
        ("1985", "year"), ("2024", "year"), ("582017", "year"), ("37201985", "year"),
        ("102030", "common"), ("1230", "common"),
    ],
)
def test_family_refused_with_its_reason(key, reason):
    assert reason_of(key, len(key)) == reason


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
        "340385",  # DDMMYY, one digit changed
        "731403",  # DDMM inside the key
    ],
)
def test_birth_date_forms_refused(key):
    assert reason_of(key, 6, ANA) == "personal"
    # It is the member's data that rules it out (or, for anyone, the year in it).
    assert reason_of(key, 6) == "year" if "1985" in key else check_key(key, 6) is None


@pytest.mark.parametrize("key", ["1978", "2307", "0723", "2377", "0724"])
def test_birth_date_forms_refused_in_four_digits(key):
    assert reason_of(key, 4, LUZ) == "personal"


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


@pytest.mark.parametrize("key", ["3209", "2098", "3219"])  # 3209876543
def test_phone_fragments_refused_in_four_digits(key):
    assert reason_of(key, 4, LUZ) == "personal"


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
        assert refusal.reason in REASONS
    else:
        # Anything accepted is exactly `length` ASCII digits.
        assert len(key) == length and key.isascii() and key.isdigit()


# -- every family at every length (hypothesis) -------------------------------------------

DIGITS = "0123456789"
lengths = st.sampled_from(LENGTHS)
digits = st.sampled_from(DIGITS)
# Straight lines of three keys on the keypad (1 2 3 / 4 5 6 / 7 8 9 / 0 under the 8), both ways.
KEYPAD_LINES = {"123", "456", "789", "147", "258", "369", "580", "159", "357"}
KEYPAD_LINES |= {line[::-1] for line in KEYPAD_LINES}


def refused(key: str, personal: PersonalData | None = None) -> str:
    with pytest.raises(Refusal) as caught:
        check_key(key, len(key), personal)
    assert caught.value.message
    return caught.value.reason


@given(length=lengths, block=st.text(DIGITS, min_size=1, max_size=4))
def test_a_repeated_block_is_refused_at_every_length(length, block):
    assume(len(block) <= length // 2)
    assert refused((block * length)[:length]) == "repeated"  # 1212, 12121, 123123, 12341234


@given(length=lengths, data=st.data())
def test_doubled_digits_are_refused_at_every_length(length, data):
    key, previous = "", None
    while len(key) < length:
        left = length - len(key)
        size = left if left <= 3 else data.draw(st.integers(2, left - 2))
        digit = data.draw(digits.filter(lambda d: d != previous))
        key, previous = key + digit * size, digit
    assert refused(key) == "repeated"  # 1122, 11222, 112233, 11122233


@given(length=lengths, digit=digits, other=digits, data=st.data())
def test_all_one_digit_but_one_is_refused_at_every_length(length, digit, other, data):
    assume(other != digit)
    place = data.draw(st.integers(0, length - 1))
    key = digit * place + other + digit * (length - place - 1)
    assert refused(key) == "almost_repeated"  # 1112, 2000, 10000, 999989


@given(length=lengths, first=digits, last=digits)
def test_a_digit_zeros_and_a_digit_is_refused_at_every_length(length, first, last):
    assert refused(first + "0" * (length - 2) + last) in {"repeated", "almost_repeated"}  # 1004, 10004


@given(length=lengths, start=st.integers(0, 9), step=st.integers(1, 9))
def test_a_constant_step_is_refused_at_every_length(length, start, step):
    key = "".join(str((start + step * i) % 10) for i in range(length))  # 1234, 8901, 2468, 13579, 9630
    assert refused(key) == ("repeated" if step == 5 else "sequential")


@given(length=st.sampled_from((6, 8)), starts=st.tuples(st.integers(0, 9), st.integers(0, 9)),
       steps=st.tuples(st.integers(1, 9), st.integers(1, 9)))
def test_two_runs_are_refused(length, starts, steps):
    half = length // 2
    key = "".join(str((start + step * i) % 10) for start, step in zip(starts, steps) for i in range(half))
    assert refused(key) in {"repeated", "sequential"}  # 654123, 123654, 147369, 12348765


@given(length=lengths, half=st.text(DIGITS, min_size=4, max_size=4))
def test_a_mirror_is_refused_at_every_length(length, half):
    front = half[: (length + 1) // 2]
    key = front + front[: length // 2][::-1]  # 1221, 12321, 123321, 12344321
    assert refused(key) in {"repeated", "almost_repeated", "sequential", "mirrored"}


@given(first=st.sampled_from(sorted(KEYPAD_LINES)), data=st.data())
def test_keypad_lines_are_refused_at_every_length(first, data):
    """Straight lines of three keys or more, one after the other or turning on a key."""
    def line_from(key: str) -> str:
        return data.draw(st.sampled_from(sorted(line for line in KEYPAD_LINES if line[0] == key)))

    side = data.draw(st.sampled_from(sorted(KEYPAD_LINES)))
    turn = line_from(first[-1])
    keys = {
        4: data.draw(st.sampled_from(["2580", "0852"])),
        5: first + turn[1:],  # an L: 14789
        6: first + side,  # 580123
        8: first + turn[1:] + side,  # 14789321
    }
    for key in keys.values():
        assert refused(key) in PATTERN_REASONS - {"common", "year"}


@given(length=lengths, year=st.integers(1900, 2099), data=st.data())
def test_a_year_inside_the_key_is_refused_at_every_length(length, year, data):
    filler = data.draw(st.text(DIGITS, min_size=length - 4, max_size=length - 4))
    place = data.draw(st.integers(0, len(filler)))
    assert refused(filler[:place] + str(year) + filler[place:]) in PATTERN_REASONS


def _constant_steps(digits: str) -> bool:
    return len({(int(b) - int(a)) % 10 for a, b in zip(digits, digits[1:])}) == 1


def avoids_every_family(key: str) -> bool:
    """Told independently of the policy's code: distinct digits (no repeat,
    near-repeat or mirror), steps that change (and, from 6 digits, in at least
    one half), no three keys in a keypad line, no year, not on the short list."""
    halves = (key[: len(key) // 2], key[len(key) // 2 :])
    return (
        len(set(key)) == len(key)
        and not _constant_steps(key)
        and not (len(key) >= 6 and all(_constant_steps(half) for half in halves))
        and not any(key[i : i + 3] in KEYPAD_LINES for i in range(len(key) - 2))
        and not any(key[i : i + 2] in ("19", "20") for i in range(len(key) - 3))
        and key not in COMMON_PINS
    )


@given(length=lengths, shuffled=st.permutations(DIGITS))
def test_random_keys_avoiding_the_families_pass(length, shuffled):
    key = "".join(shuffled[:length])
    assume(avoids_every_family(key))
    assert check_key(key, length) is None


@pytest.mark.parametrize("length", LENGTHS)
def test_temporary_keys_pass_the_policy_at_every_length(length):
    for _ in range(300):
        key = new_temporary_key(length)
        assert len(key) == length and check_key(key, length) is None


# -- personal data one digit off, in every order (hypothesis) -------------------------------

DATE_FORMS = ["%d%m%Y", "%d%m%y", "%Y%m%d", "%y%m%d", "%m%d%Y", "%m%d%y", "%d%m", "%m%d", "%Y"]


@given(
    length=lengths,
    document=st.text(DIGITS, min_size=6, max_size=10),
    mobile=st.text(DIGITS, min_size=9, max_size=9).map(lambda rest: "3" + rest),
    born=st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)),
    source=st.sampled_from(["document", "mobile", *DATE_FORMS]),
    data=st.data(),
)
def test_a_key_one_digit_from_personal_data_is_refused(length, document, mobile, born, source, data):
    fragment = {"document": document, "mobile": mobile}.get(source) or born.strftime(source)
    if len(fragment) >= length:  # a piece of the fragment as long as the key
        start = data.draw(st.integers(0, len(fragment) - length))
        key, first, size = fragment[start : start + length], 0, length
    else:  # the whole fragment inside the key
        filler = data.draw(st.text(DIGITS, min_size=length - len(fragment), max_size=length - len(fragment)))
        first = data.draw(st.integers(0, len(filler)))
        key, size = filler[:first] + fragment + filler[first:], len(fragment)
    changed = data.draw(st.integers(first, first + size - 1))
    key = key[:changed] + data.draw(digits) + key[changed + 1 :]  # one digit changed (or kept)
    personal = PersonalData(document_number=document, birth_date=born, mobile=mobile)
    reason = refused(key, personal)
    try:
        check_key(key, length)
        alone = None
    except Refusal as refusal:
        alone = refusal.reason
    # Personal data is the reason unless a pattern anyone is refused for comes first.
    assert reason == "personal" if alone in (None, "year") else reason == alone


def test_personal_data_is_not_refused_two_digits_off():
    # 140385 (Ana's DDMMYY) with two digits changed, and nothing else near her data.
    assert check_key("749385", 6, ANA) is None


@pytest.mark.parametrize(
    "example",
    ["1111", "1212", "1122", "1112", "2000", "1004", "1234", "9876", "2468", "1221", "12521", "2580", "14789",
     "1990", "2024"],
)
def test_each_example_a_refusal_names_is_refused_with_that_refusal(example):
    # A member told "como 2580" must not have 2580 refused for another reason.
    with pytest.raises(Refusal) as caught:
        check_key(example, len(example))
    assert example in caught.value.message
