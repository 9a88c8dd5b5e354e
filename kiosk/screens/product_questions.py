"""Security questions about the member's own products; all must be right."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, RadioButton, RadioSet

from kiosk.i18n import _
from kiosk.screens.questions_base import QuestionsStep
from kiosk.widgets import Button


class ProductQuestionsScreen(QuestionsStep):
    @property
    def catalogue(self) -> list[str]:
        return self.runner.profile.setting("eligible_products")

    def compose_step(self) -> ComposeResult:
        asked = self.load_or_close(
            lambda: self.service.product_questions(self.context.proof, self.catalogue, **self.limits())
        )
        if asked is None:
            yield from self.compose_closed()
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
                self.context.proof, self.catalogue, answers, **self.limits()
            ),
            self._passed,
            on_refusal=self.new_attempt,
        )

    def _passed(self, proof) -> None:
        self.context.proof = proof
        self.finish()
