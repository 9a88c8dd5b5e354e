"""Contacts are shown masked exactly as the seeds show them, and never in full."""

from __future__ import annotations

import re

import pytest

from kiosk.core.masking import HIDDEN, mask_email, mask_mobile


def test_mobile_masked_as_in_the_progressa_seed():
    assert mask_mobile("3111234567") == "311 12****"


def test_mobile_formatting_is_ignored():
    assert mask_mobile("311 123 4567") == "311 12****"
    assert mask_mobile("311-123-4567") == "311 12****"


@pytest.mark.parametrize("mobile", ["3111234567", "3209876543", "3004567890"])
def test_mobile_hides_the_last_five_digits(mobile):
    masked = mask_mobile(mobile)
    assert re.fullmatch(r"\d{3} \d{2}\*{4}", masked)
    assert mobile[5:] not in masked.replace(" ", "")
    assert masked.count("*") == 4


def test_email_masked_as_in_the_progressa_seed():
    assert mask_email("mynameis@mail.com") == "mynam****@mail.com"


def test_email_never_shows_more_than_five_characters():
    masked = mask_email("averyverylongname@example.org")
    assert masked == "avery****@example.org"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("abcdefgh@mail.com", "abcde****@mail.com"),
        ("abcdef@mail.com", "abc****@mail.com"),
        ("abcde@mail.com", "ab****@mail.com"),
        ("abcd@mail.com", "a****@mail.com"),
    ],
)
def test_email_hides_at_least_three_characters(email, expected):
    assert mask_email(email) == expected


@pytest.mark.parametrize("local", ["a", "ab", "abc", "abcd", "abcde", "abcdef"])
def test_short_local_part_never_fully_shown(local):
    masked = mask_email(f"{local}@mail.com")
    shown = masked.split(HIDDEN)[0]
    assert masked.endswith(f"{HIDDEN}@mail.com")
    assert local.startswith(shown)
    hidden = len(local) - len(shown)
    assert hidden >= min(3, len(local)), f"{masked!r} shows too much of {local!r}"
    assert shown != local


def test_email_domain_kept_so_the_member_recognises_it():
    assert mask_email("carlos.gomez@mail.com").endswith("@mail.com")


@pytest.mark.parametrize("local", ["a", "ab", "abc"])
def test_very_short_local_part_shows_nothing(local):
    assert mask_email(f"{local}@mail.com") == "****@mail.com"


def test_mobile_with_colombian_country_code_masks_the_national_number():
    assert mask_mobile("+57 311 123 4567") == "311 12****"
