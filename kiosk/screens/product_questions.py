"""Security questions after the e-mailed code (the member's birth date,
mobile and one of their products); all must be right."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal

from kiosk.i18n import _
from kiosk.screens.questions_base import QuestionsStep
from kiosk.widgets import Button


class ProductQuestionsScreen(QuestionsStep):
    def compose_step(self) -> ComposeResult:
        asked = self.load_or_close(lambda: self.service.product_questions(self.context.proof, **self.limits()))
        if asked is None:
            yield from self.compose_closed()
            return
        yield from self.compose_questions(asked)
        with Horizontal(classes="actions"):
            yield Button(self.text("button") or _("Continuar"), id="continue", variant="primary")

    @on(Button.Pressed, "#continue")
    def _answer(self) -> None:
        answers = self.chosen_answers()
        if answers is None:
            return
        self.call_core(
            lambda: self.service.answer_product_questions(self.context.proof, answers, **self.limits()),
            self._passed,
            on_refusal=self.new_attempt,
        )

    def _passed(self, proof) -> None:
        self.context.proof = proof
        self.finish()
