"""``kiosk report``: the supervisor's figures (kiosk.core.supervision) for a
spreadsheet (CSV) or a program (JSON).

CSV is one table: a ``figure`` column naming the figure of each row, then
every column any figure has (empty where a figure has none); a funnel's
refusal reasons become ``left_after_<reason>`` columns.  JSON is an object
with the period and one list of rows per figure.
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from sqlalchemy.engine import Engine

from kiosk.core.supervision import Scope, all_figures


def flat_rows(figures: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for name, figure_rows in figures.items():
        for row in figure_rows:
            flat = {"figure": name}
            for key, value in row.items():
                if isinstance(value, dict):
                    flat.update({f"{key}_{inner}": count for inner, count in sorted(value.items())})
                else:
                    flat[key] = value
            rows.append(flat)
    return rows


def write_csv(figures: dict[str, list[dict[str, Any]]], out: TextIO) -> None:
    rows = flat_rows(figures)
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    writer = csv.DictWriter(out, fieldnames=columns or ["figure"], restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_json(scope: Scope, figures: dict[str, list[dict[str, Any]]], out: TextIO) -> None:
    period = {"from": scope.start.isoformat(), "to": scope.end.isoformat(),
              "institution": scope.institution, "branch": scope.branch}
    json.dump({"period": period, **figures}, out, ensure_ascii=False, indent=2)
    out.write("\n")


def report(engine: Engine, scope: Scope, form: str, out: TextIO) -> None:
    figures = all_figures(engine, scope)
    if form == "csv":
        write_csv(figures, out)
    else:
        write_json(scope, figures, out)
