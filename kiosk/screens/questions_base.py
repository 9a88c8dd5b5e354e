"""What both kinds of security-question steps share: the attempt limits from
the step, a new attempt (new options) after wrong answers, and a closed path
that shows only why and a way out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal

from kiosk.core.errors import Refusal
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
        }

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
        self.app.return_to_welcome()

    def new_attempt(self, refusal: Refusal) -> None:
        """Wrong answers: the same step again, with this attempt's new options
        (or, once the path is closed, only the message)."""
        self.context.banner = refusal.message
        self.runner.go(self.step.id)
