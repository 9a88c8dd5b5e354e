"""Step types and the screens that show them.  A new step type is a new screen
plus one line here; a new institution is a new TOML file.

The screens are imported when a step first needs one (or when ``load_all``
warms them up after the welcome screen is shown), so the kiosk starts without
the core and the store: the step types are known without importing anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Any


class _LazyScreens(Mapping[str, Any]):
    """Step type -> screen class, imported on first use."""

    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = paths

    def __getitem__(self, step_type: str) -> Any:
        module, _colon, name = self._paths[step_type].partition(":")
        return getattr(import_module(module), name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def load_all(self) -> None:
        for step_type in self._paths:
            self[step_type]


STEP_SCREENS = _LazyScreens({
    "document": "kiosk.screens.document:DocumentScreen",
    "key_login": "kiosk.screens.key_login:KeyLoginScreen",
    "channel_choice": "kiosk.screens.channel:ChannelChoiceScreen",
    "notice": "kiosk.screens.notice:NoticeScreen",
    "new_key": "kiosk.screens.new_key:NewKeyScreen",
    "security_image": "kiosk.screens.security_image:SecurityImageScreen",
    "consent": "kiosk.screens.consent:ConsentScreen",
    "member_home": "kiosk.screens.member_home:MemberHomeScreen",
    "terms": "kiosk.screens.terms:TermsScreen",
    "login_form": "kiosk.screens.login_form:LoginFormScreen",
    "recovery_form": "kiosk.screens.recovery_form:RecoveryFormScreen",
    "code_entry": "kiosk.screens.code_entry:CodeEntryScreen",
    "key_change": "kiosk.screens.key_change:KeyChangeScreen",
    "personal_questions": "kiosk.screens.personal_questions:PersonalQuestionsScreen",
    "shown_temporary_key": "kiosk.screens.shown_key:ShownKeyScreen",
    "key_entry": "kiosk.screens.key_entry:KeyEntryScreen",
    "recovery_link": "kiosk.screens.recovery_link:RecoveryLinkScreen",
    "link_token": "kiosk.screens.link_token:LinkTokenScreen",
    "confirm_contacts": "kiosk.screens.confirm_contacts:ConfirmContactsScreen",
    "product_questions": "kiosk.screens.product_questions:ProductQuestionsScreen",
})
