"""The supervisor view: a period (last 7 or 30 days), a branch and (for an
operator) an institution, then one tab per subject, drawn as charts where a
picture reads better than a table (textual-plotext).  The figures are read
in a thread (kiosk.core.supervisor decides what the signed-in teller may see)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from kiosk.core.audit import action_label
from kiosk.core.supervisor import PERIODS
from kiosk.host import SupervisorHost, supervisor_host
from kiosk.i18n import N_, _
from kiosk.screens.teller import ConsoleScreen, plain
from kiosk.textual_adapter import steady_select_class
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.supervisor import Board, SupervisorDesk

SUPERVISOR_CSS = Path(__file__).with_name("supervisor.tcss")
ALL = "*"  # the selectors' «all» choice
TOP_KIOSKS = 10

# The outbox's delivery states (kiosk.core.outbox), as a supervisor reads them.
DELIVERY_STATES = {
    "simulated": N_("simulado (sin relé)"), "queued": N_("en cola"), "sending": N_("enviándose"),
    "sent": N_("entregado"), "dead": N_("no entregado"),
}


class DayPlot(PlotextPlot):
    """A chart over the period's days: as many day labels as its width holds
    without two touching (plotext would drop the ones that overlap, which
    ones depending on the sizes it was drawn at before)."""

    days: list[str] = []

    def render(self):
        if self.days:
            fits = max(2, (self.size.width - 10) // 9)  # a label is 5 wide, with room between
            step = max(1, -(-len(self.days) // fits))
            ticks = list(range(0, len(self.days), step))
            self.plt.xticks(ticks, [short_day(self.days[i]) for i in ticks])
        return super().render()


def short_day(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}"  # YYYY-MM-DD → DD/MM


def refusal_label(reason: str) -> str:
    return reason.replace("_", " ")


class SupervisorScreen(ConsoleScreen):
    BUSY = "#board"
    AUTO_FOCUS = "#period"

    def __init__(self) -> None:
        super().__init__()
        self.days = PERIODS[0]
        self.branch: str | None = None
        self.institution: str | None = None
        # The selectors speak once their choices are read (a Select announces its first value on mounting).
        self.choices_shown = False

    @property
    def host(self) -> SupervisorHost:
        return supervisor_host(self)

    @property
    def supervision(self) -> SupervisorDesk:
        return self.host.supervision

    def compose(self) -> ComposeResult:
        teller = self.host.teller
        with Horizontal(id="brand"):
            yield Static(_("Supervisión · {name}").format(name=self.desk.institution_name), id="brand-name")
            if teller is not None:
                yield Static(plain(teller.full_name), id="teller-name")
                yield Button(_("Cerrar sesión"), id="sign-out", compact=True)
        with Vertical(id="board"):
            with Horizontal(id="filters"):
                periods = [(_("Últimos {n} días").format(n=n), n) for n in PERIODS]
                yield steady_select_class()(periods, value=self.days, allow_blank=False, id="period", compact=True)
                yield steady_select_class()([(_("Todas las sucursales"), ALL)], value=ALL, allow_blank=False, id="branch",
                             compact=True)
                yield steady_select_class()([(_("Todas las entidades"), ALL)], value=ALL, allow_blank=False, id="institution",
                             compact=True)
            yield Static("", id="message")
            with TabbedContent(id="tabs"):
                with TabPane(_("Visitas"), id="visits"):
                    yield DayPlot(id="visits-chart")
                    yield DataTable(id="visits-table", cursor_type="none", zebra_stripes=True)
                with TabPane(_("Embudo"), id="funnel"):
                    yield PlotextPlot(id="funnel-chart")
                    yield DataTable(id="funnel-table", cursor_type="none", zebra_stripes=True)
                with TabPane(_("Tiempos"), id="times"):
                    yield PlotextPlot(id="times-chart")
                    yield DataTable(id="times-table", cursor_type="none", zebra_stripes=True)
                with TabPane(_("Mensajes y bloqueos"), id="messages"):
                    yield DayPlot(id="messages-chart")
                    yield DataTable(id="delivery-table", cursor_type="none", zebra_stripes=True)
                    yield DataTable(id="actions-table", cursor_type="none", zebra_stripes=True)
                with TabPane(_("Señales de ataque"), id="attack"):
                    with Horizontal(classes="charts"):
                        yield DayPlot(id="unknown-chart")
                        yield DayPlot(id="questions-chart")
                    yield DataTable(id="kiosk-documents-table", cursor_type="none", zebra_stripes=True)
                with TabPane(_("Quioscos"), id="kiosks"):
                    yield DataTable(id="kiosks-table", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        self.call_core(self._choices, self._show_choices)
        self.screen_layout_refresh_signal.subscribe(self, self._underline_active_tab)

    def _underline_active_tab(self, _screen) -> None:
        """An underline left at width 0 is put under the active tab at the next
        layout.  Textual 8.2.8 places it after the refresh that follows a
        change, and again only when the whole tab bar is resized; on a busy
        machine the tabs can get their widths later, and the underline stayed
        at width 0 under «Visitas».  One that slides to a chosen tab is left
        to slide."""
        active = self.query("#tabs Tab.-active")
        if not active:  # none chosen yet: the tab bar underlines it when one is
            return
        tab, underline = active.first(), self.query_one("#tabs Underline")
        start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
        left_empty = underline.highlight_end <= underline.highlight_start
        if end > start and left_empty and not self.app.animator.is_being_animated(underline, "highlight_end"):
            underline.highlight_start, underline.highlight_end = start, end

    # -- reading ------------------------------------------------------------

    def _choices(self) -> tuple[list[str], list[str]]:
        viewer = self.host.teller
        return self.supervision.branches(viewer), self.supervision.institutions(viewer)

    def _show_choices(self, choices: tuple[list[str], list[str]]) -> None:
        branches, institutions = choices
        with self.prevent(Select.Changed):
            self.query_one("#branch", Select).set_options(
                [(_("Todas las sucursales"), ALL), *((plain(b), b) for b in branches)])
            institution = self.query_one("#institution", Select)
            if len(institutions) > 1:
                institution.set_options([(_("Todas las entidades"), ALL), *((plain(i), i) for i in institutions)])
            else:
                institution.set_options([(plain(i), i) for i in institutions])
                institution.disabled = True
        self.choices_shown = True
        self.reload()

    def reload(self) -> None:
        viewer, days, branch, institution = self.host.teller, self.days, self.branch, self.institution
        self.call_core(lambda: self.supervision.board(viewer, days, branch, institution), self.show_board)

    @on(Select.Changed)
    def _filter(self, event: Select.Changed) -> None:
        if not self.choices_shown:
            return
        value = event.value
        if event.select.id == "period":
            self.days = int(value)
        elif event.select.id == "branch":
            self.branch = None if value == ALL else str(value)
        elif event.select.id == "institution":
            self.institution = None if value in (ALL, Select.BLANK) else str(value)
        self.reload()

    # -- drawing ------------------------------------------------------------

    def show_board(self, board: Board) -> None:
        figures = board.figures
        self._show_visits(board)
        self._show_funnel(board, figures["funnel"])
        self._show_times(board, figures["step_times"])
        self._show_messages(board)
        self._show_attack(board)
        self._fill(self.query_one("#kiosks-table", DataTable),
                   [_("Quiosco"), _("Entidad"), _("Sucursal"), _("Versión"), _("Último latido"), _("Errores")],
                   [(r["kiosk"], r["institution"], r["branch"], r["version"], r["last_seen"][:16].replace("T", " "),
                     r["errors"]) for r in figures["kiosks"]])

    def _days(self, board: Board) -> list[str]:
        return [row["day"] for row in board.unknown_share]  # every day of the period

    def _chart(self, selector: str, title: str) -> Any:
        chart = self.query_one(selector, PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        plt.title(title)
        return chart, plt

    def _show_visits(self, board: Board) -> None:
        days = self._days(board)
        index = {day: i for i, day in enumerate(days)}
        series = {key: [0] * len(days) for key in ("started", "completed", "abandoned")}
        per_institution: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in board.figures["daily_visits"]:
            for key in ("started", "completed", "abandoned", "office"):
                if key in series:
                    series[key][index[row["day"]]] += row[key]
                per_institution[row["institution"]][key] += row[key]
        chart, plt = self._chart("#visits-chart", _("Recuperaciones por día"))
        x = list(range(len(days)))
        for key, label, color in (("started", _("iniciadas"), "blue"), ("completed", _("completadas"), "green"),
                                  ("abandoned", _("abandonadas"), "red")):
            plt.plot(x, series[key], label=label, color=color, marker="braille")
        chart.days = days
        chart.refresh()
        self._fill(self.query_one("#visits-table", DataTable),
                   [_("Entidad"), _("Iniciadas"), _("Completadas"), _("Abandonadas"), _("A oficina")],
                   [(name, t["started"], t["completed"], t["abandoned"], t["office"])
                    for name, t in sorted(per_institution.items())])

    def _one_institution(self, board: Board) -> bool:
        return board.scope.institution is not None

    def _show_funnel(self, board: Board, rows: list[dict[str, Any]]) -> None:
        chart, plt = self._chart("#funnel-chart", _("Embudo: llegaron y siguieron, por paso"))
        if self._one_institution(board) and rows:
            steps = sorted(rows, key=lambda r: -r["reached"])
            labels = [r["step_id"] for r in steps]
            plt.multiple_bar(labels, [[r["reached"] for r in steps], [r["went_on"] for r in steps]],
                             labels=[_("llegaron"), _("siguieron")], color=["blue", "green"])
        else:
            plt.title(_("Elija una entidad para ver su embudo"))
        chart.refresh()
        table_rows = []
        for r in rows:
            reasons = ", ".join(f"{refusal_label(k)} {v}" for k, v in
                                sorted(r["left_after_refusal"].items(), key=lambda kv: -kv[1])[:3])
            table_rows.append((r["institution"], r["step_id"], r["reached"], r["went_on"], r["exited"], r["idle"],
                               r["office"], r["completed"], reasons))
        self._fill(self.query_one("#funnel-table", DataTable),
                   [_("Entidad"), _("Paso"), _("Llegaron"), _("Siguieron"), _("Salida"), _("Inactividad"),
                    _("A oficina"), _("Completaron"), _("Tras el rechazo")],
                   table_rows)

    def _show_times(self, board: Board, rows: list[dict[str, Any]]) -> None:
        chart, plt = self._chart("#times-chart", _("Segundos por paso: mediana y p90"))
        if self._one_institution(board) and rows:
            plt.multiple_bar([r["step_id"] for r in rows],
                             [[r["median_seconds"] or 0 for r in rows], [r["p90_seconds"] or 0 for r in rows]],
                             labels=[_("mediana"), _("p90")], color=["cyan", "orange"])
        else:
            plt.title(_("Elija una entidad para ver sus tiempos"))
        chart.refresh()
        self._fill(self.query_one("#times-table", DataTable),
                   [_("Entidad"), _("Paso"), _("Veces"), _("Mediana (s)"), _("p90 (s)")],
                   [(r["institution"], r["step_id"], r["shown"], r["median_seconds"], r["p90_seconds"])
                    for r in rows])

    def _show_messages(self, board: Board) -> None:
        days = self._days(board)
        index = {day: i for i, day in enumerate(days)}
        channels: dict[str, list[int]] = {}
        for row in board.figures["messages_per_channel"]:
            channels.setdefault(row["channel"], [0] * len(days))[index[row["day"]]] += row["count"]
        chart, plt = self._chart("#messages-chart", _("Códigos y enlaces enviados por canal"))
        x = list(range(len(days)))
        for channel, counts in sorted(channels.items()):
            plt.plot(x, counts, label=channel.upper(), marker="braille")
        chart.days = days
        chart.refresh()
        # Real delivery (kiosk relay): what became of the period's messages, and why the undelivered were not.
        self._fill(self.query_one("#delivery-table", DataTable), [_("Canal"), _("Entrega"), _("Motivo"), _("Mensajes")],
                   [(row["channel"].upper(), _(DELIVERY_STATES.get(row["state"], row["state"])), row["reason"],
                     row["count"]) for row in board.figures["message_delivery"]])
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for row in board.figures["audit_actions"]:
            what = _(action_label(row["action"]))
            if row["channel"]:
                what = f"{what} ({row['purpose']}, {row['channel']})"
            who = _("asesor") if row["actor"].startswith("teller") else row["actor"]
            totals[(what, who)] += row["count"]
        self._fill(self.query_one("#actions-table", DataTable), [_("Acción"), _("Quién"), _("Veces")],
                   [(what, who, count) for (what, who), count in
                    sorted(totals.items(), key=lambda item: (-item[1], item[0]))])

    def _show_attack(self, board: Board) -> None:
        days = self._days(board)
        x = list(range(len(days)))
        chart, plt = self._chart("#unknown-chart", _("Documentos desconocidos (%)"))
        plt.plot(x, [round(100 * r["share"], 1) for r in board.unknown_share], color="red", marker="braille")
        chart.days = days
        chart.refresh()
        index = {day: i for i, day in enumerate(days)}
        failed = [0] * len(days)
        for row in board.figures["failed_question_sets"]:
            failed[index[row["day"]]] += row["count"]
        chart, plt = self._chart("#questions-chart", _("Preguntas falladas por día"))
        if any(failed):
            plt.bar(x, failed, color="orange", width=0.5)
        else:
            plt.title(_("Sin preguntas falladas en el periodo"))
        chart.days = days
        chart.refresh()
        self._fill(self.query_one("#kiosk-documents-table", DataTable),
                   [_("Quiosco"), _("Documentos"), _("Hora pico"), _("En esa hora")],
                   [(r["kiosk"], r["documents"], r["busiest_hour"].replace("T", " "), r["busiest_hour_documents"])
                    for r in board.figures["documents_per_kiosk"][:TOP_KIOSKS]])

    @staticmethod
    def _fill(table: DataTable, columns: list[str], rows: list[tuple]) -> None:
        table.clear(columns=True)
        table.add_columns(*columns)
        for row in rows:
            table.add_row(*(plain(str(value)) if isinstance(value, str) else value for value in row))
