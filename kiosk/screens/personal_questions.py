"""Personal questions: registered e-mail, birth date and a known mobile among
plausible options, and the image challenge; all must be right."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet

from kiosk.i18n import _
from kiosk.screens.questions_base import QuestionsStep
from kiosk.widgets import Button, RobotCheck


class PersonalQuestionsScreen(QuestionsStep):
    def compose_step(self) -> ComposeResult:
        options = self.load_or_close(
            lambda: self.service.recovery_questions(self.context.identity, **self.limits())
        )
        if options is None:
            yield from self.compose_closed()
            return
        email = Input(id="email", max_length=120)
        email.border_title = self.text("email_label")
        yield email
        with Horizontal(classes="field-row"):
            with Vertical(classes="question"):
                yield Label(self.text("birth_question"), classes="field-label")
                with RadioSet(id="birth"):
                    for option in options.birth_dates:
                        yield RadioButton(option, name=option)
            with Vertical(classes="question"):
                yield Label(self.text("mobile_question"), classes="field-label")
                with RadioSet(id="mobile"):
                    for option in options.mobiles:
                        yield RadioButton(option, name=option)
        yield RobotCheck(self.app.rng, prompt=self.text("captcha_prompt"), id="robot")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="continue", variant="primary")

    def _chosen(self, radio_id: str) -> str:
        pressed = self.query_one(f"#{radio_id}", RadioSet).pressed_button
        return pressed.name if pressed else ""

    @on(Button.Pressed, "#continue")
    def _send(self) -> None:
        robot = self.query_one("#robot", RobotCheck)
        if not (self._chosen("birth") and self._chosen("mobile")):
            self.show_message(_("Responda las dos preguntas."))
            return
        if not robot.passed:
            robot.renew()
            self.show_message(_("El texto no coincide con la imagen. Intente con esta nueva imagen."))
            return
        email, birth, mobile = self.query_one("#email", Input).value, self._chosen("birth"), self._chosen("mobile")
        self.call_core(
            lambda: self.service.answer_questions(
                self.context.identity, email, birth, mobile,
                digits=self.step.param("temporary_digits", 4), **self.limits()
            ),
            self._answered,
            on_refusal=self.new_attempt,
        )

    def _answered(self, temporary_key: str) -> None:
        self.context.shown_key = temporary_key
        self.context.temporary_key = True
        self.finish()
