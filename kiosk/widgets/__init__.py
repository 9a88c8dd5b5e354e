from kiosk.widgets.image_picker import SecurityImagePicker, picture
from kiosk.widgets.captcha import RobotCheck
from kiosk.widgets.document_input import DocumentInput
from kiosk.widgets.key_field import KeyField
from kiosk.widgets.keypad import KeypadShuffler, ScrambledKeypad

__all__ = ["DocumentInput", "KeyField", "RobotCheck", "KeypadShuffler", "ScrambledKeypad", "SecurityImagePicker", "picture"]
