"""Personal questions: registered e-mail, birth date and a known mobile among
plausible options, and the image challenge; all must be right."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import RobotCheck


class PersonalQuestionsScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        try:
            options = self.service.recovery_questions(self.context.identity, **self._limits())
        except Refusal as refusal:
            self.closed_reason = refusal.message
            with Horizontal(classes="actions"):
                yield Button(_("Salir"), id="leave", variant="primary")
            return
        self.closed_reason = None
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

    def on_mount(self) -> None:
        if self.closed_reason and not self.query_one("#message").render():
            self.show_message(self.closed_reason)

    def _limits(self) -> dict:
        from datetime import timedelta

        return {
            "max_attempts": self.step.param("max_attempts", 3),
            "lockout": timedelta(hours=self.step.param("lockout_hours", 24)),
        }

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.app.return_to_welcome()

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
                digits=self.step.param("temporary_digits", 4), **self._limits()
            ),
            self._answered,
            on_refusal=self._refused,
        )

    def _answered(self, temporary_key: str) -> None:
        self.context.shown_key = temporary_key
        self.finish()

    def _refused(self, refusal: Refusal) -> None:
        # A new attempt: new options and a new picture; a closed path shows only the message.
        self.context.banner = refusal.message
        self.runner.go(self.step.id)
