"""How the relay's transports write addresses: E.164 for SMS, a stable Message-ID
for e-mail, and which hosts count as this machine (where a secret may travel
unencrypted)."""

from __future__ import annotations

import pytest

from kiosk.relay.loopback import is_loopback
from kiosk.relay.smtp import message_id
from kiosk.relay.transport import PermanentFailure
from kiosk.relay.twilio import e164


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ("3001234567", "+573001234567"),  # how members' mobiles are stored
        ("300 123-4567", "+573001234567"),
        ("+573001234567", "+573001234567"),
        ("+14155550100", "+14155550100"),  # already E.164, another country
    ],
)
def test_mobiles_are_written_in_e164(stored, sent):
    assert e164(stored) == sent


@pytest.mark.parametrize("stored", ["12345", "2001234567", "30012345678", "+57200123456", "tres", ""])
def test_what_is_not_a_mobile_is_refused_for_good_and_masked(stored):
    with pytest.raises(PermanentFailure) as failure:
        e164(stored)
    if len(stored) >= 8:
        assert stored not in str(failure.value)


def test_a_message_id_depends_only_on_the_key_and_the_domain():
    assert message_id("progressa-17-a1b2c3", "progressa.coop") == "<progressa-17-a1b2c3@progressa.coop>"
    odd = message_id("a b<c>@d", "progressa.coop")
    assert odd == message_id("a b<c>@d", "progressa.coop")
    assert odd != message_id("a b<c>@e", "progressa.coop")
    assert odd.count("@") == 1 and " " not in odd and "<c>" not in odd


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.53", "::1", "[::1]", "LOCALHOST"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["smtp.progressa.coop", "10.0.0.5", "0.0.0.0", "localhost.evil.example", ""])
def test_other_hosts(host):
    assert not is_loopback(host)
