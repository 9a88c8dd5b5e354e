"""The supervisor role and the supervisor view (issue 22 points 2 and 3): a
teller made supervisor or operator (audited), who sees what (a plain teller
nothing, a supervisor their institution, an operator every one), and the
view itself over a seeded demo history: each tab drawn, two of them
snapshotted at 80x24 and 160x48."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select
from textual.widgets import DataTable, TabbedContent
from textual_plotext import PlotextPlot

from kiosk import cli
from kiosk.core.clock import Clock
from kiosk.core.errors import Refusal
from kiosk.core.supervisor import SupervisorDesk, scope_for
from kiosk.core.teller_accounts import OPERATOR, SUPERVISOR, TELLER, TellerSession
from kiosk.demo_history import DEMO_BRANCHES, seed_history
from kiosk.screens.supervisor import SupervisorScreen
from kiosk.screens.teller import SignInScreen
from kiosk.store.models import AuditEvent, Member, OutboxMessage, Teller
from kiosk.supervisor_app import SupervisorApp
from tests.conftest import TEST_PEPPER
from tests.functional.test_snapshots import freeze
from tests.functional.test_teller_console import sign_in
from tests.helpers import TELLER_PASSWORD, message_text, settle, signed_in_teller, wait_until

HISTORY_VISITS = 600  # enough for every figure to have rows, seeded in well under a second
TABS = ("visits", "funnel", "times", "messages", "attack", "kiosks")


def add_with_role(desk, role: str, username: str = "ana.gomez", document: str = "52000111") -> int:
    return desk.add_teller(username, "Ana Gómez", "CC", document, TELLER_PASSWORD, TELLER_PASSWORD, role)


@pytest.fixture
def history(engine, clock):
    seed_history(engine, clock, visits=HISTORY_VISITS)


DEAD_REASON = "[b]pasarela[/b]: HTTP 400"  # as a gateway answered: shown as written, never as markup


@pytest.fixture
def deliveries(engine, clock, service_for):
    """Two of a Cooperen member's messages relayed today: one delivered, one dead with its reason."""
    from kiosk.core import outbox
    from kiosk.core.sealing import Sealer

    service_for("cooperen")  # the demo members
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.institution == "cooperen")).first()
        for body in ("entregado", "no entregado"):
            outbox.queue(session, Sealer(TEST_PEPPER), clock.now(), member, "email", body,
                         relayed={("cooperen", "email")})
        session.flush()
        sent, dead = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-2:]
        sent.state, dead.state, dead.last_error = "sent", "dead", DEAD_REASON
        session.commit()


@pytest.fixture
def make_supervisor_app(desk_for, engine, clock, history, deliveries):
    def make(role: str = SUPERVISOR, institution: str = "progressa") -> SupervisorApp:
        desk = desk_for(institution)
        add_with_role(desk, role)
        return SupervisorApp(desk, SupervisorDesk(engine, clock), idle_timeout=600.0)

    return make


def drawn_marks(chart: PlotextPlot) -> int:
    """The points and bars a chart drew (braille dots, blocks), axes and labels aside."""
    text = chart.plt.build()
    return sum(1 for c in text if 0x2801 <= ord(c) <= 0x28FF or c in "█▇▆▅▄▃▂▁▌▐")


def session(role: str, institution: str = "progressa") -> TellerSession:
    return TellerSession(7, "ana.gomez", "Ana Gómez", role, institution)


# -- the role ---------------------------------------------------------------------


def test_a_role_is_stored_and_audited(desk_for, engine):
    desk = desk_for("progressa")
    add_with_role(desk, SUPERVISOR)
    add_with_role(desk, TELLER, "luis.mora", "52000222")
    with Session(engine) as s:
        roles = {t.username: t.role for t in s.exec(select(Teller))}
        granted = [e.detail for e in s.exec(select(AuditEvent).where(AuditEvent.action == "teller_role_granted"))]
    assert roles == {"ana.gomez": SUPERVISOR, "luis.mora": TELLER}
    assert granted == ["ana.gomez: supervisor"]


def test_an_unknown_role_is_refused(desk_for, engine):
    with pytest.raises(Refusal) as refused:
        add_with_role(desk_for("progressa"), "admin")
    assert refused.value.reason == "role"
    with Session(engine) as s:
        assert s.exec(select(Teller)).first() is None


def test_the_signed_in_session_carries_role_and_institution(desk_for, clock):
    desk = desk_for("coasmedas")
    add_with_role(desk, OPERATOR)
    signed = signed_in_teller(desk, clock)
    assert (signed.role, signed.institution) == (OPERATOR, "coasmedas")


def test_a_teller_sees_nothing():
    with pytest.raises(Refusal) as refused:
        scope_for(session(TELLER), date(2026, 11, 1), date(2026, 11, 7))
    assert refused.value.reason == "not_a_supervisor"


