"""Recovery-link codes: long, random, and forgiving of how a member types them."""

from kiosk.core import links


def test_tokens_are_long_random_and_grouped():
    tokens = {links.new_token() for _ in range(200)}
    assert len(tokens) == 200
    token = tokens.pop()
    assert len(links.normalize(token)) == 24 and token.count("-") == 5


def test_typing_is_forgiven_but_not_guessed():
    token = "ZAQ3-742X-POGK-7ZIP-P7FE-Y5R2"
    assert links.normalize("zaq3 742x p0gk 7z1p p7fe y5r2") == links.normalize(token)
    assert links.normalize(f"https://sucursal.example/recuperar/{token}") == links.normalize(token)
    assert links.normalize("ZAQ3-742X-POGK-7ZIP-P7FE-Y5R3") != links.normalize(token)
