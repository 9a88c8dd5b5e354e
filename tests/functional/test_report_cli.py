"""`kiosk report --from … --to … --format csv|json`: the supervisor's figures
for a spreadsheet, the same as kiosk.core.supervision gives."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from kiosk import cli
from kiosk.core import supervision
from kiosk.core.supervision import Scope
from kiosk.core.visits import VisitRecorder, write_heartbeat, write_step
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY
from tests.functional.test_supervision import generated_history

PERIOD = ["--from", "2026-11-01", "--to", "2026-11-30"]


@pytest.fixture
def history(service_for, engine, monkeypatch):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    for item in generated_history():
        write_step(engine, item)
    write_heartbeat(engine, VisitRecorder(engine, "k1", "norte", "1.2.3", institution="progressa"))
    progressa = service_for("progressa")  # the frozen clock: 2026-11-21
    progressa.send_temporary_key(progressa.identify(ORDINARY), "sms", 6, timedelta(minutes=10))
    return engine


def run_report(engine, capsys, *args: str) -> str:
    assert cli.main(["--database-url", str(engine.url), "report", *PERIOD, *args]) == 0
    return capsys.readouterr().out


def test_csv_has_every_figure_as_the_functions_give_it(history, capsys):
    rows = list(csv.DictReader(io.StringIO(run_report(history, capsys, "--format", "csv"))))
    figures = supervision.all_figures(history, Scope(date(2026, 11, 1), date(2026, 11, 30)))
    assert {row["figure"] for row in rows} == set(supervision.FIGURES)

    daily = [row for row in rows if row["figure"] == "daily_visits"]
    assert [(row["day"], int(row["started"]), int(row["completed"]), int(row["abandoned"])) for row in daily] == [
        (row["day"], row["started"], row["completed"], row["abandoned"]) for row in figures["daily_visits"]]
    assert sum(int(row["started"]) for row in daily) == 150

    funnel = {row["step_id"]: row for row in rows if row["figure"] == "funnel"}
    expected = {row["step_id"]: row for row in figures["funnel"]}
    assert funnel.keys() == expected.keys()
    for step_id, row in funnel.items():
        assert int(row["reached"]) == expected[step_id]["reached"]
        for reason, count in expected[step_id]["left_after_refusal"].items():
            assert int(row[f"left_after_refusal_{reason}"]) == count
    assert any(row.get("left_after_refusal_wrong_key") for row in funnel.values())

    times = [row for row in rows if row["figure"] == "step_times"]
    assert [float(row["median_seconds"]) for row in times] == [row["median_seconds"] for row in figures["step_times"]]
    sent = [row for row in rows if row["figure"] == "audit_actions" and row["action"] == "code_sent"]
    assert [(row["channel"], row["count"]) for row in sent] == [("sms", "1")]
    assert [row["channel"] for row in rows if row["figure"] == "messages_per_channel"] == ["sms"]
    kiosk = next(row for row in rows if row["figure"] == "kiosks")
    assert (kiosk["kiosk"], kiosk["branch"], kiosk["version"], kiosk["errors"]) == ("k1", "norte", "1.2.3", "0")
    assert ORDINARY not in "".join(str(row) for row in rows)


def test_json_is_the_same_figures_with_the_period(history, capsys):
    printed = json.loads(run_report(history, capsys, "--format", "json", "--branch", "sur"))
    scope = Scope(date(2026, 11, 1), date(2026, 11, 30), branch="sur")
    assert printed.pop("period") == {"from": "2026-11-01", "to": "2026-11-30", "institution": None, "branch": "sur"}
    assert printed == json.loads(json.dumps(supervision.all_figures(history, scope)))
    assert 0 < sum(row["started"] for row in printed["daily_visits"]) < 150


def test_a_period_outside_the_history_is_empty_and_bad_dates_are_refused(history, capsys):
    assert cli.main(["--database-url", str(history.url), "report", "--from", "2025-01-01", "--to", "2025-01-31",
                     "--format", "json"]) == 0
    empty = json.loads(capsys.readouterr().out)
    assert all(empty[name] == [] for name in supervision.FIGURES if name != "kiosks")
    assert cli.main(["--database-url", str(history.url), "report", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    assert "--to is before --from" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        cli.main(["--database-url", str(history.url), "report", "--from", "30/11/2026", "--to", "2026-12-01"])
    assert refused.value.code == 2