def test_a_supervisor_sees_only_their_institution():
    start, end = date(2026, 11, 1), date(2026, 11, 7)
    assert scope_for(session(SUPERVISOR), start, end).institution == "progressa"
    assert scope_for(session(SUPERVISOR), start, end, "norte", "progressa").institution == "progressa"
    with pytest.raises(Refusal) as refused:
        scope_for(session(SUPERVISOR), start, end, institution="coasmedas")
    assert refused.value.reason == "other_institution"


def test_an_operator_sees_every_institution_or_one():
    start, end = date(2026, 11, 1), date(2026, 11, 7)
    assert scope_for(session(OPERATOR), start, end).institution is None
    assert scope_for(session(OPERATOR), start, end, institution="coasmedas").institution == "coasmedas"


def test_the_boards_hold_only_what_the_role_may_see(engine, clock, history):
    desk = SupervisorDesk(engine, clock)
    supervisor = desk.board(session(SUPERVISOR), 30)
    operator = desk.board(session(OPERATOR), 30)
    seen = lambda board, figure: {row["institution"] for row in board.figures[figure]}  # noqa: E731
    for figure in ("daily_visits", "funnel", "step_times", "audit_actions", "kiosks", "documents_per_kiosk"):
        assert seen(supervisor, figure) == {"progressa"}, figure
    messages = lambda board: sum(row["count"] for row in board.figures["messages_per_channel"])  # noqa: E731
    assert 0 < messages(supervisor) < messages(operator)
    assert len(seen(operator, "daily_visits")) == 5
    assert desk.institutions(session(SUPERVISOR)) == ["progressa"]
    assert len(desk.institutions(session(OPERATOR))) == 5
    assert desk.branches(session(SUPERVISOR)) == sorted(DEMO_BRANCHES)
    with pytest.raises(Refusal):
        desk.board(session(TELLER), 30)
    with pytest.raises(Refusal):
        desk.branches(session(TELLER))
    with pytest.raises(Refusal):
        desk.board(session(SUPERVISOR), 30, institution="coasmedas")


def test_a_branch_narrows_the_board(engine, clock, history):
    desk = SupervisorDesk(engine, clock)
    every = desk.board(session(OPERATOR), 30)
    north = desk.board(session(OPERATOR), 30, branch="norte")
    started = lambda board: sum(row["started"] for row in board.figures["daily_visits"])  # noqa: E731
    assert 0 < started(north) < started(every)
    assert {row["branch"] for row in north.figures["kiosks"]} == {"norte"}


def test_the_unknown_document_share_is_a_share(engine, clock, history):
    board = SupervisorDesk(engine, clock).board(session(OPERATOR), 7)
    assert len(board.unknown_share) == 7
    assert any(day["unknown"] for day in board.unknown_share)
    for day in board.unknown_share:
        assert 0.0 <= day["share"] <= 1.0
        if day["documents"]:
            assert day["share"] == pytest.approx(min(day["unknown"] / day["documents"], 1.0))


# -- the view ---------------------------------------------------------------------


async def test_a_plain_teller_is_refused_the_view(make_supervisor_app, clock, engine):
    app = make_supervisor_app(TELLER)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, clock)
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.teller is None
        assert "no tiene acceso a la vista de supervisión" in message_text(pilot)
    with Session(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.actor.like("teller:%")))]
    assert actions[-1] == "teller_signed_out"


async def test_a_supervisor_sees_each_tab_drawn(make_supervisor_app, clock):
    app = make_supervisor_app(SUPERVISOR, "cooperen")  # (its flow has questions: every chart has points)
    async with app.run_test(size=(160, 48)) as pilot:
        await sign_in(pilot, clock)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen)
        for tab in TABS:
            screen.query_one("#tabs", TabbedContent).active = tab
            await settle(pilot)
            pane = screen.query_one(f"#{tab}")
            for table in pane.query(DataTable):
                assert table.row_count > 0, (tab, table.id)
            for chart in pane.query(PlotextPlot):
                assert chart.size.height > 0 and chart.size.width > 0, (tab, chart.id)
                assert drawn_marks(chart), (tab, chart.id)
        visits = screen.query_one("#visits-table", DataTable)
        assert {str(visits.get_row_at(i)[0]) for i in range(visits.row_count)} == {"cooperen"}
        delivery = screen.query_one("#delivery-table", DataTable)
        rows = [[str(cell) for cell in delivery.get_row_at(i)] for i in range(delivery.row_count)]
        assert rows == [["EMAIL", "no entregado", DEAD_REASON, "1"], ["EMAIL", "entregado", "", "1"]]


