"""Personal questions: the registered e-mail, then the birth date, a known
mobile and one of the member's products among fixed, plausible options, and
the image challenge; all must be right."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from kiosk.core.errors import Refusal
from kiosk.core.service import SHOWN_KEY_LIFETIME
from kiosk.screens.questions_base import QuestionsStep
from kiosk.widgets import Button, RobotCheck
from kiosk.widgets.keyboard import OnScreenKeyboard
from kiosk.widgets.touch import touch_pads


class PersonalQuestionsScreen(QuestionsStep):
    def compose_step(self) -> ComposeResult:
        asked = self.load_or_close(
            lambda: self.service.recovery_questions(self.context.identity, **self.limits())
        )
        if asked is None:
            yield from self.compose_closed()
            return
        email = Input(id="email", max_length=120)
        email.border_title = self.text("email_label")
        yield email
        # The keyboard takes the questions' place while the e-mail or the
        # picture's text is typed; its «Listo» brings them back: both at once
        # do not fit a kiosk's screen.
        yield from touch_pads(text=["email", "captcha-answer"], keyboard_done=True)
        with Vertical(id="questions") as questions:
            questions.display = False  # the e-mail comes first
            yield from self.compose_questions(asked)
        send = Button(self.text("button"), id="continue", variant="primary")
        yield RobotCheck(
            self.host.rng, self.service.challenges, prompt=self.text("captcha_prompt"), action=send, id="robot"
        )

    def on_mount(self) -> None:
        self.watch(self, "focused", self._show_for_focus, init=False)

    def _show_for_focus(self, focused: Widget | None) -> None:
        """The keyboard while a field it types into is being typed, else the questions."""
        keyboards = self.query(OnScreenKeyboard)
        if focused is None or not keyboards:
            return
        typing = focused.id in keyboards.first().targets or isinstance(focused, OnScreenKeyboard)
        if typing or self.query_one("#questions") in focused.ancestors:
            self._show_keyboard(typing)

    def _show_keyboard(self, shown: bool) -> None:
        self.query_one(OnScreenKeyboard).display = shown
        self.query_one("#questions").display = not shown

    @on(OnScreenKeyboard.Done)
    def _typed(self) -> None:
        self._show_keyboard(False)
        self.query_one("#questions RadioSet").focus()

    def fill_in(self) -> None:
        super().fill_in()
        # The form is taller than the screen: focusing the e-mail must not hide the title.
        self.call_after_refresh(lambda: self.query_one("#card").scroll_home(animate=False))

    @on(Button.Pressed, "#continue")
    def _send(self) -> None:
        robot = self.query_one("#robot", RobotCheck)
        answers = self.chosen_answers()
        if answers is None:
            self._show_keyboard(False)  # the question left unanswered
            return
        visit = self.context.visit_id
        try:
            captcha = robot.token(visit)  # the core asks for it: a screen alone proves nothing
        except Refusal as refusal:
            robot.renew()
            self.refuse(refusal)
            return
        email = self.query_one("#email", Input).value
        default_minutes = int(SHOWN_KEY_LIFETIME.total_seconds() // 60)
        lifetime = timedelta(minutes=self.step.param("temporary_minutes", default_minutes))
        self.call_core(
            lambda: self.service.answer_questions(
                self.context.identity, email, answers,
                digits=self.step.param("temporary_digits", 4), key_lifetime=lifetime,
                captcha=captcha, visit=visit, **self.limits()
            ),
            self._answered,
            on_refusal=self.new_attempt,
        )

    def _answered(self, temporary_key: str) -> None:
        self.context.shown_key = temporary_key
        self.context.temporary_key = True
        self.finish()
