"""The teller console's screens: sign-in (password, then the authenticator
code, or its enrolment the first time), member search, and the member's card
with the identity check and the teller's actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from kiosk.core.audit import action_label
from kiosk.core.dates import local_time
from kiosk.core.contact_changes import PendingContactChange
from kiosk.core.teller import KEY_KINDS, KEY_STATES, Enrolment, MemberCard, PasswordChecked
from kiosk.core.typed import escaped
from kiosk.host import TellerHost, teller_host
from kiosk.i18n import _
from kiosk.qr import qr_text
from kiosk.screens.base import CoreCallScreen
from kiosk.widgets import Button, DocumentInput

if TYPE_CHECKING:
    from kiosk.core.teller import TellerDesk

# The console's own look, on top of kiosk.tcss and the steps' stylesheet.
TELLER_CSS = Path(__file__).with_name("teller.tcss")


def plain(text: str, style: str = "") -> Text:
    """What somebody typed (a name, a contact, a product), shown as it is:
    never read as markup, control characters written out (``\\x1b``)."""
    return Text(escaped(text), style=style, end="")


def pending_state(change: PendingContactChange, own: bool) -> str:
    wanted = [
        _("celular {mobile}").format(mobile=change.new_mobile) if change.new_mobile else "",
        _("correo {email}").format(email=change.new_email) if change.new_email else "",
    ]
    text = _(
        "Cambio de contactos pendiente, solicitado por {maker} a las {asked}: {what}. "
        "Si nadie lo aprueba ni lo cancela, se aplica el {date} a las {time}."
    ).format(
        maker=change.maker_name,
        asked=local_time(change.created_at, "%H:%M"),
        what=", ".join(w for w in wanted if w),
        date=local_time(change.hold_until, "%d/%m/%Y"),
        time=local_time(change.hold_until, "%H:%M"),
    )
    if own:
        text += " " + _("Usted lo solicitó: otro asesor debe aprobarlo en su consola.")
    return text


def identity_state(card: MemberCard) -> str:
    if card.identity_checked_until is None:
        return _("sin verificar")
    return _("verificada hasta las {time}").format(
        time=local_time(card.identity_checked_until, "%H:%M")
    )


class ConsoleScreen(CoreCallScreen):
    """The console's frame: institution, the signed-in teller, «Cerrar sesión»."""

    AUTO_FOCUS = "#card Input"

    @property
    def host(self) -> TellerHost:
        return teller_host(self)

    @property
    def desk(self) -> TellerDesk:
        return self.host.desk

    def compose(self) -> ComposeResult:
        teller = self.host.teller
        with Horizontal(id="brand"):
            yield Static(_("Consola de asesor · {name}").format(name=self.desk.institution_name), id="brand-name")
            if teller is not None:
                yield Static(plain(teller.full_name), id="teller-name")
                yield Button(_("Cerrar sesión"), id="sign-out", compact=True)
        with VerticalScroll(id="body"):
            with Vertical(id="card"):
                yield Static(self.title_text(), classes="title", id="title")
                yield Static("", id="message")
                yield from self.compose_card()

    def title_text(self) -> str:
        return ""

    def compose_card(self) -> ComposeResult:
        yield from ()

    @on(Button.Pressed, "#sign-out")
    def _sign_out(self) -> None:
        self.host.sign_out()


# -- sign-in --------------------------------------------------------------------


class SignInScreen(ConsoleScreen):
    def title_text(self) -> str:
        return _("Ingreso de asesores")

    def compose_card(self) -> ComposeResult:
        username = Input(id="username", max_length=40)
        username.border_title = _("Usuario")
        yield username
        password = Input(id="password", password=True, max_length=200)
        password.border_title = _("Contraseña")
        yield password
        yield Static(_("Después le pediremos el código de su aplicación autenticadora."), classes="hint")
        with Horizontal(classes="actions"):
            yield Button(_("Ingresar"), id="sign-in", variant="primary")

    def start_over(self, message: str = "") -> None:
        """Back to an empty form: after signing out, or when the code step gives up."""
        for field in self.query(Input):
            field.value = ""
        self.query_one("#username", Input).focus()
        self.show_message(message, "info")

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted, "#password")
    def _sign_in(self) -> None:
        username = self.query_one("#username", Input).value
        password_field = self.query_one("#password", Input)
        password, password_field.value = password_field.value, ""
        if not username.strip() or not password:
            self.show_message(_("Escriba su usuario y su contraseña."))
            return
        self.call_core(lambda: self.desk.check_password(username, password), self._password_checked)

    def _password_checked(self, checked: PasswordChecked) -> None:
        if checked.enrolled:
            self.app.push_screen(CodeScreen(checked))
        else:
            self.call_core(
                lambda: self.desk.start_enrolment(checked),
                lambda enrolment: self.app.push_screen(EnrolScreen(checked, enrolment)),
            )


