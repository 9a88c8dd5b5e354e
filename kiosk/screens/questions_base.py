"""What both kinds of security-question steps share: the attempt limits from
the step, the questions side by side, the answers chosen, a new attempt (the
same options) after wrong answers, and a closed path that shows only why and a
way out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, RadioButton, RadioSet

from kiosk.core.errors import Refusal
from kiosk.core.questions import Question
from kiosk.core.service import MAX_FAILED_SETS
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button


class QuestionsStep(StepScreen):
    # Not "_closed": Textual's message pump already uses that name.
    closed_reason: str | None = None

    def limits(self) -> dict[str, Any]:
        return {
            "max_attempts": self.step.param("max_attempts", 3),
            "lockout": timedelta(hours=self.step.param("lockout_hours", 24)),
            "max_failed_sets": self.step.param("max_failed_sets", MAX_FAILED_SETS),
        }

    def compose_questions(self, asked: list[Question], per_row: int = 2) -> ComposeResult:
        for first in range(0, len(asked), per_row):
            with Horizontal(classes="field-row"):
                for question in asked[first:first + per_row]:
                    with Vertical(classes="question"):
                        text = _(question.template).format(product=_(question.product).lower())
                        yield Label(text, classes="field-label")
                        with RadioSet(id=f"q-{question.id}"):
                            for option in question.options:
                                yield RadioButton(_(option), name=option)

    def chosen_answers(self) -> dict[str, str] | None:
        """Question id -> the option chosen; None (and a message) while one is unanswered."""
        answers = {}
        for radios in self.query(RadioSet).results(RadioSet):
            if radios.pressed_button is None:
                self.show_message(_("Responda todas las preguntas."))
                return None
            answers[radios.id.removeprefix("q-")] = radios.pressed_button.name
        return answers

    def load_or_close(self, load: Callable[[], Any]) -> Any:
        """The questions, or None after noting why the path is closed."""
        try:
            return load()
        except Refusal as refusal:
            self.closed_reason = refusal.message
            return None

    def compose_closed(self) -> ComposeResult:
        with Horizontal(classes="actions"):
            yield Button(_("Salir"), id="leave", variant="primary")

    def fill_in(self) -> None:
        # After the banner (new_attempt's refusal), which says it better when there is one.
        if self.closed_reason and not self.query_one("#message").render():
            self.show_message(self.closed_reason)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.finish("leave")

    def new_attempt(self, refusal: Refusal) -> None:
        """Wrong answers: the same step again, with the same options (or, once
        the path is closed, only the message)."""
        self.finish("again", banner=refusal.message)