async def test_an_operator_chooses_the_institution_and_branch(make_supervisor_app, clock):
    app = make_supervisor_app(OPERATOR)
    async with app.run_test(size=(160, 48)) as pilot:
        await sign_in(pilot, clock)
        await settle(pilot)
        screen = app.screen
        visits = screen.query_one("#visits-table", DataTable)
        assert visits.row_count == 5  # every institution
        screen.query_one("#institution").value = "coasmedas"
        await settle(pilot)
        assert [str(visits.get_row_at(i)[0]) for i in range(visits.row_count)] == ["coasmedas"]
        screen.query_one("#branch").value = "sur"
        await settle(pilot)
        kiosks = screen.query_one("#kiosks-table", DataTable)
        assert {str(kiosks.get_row_at(i)[2]) for i in range(kiosks.row_count)} == {"sur"}


def underlines_the_active_tab(screen) -> bool:
    tab = screen.query_one("#tabs Tab.-active")
    underline = screen.query_one("#tabs Underline")
    start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
    return end > start and (underline.highlight_start, underline.highlight_end) == (start, end)


async def test_an_underline_left_empty_is_put_under_the_active_tab(make_supervisor_app, clock):
    """On a busy machine the tabs may get their widths only after Textual
    placed the underline, which then stayed at width 0 under «Visitas» (seen
    in the snapshot tests, under load): the next layout puts it back."""
    app = make_supervisor_app(SUPERVISOR, "cooperen")
    async with app.run_test(size=(160, 48)) as pilot:
        await sign_in(pilot, clock)
        await settle(pilot)
        await wait_until(pilot, lambda: underlines_the_active_tab(app.screen), "the active tab underlined")
        underline = app.screen.query_one("#tabs Underline")
        underline.highlight_start = underline.highlight_end = 1  # where Textual left it
        app.screen.refresh(layout=True)
        await wait_until(pilot, lambda: underlines_the_active_tab(app.screen), "the underline put back")
        app.screen.query_one("#tabs", TabbedContent).active = "attack"  # and it still follows a chosen tab
        await wait_until(pilot, lambda: underlines_the_active_tab(app.screen), "the underline under «Señales de ataque»")


def snapshot_of(tab: str, make_supervisor_app, clock):
    app = make_supervisor_app(SUPERVISOR, "cooperen")

    async def run_before(pilot):
        await pilot.pause()
        await sign_in(pilot, clock)
        await settle(pilot)
        pilot.app.screen.query_one("#tabs", TabbedContent).active = tab
        await settle(pilot)
        # The active tab's underline is put (or slides) under it after a refresh,
        # once the tab has its place; a loaded machine takes a while to get there.
        await wait_until(pilot, lambda: underlines_the_active_tab(pilot.app.screen), "the active tab underlined")
        await freeze(pilot)

    return app, run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("tab", ["visits", "attack"])
def test_snapshot(snap_compare, make_supervisor_app, clock, tab, size):
    app, run_before = snapshot_of(tab, make_supervisor_app, clock)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


# -- the commands -----------------------------------------------------------------


@pytest.fixture
def run(engine, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setenv("KIOSK_BCRYPT_COST", "4")

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(["--database-url", str(engine.url), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_teller_add_takes_a_role(run, engine):
    add = ("teller", "add", "--name", "Ana Gómez", "--password-stdin")
    assert run(*add, "ana.gomez", "--document", "CC:52000111", "--supervisor", stdin=TELLER_PASSWORD + "\n")[0] == 0
    assert run(*add, "luis.mora", "--document", "CC:52000222", "--operator", stdin=TELLER_PASSWORD + "\n")[0] == 0
    assert run(*add, "eva.paz", "--document", "CC:52000333", stdin=TELLER_PASSWORD + "\n")[0] == 0
    with pytest.raises(SystemExit):  # one role only
        run(*add, "ivan.rey", "--document", "CC:52000444", "--supervisor", "--operator", stdin=TELLER_PASSWORD + "\n")
    with Session(engine) as s:
        assert {t.username: t.role for t in s.exec(select(Teller))} == {
            "ana.gomez": SUPERVISOR, "luis.mora": OPERATOR, "eva.paz": TELLER}
        granted = {e.detail: e.actor for e in s.exec(select(AuditEvent).where(AuditEvent.action == "teller_role_granted"))}
    assert set(granted) == {"ana.gomez: supervisor", "luis.mora: operator"}
    assert all(actor.startswith("admin") for actor in granted.values()), granted


def test_reset_demo_history_seeds_the_view_and_keeps_the_audit_chain(run, engine, clock):
    code, out, _err = run("reset-demo", "--history")
    assert code == 0 and "demo history: 3000 visits" in out
    board = SupervisorDesk(engine, Clock()).board(session(OPERATOR), 30)
    assert board.scope.end == datetime.now(UTC).date()
    assert sum(r["started"] for r in board.figures["daily_visits"]) > 2000  # 28 of the 30 days hold visits
    assert {r["branch"] for r in board.figures["kiosks"]} == set(DEMO_BRANCHES)
    code, out, _err = run("audit", "verify")  # no seeded row outside the chain
    assert code == 0, out
    with Session(engine) as s:
        assert s.exec(select(OutboxMessage)).first() is None  # messages counted, none made up
