"""The demo operator's screens: pick the institution to show, and the demo
guide (who to type in, and what each demo member shows).  A branch kiosk,
configured for one institution, never shows them."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kiosk.core.questions import MONTHS, PRODUCT_DIGITS, format_birth_date, format_mobile
from kiosk.demo_members import DemoMember, demo_members
from kiosk.flow.profile import load_profile
from kiosk.i18n import N_, _
from kiosk.screens.home import HomeScreen
from kiosk.host import kiosk_host
from kiosk.store_later import show_store_status
from kiosk.widgets import Button

OPERATOR_KEYS = N_("F2: teléfono y correo del asociado · F9: elegir otra entidad · F10: cerrar el kiosco")


class DemoStartScreen(HomeScreen):
    """The operator's start screen."""

    def compose(self) -> ComposeResult:
        with Vertical(id="demo-start"):
            yield Static(_("Demostración del kiosco"), classes="title")
            yield Static(_("Elija la entidad que va a mostrar."), classes="lead")
            with Grid(id="institutions"):
                for slug, name, portal in self.host.demo.institutions:
                    yield Button(f"{name}\n{_(portal)}", id=f"institution-{slug}", name=slug, classes="institution")
                yield Button(_("Guía de demostración"), id="guide", variant="primary")
            yield Static(id="welcome-status")
            yield Static(_(OPERATOR_KEYS), classes="hint", id="operator-keys")

    def on_mount(self) -> None:
        self.show_store_state()

    def show_store_state(self) -> None:
        """The institutions wait for the store, opened after this screen is shown (kiosk.store_later)."""
        show_store_status(self, ".institution", meanwhile="#guide")

    @on(Button.Pressed, ".institution")
    def _chosen(self, event: Button.Pressed) -> None:
        if self.host.store_ready:
            self.host.use_institution(event.button.name)

    @on(Button.Pressed, "#guide")
    def _guide(self) -> None:
        self.app.push_screen(DemoGuideScreen())


QUESTION_STEPS = ("personal_questions", "product_questions")


def question_answers(demo: DemoMember) -> str:
    """What the operator answers to the security questions (Cooperen, Banco
    Caja Social): the product asked about is the kiosk's pick, so every product."""
    if not demo.products or not demo.mobile:
        return ""
    products = ", ".join(
        _("{product} terminado en {digits}, abierto en {month}").format(
            product=_(kind), digits=number[-PRODUCT_DIGITS:], month=_(MONTHS[opened.month - 1])
        )
        for kind, number, opened in demo.products
    )
    return "\n" + _("Respuestas: nacido el {birth}; celular {mobile}; {products}.").format(
        birth=format_birth_date(demo.birth_date), mobile=format_mobile(demo.mobile), products=products
    )


class DemoGuideScreen(Screen):
    """Every demo member by institution: the document to type and the situation it shows."""

    BINDINGS = [Binding("escape", "app.pop_screen", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(_("Guía de demostración"), classes="title")
            yield Static(
                _("Cualquier otro documento es de alguien que no es asociado: recibe las mismas pantallas y nada se envía."),
                classes="hint",
            )
            members = demo_members()
            for slug, name, _portal in kiosk_host(self).demo.institutions:
                asks_questions = any(step.type in QUESTION_STEPS for step in load_profile(slug).steps)
                table = Table(title=name, title_justify="left", title_style="bold", expand=True)
                table.add_column(_("Documento"), no_wrap=True)
                table.add_column(_("Situación"), ratio=1)
                for demo in (d for d in members if d.institution == slug):
                    table.add_row(f"CC {demo.document}", _(demo.situation) + (question_answers(demo) if asks_questions else ""))
                yield Static(table, classes="guide-table", id=f"guide-{slug}")
        # Always in sight, however far the guide is scrolled.
        with Horizontal(classes="actions", id="guide-actions"):
            yield Button(_("Volver"), id="back", variant="primary")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()