class CodeScreen(ConsoleScreen):
    """The second factor: the code the teller's authenticator app shows."""

    def __init__(self, checked: PasswordChecked) -> None:
        super().__init__()
        self.checked = checked

    def title_text(self) -> str:
        return _("Código de verificación")

    def compose_card(self) -> ComposeResult:
        yield Static(_("Escriba el código de 6 dígitos que muestra su aplicación autenticadora."), classes="lead")
        yield from self.compose_code()

    def compose_code(self) -> ComposeResult:
        code = Input(id="code", max_length=6, restrict=r"[0-9]*")
        code.border_title = _("Código")
        yield code
        with Horizontal(classes="actions"):
            yield Button(_("Cancelar"), id="cancel")
            yield Button(_("Verificar"), id="verify", variant="primary")

    @on(Button.Pressed, "#verify")
    @on(Input.Submitted, "#code")
    def _verify(self) -> None:
        field = self.query_one("#code", Input)
        code, field.value = field.value, ""
        self.call_core(
            lambda: self.desk.verify_authenticator(self.checked, code),
            self.host.signed_in,
            on_refusal=self._refused,
        )

    def _refused(self, refusal) -> None:
        if refusal.reason == "teller_locked":
            self.host.sign_out(refusal.message)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.host.sign_out()


class EnrolScreen(CodeScreen):
    """The first sign-in: the authenticator's secret as a QR code and as text,
    confirmed by its first code."""

    def __init__(self, checked: PasswordChecked, enrolment: Enrolment) -> None:
        super().__init__(checked)
        self.enrolment = enrolment

    def title_text(self) -> str:
        return _("Registre su aplicación autenticadora")

    def compose_card(self) -> ComposeResult:
        with Horizontal(id="enrolment"):
            yield Static(qr_text(self.enrolment.uri, border=1, small=True), id="totp-qr")
            with Vertical(id="enrolment-steps"):
                yield Static(
                    _("1. Escanee el código QR con su aplicación autenticadora, o escriba esta clave:"),
                    classes="lead",
                )
                secret = self.enrolment.secret
                grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
                yield Static(grouped, id="totp-secret")
                yield Static(_("2. Escriba el código de 6 dígitos que muestra la aplicación."), classes="lead")
                yield from self.compose_code()


# -- finding a member -----------------------------------------------------------


