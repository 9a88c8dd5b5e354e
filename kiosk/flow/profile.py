"""Institution profiles: ``data/institutions/<slug>.toml`` read into steps.

A profile is data: its steps, their parameters, and where each outcome of a
step leads.  Nothing here knows about screens.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import institutions_dir
from kiosk.flow.contracts import PROFILE_FIELDS, STEP_PARAMS, ParamSpec, shown, step_params

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


def parse_profile(
    data: dict[str, Any], step_types: set[str] | None = None, source: str | None = None
) -> Profile:
    """``data`` (a profile's TOML) checked against kiosk.flow.contracts: a
    wrong field is a ProfileError of one line naming ``source`` (the file),
    the step and the field."""
    source = source or str(data.get("slug", "profile"))
    _check_fields(data, source)
    profile = Profile(
        slug=data.pop("slug"),
        name=data.pop("name"),
        portal=data.pop("portal"),
        start=data.pop("start"),
        steps=tuple(_parse_step(raw, index, step_types, source) for index, raw in enumerate(data.pop("steps"))),
        settings=data,
    )
    _validate(profile, source)
    return profile


def _check_fields(data: dict[str, Any], source: str) -> None:
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(raw, dict) for raw in steps):
        raise ProfileError(f"{source}: faltan los pasos ([[steps]])")
    _check_params(data, PROFILE_FIELDS, source, where="", ignore={"steps"})


def _parse_step(raw: dict[str, Any], index: int, step_types: set[str] | None, source: str) -> Step:
    raw = dict(raw)
    step_id, step_type, routes = raw.pop("id", None), raw.pop("type", None), raw.pop("next", {})
    if not isinstance(step_id, str) or not step_id:
        raise ProfileError(f"{source}: el paso número {index + 1} no tiene id")
    where = f'paso "{step_id}", '
    known_types = STEP_PARAMS.keys() if step_types is None else step_types & STEP_PARAMS.keys()
    if step_type not in known_types:
        raise ProfileError(f"{source}: {where}campo type: no existe el tipo de paso {shown(step_type)}")
    if not isinstance(routes, dict) or not all(isinstance(target, str) for target in routes.values()):
        raise ProfileError(f'{source}: {where}campo next: debe ser una tabla de pasos, como {{ done = "otro_paso" }}')
    _check_params(raw, step_params(step_type), source, where)
    return Step(id=step_id, type=step_type, next=dict(routes), params=raw)


def _check_params(
    params: dict[str, Any], specs: dict[str, ParamSpec], source: str, where: str, ignore: set[str] = frozenset()
) -> None:
    for field_name, value in params.items():
        if field_name in ignore:
            continue
        spec = specs.get(field_name)
        if spec is None:
            raise ProfileError(f"{source}: {where}campo {field_name}: no existe (se puede usar: {', '.join(specs)})")
        problem = spec.problem(value)
        if problem:
            raise ProfileError(f"{source}: {where}campo {field_name}: {problem}")
    for field_name, spec in specs.items():
        if spec.required and field_name not in params:
            raise ProfileError(f"{source}: {where}falta el campo {field_name}, que es obligatorio")


def _validate(profile: Profile, source: str) -> None:
    ids = [step.id for step in profile.steps]
    repeated = sorted({step_id for step_id in ids if ids.count(step_id) > 1})
    if repeated:
        raise ProfileError(f'{source}: hay dos pasos con el id "{repeated[0]}"')
    known = set(ids) | {WELCOME}
    if profile.start not in known:
        raise ProfileError(f'{source}: campo start: no existe el paso "{profile.start}"')
    for step in profile.steps:
        for outcome, target in step.next.items():
            if target not in known:
                raise ProfileError(f'{source}: paso "{step.id}", campo next.{outcome}: no existe el paso "{target}"')


def load_profile(slug: str, directory: Path | None = None, step_types: set[str] | None = None) -> Profile:
    directory = directory or institutions_dir()
    path = directory / f"{slug}.toml"
    if not path.is_file():
        found = ", ".join(available_profiles(directory)) or "none"
        raise ProfileError(f"no institution profile {slug!r} in {directory} (there are: {found})")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its text names the line and column
        raise ProfileError(f"{path}: {error}") from None
    return parse_profile(data, step_types, source=str(path))


def available_profiles(directory: Path | None = None) -> list[str]:
    """The institutions in ``directory`` (default: kiosk.config.institutions_dir):
    every ``<slug>.toml``; ``<slug>.demo.toml`` and ``<slug>.en.toml`` beside
    it are its demo members and its English, not institutions."""
    return sorted(path.stem for path in (directory or institutions_dir()).glob("*.toml") if "." not in path.stem)
