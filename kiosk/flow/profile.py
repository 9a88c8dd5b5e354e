"""Institution profiles: ``data/institutions/<slug>.toml`` read into steps.

A profile is data: its steps, their parameters, and where each outcome of a
step leads.  Nothing here knows about screens.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import INSTITUTIONS_DIR

WELCOME = "@welcome"
# An outcome a profile need not route: where it does not, it goes where these do.
FALLBACK_OUTCOMES = {"office_change_required": "change_required"}


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    params: dict[str, Any]
    next: dict[str, str]

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    portal: str
    start: str
    steps: tuple[Step, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise ProfileError(f"{self.slug}: no step {step_id!r}")

    def target(self, step: Step, outcome: str) -> str:
        """Where ``outcome`` of ``step`` leads: its ``next`` entry, else its
        fallback's, else (for "done") the following step in the list."""
        if outcome in step.next:
            return step.next[outcome]
        if outcome in FALLBACK_OUTCOMES:
            return self.target(step, FALLBACK_OUTCOMES[outcome])
        index = self.steps.index(step)
        if outcome == "done" and index + 1 < len(self.steps):
            return self.steps[index + 1].id
        raise ProfileError(f"{self.slug}: step {step.id!r} has nowhere to go on {outcome!r}")

    def setting(self, name: str, default: Any = None) -> Any:
        return self.settings.get(name, default)


def parse_profile(data: dict[str, Any], step_types: set[str] | None = None) -> Profile:
    try:
        raw_steps = data.pop("steps")
        steps = tuple(
            Step(
                id=raw.pop("id"),
                type=raw.pop("type"),
                next=dict(raw.pop("next", {})),
                params=raw,
            )
            for raw in (dict(r) for r in raw_steps)
        )
        profile = Profile(
            slug=data.pop("slug"),
            name=data.pop("name"),
            portal=data.pop("portal"),
            start=data.pop("start"),
            steps=steps,
            settings=data,
        )
    except KeyError as missing:
        raise ProfileError(f"profile is missing {missing}") from None
    _validate(profile, step_types)
    return profile


def _validate(profile: Profile, step_types: set[str] | None) -> None:
    ids = [step.id for step in profile.steps]
    if len(set(ids)) != len(ids):
        raise ProfileError(f"{profile.slug}: step ids repeat")
    known = set(ids) | {WELCOME}
    if profile.start not in known:
        raise ProfileError(f"{profile.slug}: start step {profile.start!r} does not exist")
    for step in profile.steps:
        for outcome, target in step.next.items():
            if target not in known:
                raise ProfileError(f"{profile.slug}: {step.id}.{outcome} leads to unknown {target!r}")
        if step_types is not None and step.type not in step_types:
            raise ProfileError(f"{profile.slug}: step {step.id!r} has unknown type {step.type!r}")


def load_profile(slug: str, directory: Path = INSTITUTIONS_DIR, step_types: set[str] | None = None) -> Profile:
    path = directory / f"{slug}.toml"
    if not path.is_file():
        raise ProfileError(f"no institution profile {slug!r} in {directory}")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its text names the line and column
        raise ProfileError(f"{path}: {error}") from None
    return parse_profile(data, step_types)


def available_profiles(directory: Path = INSTITUTIONS_DIR) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.toml"))
