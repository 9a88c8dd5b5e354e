"""Step types and the screens that show them.  A new step type is a new screen
plus one line here; a new institution is a new TOML file."""

from kiosk.screens.channel import ChannelChoiceScreen
from kiosk.screens.code_entry import CodeEntryScreen
from kiosk.screens.confirm_contacts import ConfirmContactsScreen
from kiosk.screens.consent import ConsentScreen
from kiosk.screens.document import DocumentScreen
from kiosk.screens.key_change import KeyChangeScreen
from kiosk.screens.key_entry import KeyEntryScreen
from kiosk.screens.key_login import KeyLoginScreen
from kiosk.screens.link_token import LinkTokenScreen
from kiosk.screens.login_form import LoginFormScreen
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.new_key import NewKeyScreen
from kiosk.screens.notice import NoticeScreen
from kiosk.screens.personal_questions import PersonalQuestionsScreen
from kiosk.screens.product_questions import ProductQuestionsScreen
from kiosk.screens.recovery_form import RecoveryFormScreen
from kiosk.screens.recovery_link import RecoveryLinkScreen
from kiosk.screens.security_image import SecurityImageScreen
from kiosk.screens.shown_key import ShownKeyScreen
from kiosk.screens.terms import TermsScreen

STEP_SCREENS = {
    "document": DocumentScreen,
    "key_login": KeyLoginScreen,
    "channel_choice": ChannelChoiceScreen,
    "notice": NoticeScreen,
    "new_key": NewKeyScreen,
    "security_image": SecurityImageScreen,
    "consent": ConsentScreen,
    "member_home": MemberHomeScreen,
    "terms": TermsScreen,
    "login_form": LoginFormScreen,
    "recovery_form": RecoveryFormScreen,
    "code_entry": CodeEntryScreen,
    "key_change": KeyChangeScreen,
    "personal_questions": PersonalQuestionsScreen,
    "shown_temporary_key": ShownKeyScreen,
    "key_entry": KeyEntryScreen,
    "recovery_link": RecoveryLinkScreen,
    "link_token": LinkTokenScreen,
    "confirm_contacts": ConfirmContactsScreen,
    "product_questions": ProductQuestionsScreen,
}
