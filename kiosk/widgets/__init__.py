from kiosk.widgets.image_picker import SecurityImagePicker, picture
from kiosk.widgets.key_field import KeyField
from kiosk.widgets.keypad import KeypadShuffler, ScrambledKeypad

__all__ = ["KeyField", "KeypadShuffler", "ScrambledKeypad", "SecurityImagePicker", "picture"]