class SearchScreen(ConsoleScreen):
    AUTO_FOCUS = "#document"

    def title_text(self) -> str:
        return _("Buscar asociado")

    def compose_card(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield DocumentInput()
            yield Button(_("Buscar"), id="by-document", variant="primary")
        with Horizontal(classes="field-row"):
            name = Input(id="name", max_length=80)
            name.border_title = _("Nombre o apellido")
            yield name
            yield Button(_("Buscar por nombre"), id="by-name")
        with Horizontal(classes="actions"):
            yield Button(_("Cambios pendientes"), id="pending")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#results", DataTable).add_columns(_("Documento"), _("Nombre"))

    @on(Button.Pressed, "#by-document")
    @on(Input.Submitted, "#document")
    def _by_document(self) -> None:
        who = self.query_one(DocumentInput)
        kind, number = who.document_type, who.number
        self.call_core(lambda: self.desk.find_by_document(kind, number), self._show_results)

    @on(Button.Pressed, "#by-name")
    @on(Input.Submitted, "#name")
    def _by_name(self) -> None:
        fragment = self.query_one("#name", Input).value
        self.call_core(lambda: self.desk.find_by_name(fragment), self._show_results)

    def _show_results(self, rows) -> None:
        table = self.query_one("#results", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                plain(f"{row.document_type} {row.document_number}"), plain(row.full_name), key=str(row.member_id)
            )
        if rows:
            table.focus()
            self.show_message(_("Seleccione el asociado con Enter o con un clic."), "info")
        else:
            self.show_message(_("No se encontró ningún asociado con esos datos."))

    @on(Button.Pressed, "#pending")
    def _pending(self) -> None:
        """The institution's contact changes awaiting a second teller: open one to approve or cancel it."""

        def show(changes: list[PendingContactChange]) -> None:
            table = self.query_one("#results", DataTable)
            table.clear()
            for change in changes:
                table.add_row(plain(change.document), plain(change.member_name), key=str(change.member_id))
            if changes:
                table.focus()
                self.show_message(_("Abra el asociado para aprobar o cancelar su cambio de contactos."), "info")
            else:
                self.show_message(_("No hay cambios de contactos pendientes."), "info")

        self.call_core(self.desk.pending_contact_changes, show)

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(MemberScreen(int(event.row_key.value)))


# -- one member -----------------------------------------------------------------


class MemberScreen(ConsoleScreen):
    """The member's card; the identity check; the actions it opens."""

    AUTO_FOCUS = "#document"
    ACTIONS = ("contacts", "unblock", "temporary-key", "reopen")

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id
        self.pending: PendingContactChange | None = None

    def title_text(self) -> str:
        return _("Asociado")

    def compose_card(self) -> ComposeResult:
        with Horizontal(id="member-top"):
            yield Static(id="member-data")
            yield Static(id="member-products")
        with Vertical(id="pending-change", classes="panel"):
            yield Static(id="pending-state")
            with Horizontal(classes="actions"):
                yield Button(_("Cancelar el cambio"), id="cancel-change")
                yield Button(_("Aprobar el cambio"), id="approve-change", variant="primary")
        with Vertical(id="identity", classes="panel"):
            yield Static(id="identity-state")
            with Horizontal(classes="field-row", id="identity-form"):
                yield DocumentInput(number_label=_("Número del documento"))
                yield Button(_("Registrar"), id="check-identity", variant="primary")
        with Vertical(id="contacts-form", classes="panel"):
            yield Static(_("Nuevos datos de contacto (deje en blanco lo que no cambia)"), classes="panel-title")
            with Horizontal(classes="field-row"):
                mobile = Input(id="new-mobile", max_length=20)
                mobile.border_title = _("Nuevo celular")
                yield mobile
                email = Input(id="new-email", max_length=120)
                email.border_title = _("Nuevo correo electrónico")
                yield email
        with Grid(id="teller-actions"):
            yield Button(_("Actualizar contactos"), id="contacts")
            yield Button(_("Desbloquear clave"), id="unblock")
            yield Button(_("Enviar clave temporal"), id="temporary-key")
            yield Button(_("Reabrir autogestión"), id="reopen")
            yield Button(_("Volver a la búsqueda"), id="back")
        yield Static(_("Actividad reciente"), classes="field-label")
        yield DataTable(id="trail", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#trail", DataTable).add_columns(_("Fecha"), _("Quién"), _("Acción"), _("Detalle"))
        self._reload()  # the store is read in a worker, like every other call

    def _reload(self, message: str | None = None, focus: str | None = None) -> None:
        def shown(card: MemberCard) -> None:
            self._show(card)
            if message:
                self.show_message(message, "info")
            if focus:
                # After the card is laid out anew: the scroll that brings the
                # focused button into view is measured on the card as shown.
                self.call_after_refresh(self._focus_in_view, focus)

        self.call_core(lambda: self.desk.member_card(self.host.teller, self.member_id), shown)

    def focus_after_busy(self, focused: Widget | None) -> None:
        # Back where it was, without scrolling to it: the card, read anew, is
        # put in place by _show and _focus_in_view, and a focus scroll, which
        # Textual defers, would come after them and slide the card away.
        if focused is not None and focused.is_attached:
            focused.focus(scroll_visible=False)

    def _focus_in_view(self, selector: str) -> None:
        # Scrolled at once, not animated: the card reads the same the moment it is shown.
        widget = self.query_one(selector)
        widget.focus(scroll_visible=False)
        widget.scroll_visible(animate=False)

    def _show(self, card: MemberCard) -> None:
        # Back to the top, where the title and the last action's message are.
        self.query_one("#body").scroll_home(animate=False)
        self.query_one("#title", Static).update(
            plain(f"{card.full_name} · {card.document_type} {card.document_number}")
        )
        contacts = card.contacts
        keys = ", ".join(
            f"{_(KEY_KINDS[kind]) if kind in KEY_KINDS else kind}: {_(KEY_STATES[state])}" for kind, state in card.keys
        ) or _("sin clave")
        self_service = (
            _("{n} intentos fallidos").format(n=card.failed_recoveries) if card.failed_recoveries else _("abierta")
        )
        data = Text()
        for label, value in [
            (_("Entidad"), card.institution_name),
            (_("Celular"), contacts.mobile or _("no registrado")),
            (_("Correo"), contacts.email or _("no registrado")),
            (_("Claves"), keys),
            (_("Autogestión"), self_service),
            (_("Identidad"), identity_state(card)),
            *((_("Mensaje no entregado"), f"{local_time(at)} · {channel.upper()} · {reason}")
              for at, channel, reason in card.undelivered),
        ]:
            data.append(f"{label}: ", style="bold").append(escaped(value) + "\n")
        data.rstrip()
        self.query_one("#member-data", Static).update(data)
        products = Text(_("Productos"), style="bold")
        for kind, number, opened in card.products:
            products.append(escaped(f"\n{_(kind)} {number} · {opened:%Y}", keep_newlines=True))
        self.query_one("#member-products", Static).update(products)
        self._show_identity(card)
        trail = self.query_one("#trail", DataTable)
        trail.clear()
        for line in card.trail:
            trail.add_row(
                local_time(line.at), plain(line.who), plain(_(action_label(line.action))), plain(line.detail)
            )
        self._show_pending(card)

    def _show_identity(self, card: MemberCard) -> None:
        """Until the document is checked: the check form.  After: the actions."""
        checked = card.identity_checked_until is not None
        if card.own_record:
            state = _("Este es su propio registro: otro asesor debe atender al asociado.")
        else:
            state = _("Pida el documento original al asociado para habilitar las acciones.")
        self.query_one("#identity-state", Static).update(state)
        self.query_one("#identity").display = not checked
        self.query_one("#identity-form").display = not card.own_record
        self.query_one("#contacts-form").display = checked
        for action in self.ACTIONS:
            self.query_one(f"#{action}", Button).disabled = not checked

    def _show_pending(self, card: MemberCard) -> None:
        """A pending contact change: the checker approves it, anyone may cancel it."""
        change = card.pending_change
        self.pending = change
        self.query_one("#pending-change").display = change is not None
        if change is None:
            return
        own = self.host.teller is not None and change.maker_teller_id == self.host.teller.teller_id
        self.query_one("#pending-state", Static).update(plain(pending_state(change, own)))
        self.query_one("#approve-change", Button).disabled = own or card.own_record

    @on(Button.Pressed, "#approve-change")
    def _approve_change(self) -> None:
        if self.pending is not None:
            change_id = self.pending.change_id
            self.call_core(lambda: self.desk.approve_contact_change(self.host.teller, change_id), self._reload)

    @on(Button.Pressed, "#cancel-change")
    def _cancel_change(self) -> None:
        if self.pending is not None:
            change_id = self.pending.change_id
            self.call_core(lambda: self.desk.cancel_contact_change(self.host.teller, change_id), self._reload)

    @on(Button.Pressed, "#check-identity")
    @on(Input.Submitted, "#document")
    def _check_identity(self) -> None:
        who = self.query_one(DocumentInput)
        kind, number = who.document_type, who.number
        self.call_core(
            lambda: self.desk.record_identity_check(self.host.teller, self.member_id, kind, number),
            lambda _until: self._reload(_("Identidad verificada."), focus="#new-mobile"),
        )

    def _act(self, work, button: str) -> None:
        # The focus stays on the action pressed (the card is shown anew around it).
        self.call_core(lambda: work(self.host.teller, self.member_id), lambda done: self._reload(done, focus=button))

    @on(Button.Pressed, "#contacts")
    def _update_contacts(self) -> None:
        mobile = self.query_one("#new-mobile", Input).value
        email = self.query_one("#new-email", Input).value

        def done(message: str) -> None:
            for field in ("#new-mobile", "#new-email"):
                self.query_one(field, Input).value = ""
            self._reload(message, focus="#cancel-change")  # the request just filed, near the top

        self.call_core(
            lambda: self.desk.update_contacts(self.host.teller, self.member_id, mobile, email), done
        )

    @on(Button.Pressed, "#unblock")
    def _unblock(self) -> None:
        self._act(self.desk.unblock_key, "#unblock")

    @on(Button.Pressed, "#temporary-key")
    def _temporary_key(self) -> None:
        self._act(self.desk.issue_temporary_key, "#temporary-key")

    @on(Button.Pressed, "#reopen")
    def _reopen(self) -> None:
        self._act(self.desk.reopen_self_service, "#reopen")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

