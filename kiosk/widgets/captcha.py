"""«No soy un robot»: the image challenge a member solves by typing its text."""

from __future__ import annotations

import random

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from kiosk.core.captcha import Captcha, Challenges, widest_picture
from kiosk.i18n import _
from kiosk.widgets.button import Button


class RobotCheck(Widget):
    DEFAULT_CSS = """
    RobotCheck { height: auto; width: 100%; }
    RobotCheck > Horizontal { height: auto; }
    RobotCheck .captcha-picture {
        height: auto; padding: 0 1; box-sizing: content-box;
        border: round $primary; background: $panel; color: $text;
    }
    RobotCheck .captcha-answer { width: 1fr; min-width: 13; height: auto; margin: 0 0 0 1; }
    RobotCheck Label { width: 100%; }
    RobotCheck Input, RobotCheck Button { width: 100%; min-width: 0; }
    """

    def __init__(
        self, rng: random.Random, challenges: Challenges, prompt: str | None = None, action: Widget | None = None, **kwargs
    ) -> None:
        """The answer is checked by the core (``challenges``) and earns the
        token the guarded core call asks for (``token``).  ``action`` (the
        form's button) goes under the answer, beside the picture."""
        super().__init__(**kwargs)
        self._action = action
        self._rng = rng
        self._prompt = prompt
        self._challenges = challenges
        self._challenge_id = ""
        self.captcha: Captcha = self._new()

    def _new(self) -> Captcha:
        challenge, captcha = self._challenges.issue(self._rng)
        self._challenge_id = challenge.id
        return captcha

    def compose(self) -> ComposeResult:
        # The prompt over the picture: beside it, the answer's column would
        # need its width (80 columns leave 13 beside the widest picture).
        yield Label(self._prompt or _("No soy un robot: escriba el texto de la imagen"))
        with Horizontal():
            picture = Static("\n".join(self.captcha.picture), classes="captcha-picture")
            # As wide as the widest picture: the layout is the same whatever was drawn.
            picture.styles.width = widest_picture()
            yield picture
            with Vertical(classes="captcha-answer"):
                yield Input(id="captcha-answer", max_length=12)
                yield Button(_("Otra imagen"), id="captcha-new", compact=True)
                if self._action is not None:
                    yield self._action

    def token(self, visit_id: str) -> str:
        """The core's token for the typed answer (``Challenges.solve``); a
        ``Refusal`` when it is wrong.  Either way the picture takes no other answer."""
        return self._challenges.solve(self._challenge_id, self.query_one("#captcha-answer", Input).value, visit_id)

    def renew(self) -> None:
        """A new picture (after a failed try, or on request): one answer per picture."""
        self.captcha = self._new()
        self.query_one(".captcha-picture", Static).update("\n".join(self.captcha.picture))
        self.query_one("#captcha-answer", Input).value = ""

    @on(Button.Pressed, "#captcha-new")
    def _new_picture(self, event: Button.Pressed) -> None:
        event.stop()
        self.renew()
