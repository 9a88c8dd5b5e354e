"""``kiosk bench`` machinery on tiny sizes, so CI notices when it breaks.
No timing is asserted here: the figures are the benchmark's to print."""

from __future__ import annotations

import pytest

from kiosk.bench import flow, kiosks, scale, startup
from kiosk.bench.report import Figure, Report
from kiosk.cli import main

pytestmark = pytest.mark.long


@pytest.mark.both_stores
def test_many_kiosks_recover_without_errors(store_url):
    figure, errors = kiosks.measure(store_url, processes=2, seconds=1.0, label="store", per_process=40)
    assert errors == []
    assert figure.within and figure.measured.endswith("recoveries/s")
    assert not figure.comparison.startswith("0 recoveries")


def test_many_kiosks_at_another_bcrypt_cost_say_so(tmp_path):
    figure, errors = kiosks.measure(f"sqlite:///{tmp_path}/k.db", processes=2, seconds=1.0, label="SQLite",
                                    cost=5, per_process=20)
    assert errors == []
    assert figure.name == "2 kiosks on SQLite, bcrypt cost 5" and figure.comparison.endswith("bcrypt cost 5")


def test_store_scale_on_a_tiny_store(tmp_path):
    figures = scale.measure(f"sqlite:///{tmp_path}/small.db", f"sqlite:///{tmp_path}/big.db",
                            big_members=3000, rows=3000, ops=5, label="SQLite", small_members=1000)
    names = [f.name for f in figures]
    assert any(name.startswith("seed 3,000 members") for name in names)
    assert {"find a member (SQLite)", "issue a code (SQLite)", "check a code (SQLite)"} <= set(names)


def test_a_whole_recovery_and_start_up_are_measured(tmp_path):
    stall, _busy, p95, first_frame, _p50, driven = flow.measure(tmp_path, runs=1, bcrypt_cost=4)
    assert "stall" in stall.name and "transition" in p95.name and "first frame" in first_frame.name
    assert float(first_frame.measured.split()[0]) <= float(p95.measured.split()[0])  # shown before it is ready
    assert driven.comparison.startswith("11 transitions")  # every screen change of the recovery was timed
    (tmp_path / "startup").mkdir()
    figures = startup.measure(1, tmp_path / "startup", bcrypt_cost=4)
    assert [f.within is None for f in figures] == [False, False, True, False]
    first_start = figures[-1]
    assert first_start.name.startswith("first start on a new store") and first_start.budget == "2 s"
    assert "an existing store: " in first_start.comparison


def test_every_press_a_member_waits_on_is_timed_with_and_without_parallel_checks(tmp_path):
    from kiosk.bench import presses

    wait, slowest = presses.measure(tmp_path, bcrypt_cost=4, institutions=["cootrasena"])
    assert wait.name == "member press wait p95, bcrypt cost 4" and wait.budget == "1 s"
    assert wait.comparison.startswith("checks one at a time: ")
    presses_timed = int(wait.comparison.split("; ")[1].split()[0])
    assert presses_timed >= 5  # document, password, link, code, new password... each a core call
    assert slowest.comparison.startswith("cootrasena ")  # where the slowest press was


def test_real_delivery_is_measured_against_sending_straight(tmp_path):
    from kiosk.bench import relay

    latency, status, gateway, smtp = relay.measure(tmp_path, count=20, presses=5)
    assert "sms: 25 sent, 0 queued, 0 retried, 0 dead" in status.comparison  # 20 drained, 5 while running
    assert "email: 20 sent, 0 queued, 0 retried, 0 dead" in status.comparison
    assert latency.name == "code press to the gateway, one relay" and latency.measured.startswith("p95 ")
    assert gateway.name == "one relay to a local JSON gateway" and smtp.name == "one relay to a local SMTP server"
    for figure, channel in ((gateway, "sms"), (smtp, "email")):
        assert figure.budget == "200 msg/s" and figure.measured.endswith(" msg/s")
        assert figure.comparison.startswith("sent straight from the request: ") and f"20 {channel} codes" in figure.comparison


def test_a_missed_budget_is_printed_not_failed():
    report = Report()
    report.figures.append(Figure("start-up", "2 s", "1.3x", "2.0x bare app", False))
    assert "OVER BUDGET" in report.table()


def test_bench_is_a_command():
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--help"])
    assert exit_.value.code == 0
