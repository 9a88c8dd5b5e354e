"""The kiosk's reusable widgets, each imported when first named (the welcome
screen needs none of them, and the image challenge pulls in pyfiglet)."""

from importlib import import_module
from typing import TYPE_CHECKING

_WHERE = {
    "Button": "kiosk.widgets.button",
    "DocumentInput": "kiosk.widgets.document_input",
    "KeyField": "kiosk.widgets.key_field",
    "PadKeyField": "kiosk.widgets.key_field",
    "NumericPad": "kiosk.widgets.numpad",
    "OnScreenKeyboard": "kiosk.widgets.keyboard",
    "RobotCheck": "kiosk.widgets.captcha",
    "KeypadShuffler": "kiosk.widgets.keypad_layout",
    "ScrambledKeypad": "kiosk.widgets.keypad",
    "SecurityImagePicker": "kiosk.widgets.image_picker",
    "picture": "kiosk.widgets.image_picker",
}

__all__ = list(_WHERE)

if TYPE_CHECKING:
    from kiosk.widgets.button import Button
    from kiosk.widgets.captcha import RobotCheck
    from kiosk.widgets.document_input import DocumentInput
    from kiosk.widgets.image_picker import SecurityImagePicker, picture
    from kiosk.widgets.key_field import KeyField, PadKeyField
    from kiosk.widgets.keyboard import OnScreenKeyboard
    from kiosk.widgets.numpad import NumericPad
    from kiosk.widgets.keypad import ScrambledKeypad
    from kiosk.widgets.keypad_layout import KeypadShuffler


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'kiosk.widgets' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
