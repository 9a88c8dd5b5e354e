"""Security questions about the member's own products; all must be right."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, RadioButton, RadioSet

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen


class ProductQuestionsScreen(StepScreen):
    def _limits(self) -> dict:
        return {
            "max_attempts": self.step.param("max_attempts", 3),
            "lockout": timedelta(hours=self.step.param("lockout_hours", 24)),
        }

    @property
    def catalogue(self) -> list[str]:
        return self.runner.profile.setting("eligible_products")

    def compose_step(self) -> ComposeResult:
        try:
            asked = self.service.product_questions(self.context.proof, self.catalogue, **self._limits())
        except Refusal as refusal:
            self.closed_reason = refusal.message
            with Horizontal(classes="actions"):
                yield Button(_("Salir"), id="leave", variant="primary")
            return
        # The first question (product names, long) gets the whole width.
        yield from self._question(asked[0])
        with Horizontal(classes="field-row"):
            for question in asked[1:]:
                with Vertical(classes="question"):
                    yield from self._question(question)
        with Horizontal(classes="actions"):
            yield Button(self.text("button") or _("Continuar"), id="continue", variant="primary")

    def _question(self, question) -> ComposeResult:
        text = _(question.template).format(product=_(question.product).lower())
        yield Label(text, classes="field-label")
        with RadioSet(id=f"q-{question.id}"):
            for option in question.options:
                yield RadioButton(_(option), name=option)

    closed_reason: str | None = None  # (not "_closed": Textual's message pump uses that name)

    def on_mount(self) -> None:
        if self.closed_reason and not self.query_one("#message").render():
            self.show_message(self.closed_reason)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.app.return_to_welcome()

    @on(Button.Pressed, "#continue")
    def _answer(self) -> None:
        answers = {}
        for radios in self.query(RadioSet).results(RadioSet):
            pressed = radios.pressed_button
            if pressed is None:
                self.show_message(_("Responda todas las preguntas."))
                return
            answers[radios.id.removeprefix("q-")] = pressed.name
        self.call_core(
            lambda: self.service.answer_product_questions(
                self.context.proof, self.catalogue, answers, **self._limits()
            ),
            self._passed,
            on_refusal=self._refused,
        )

    def _passed(self, proof) -> None:
        self.context.proof = proof
        self.finish()

    def _refused(self, refusal: Refusal) -> None:
        # A new attempt gets new options (or, once closed, only the message).
        self.context.banner = refusal.message
        self.runner.go(self.step.id)
