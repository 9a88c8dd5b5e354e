"""The benchmark's table: each figure next to its budget and its comparison."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    measured: str
    budget: str
    comparison: str
    within: bool | None = None  # None: informational, no budget

    @property
    def verdict(self) -> str:
        if self.within is None:
            return ""
        return "within" if self.within else "OVER BUDGET"


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)
        for figure in figures:
            print(f"  {figure.name}: {figure.measured} ({figure.comparison}) {figure.verdict}", flush=True)

    def table(self) -> str:
        header = ("figure", "measured", "budget", "comparison", "")
        rows = [header] + [(f.name, f.measured, f.budget, f.comparison, f.verdict) for f in self.figures]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * width for width in widths))
        lines += [f"skipped: {reason}" for reason in self.skipped]
        lines += [f"ERROR: {error}" for error in self.errors]
        return "\n".join(lines)


def ratio(value: float, reference: float) -> float:
    return value / reference if reference > 0 else float("inf")
