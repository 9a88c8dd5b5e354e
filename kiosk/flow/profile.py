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
from kiosk.flow.contracts import (
    CHOSEN,
    END_VISIT,
    NEXT_STEP,
    PROFILE_FIELDS,
    SAME_STEP,
    STAY,
    STEP_PARAMS,
    ParamSpec,
    possible_outcomes,
    shown,
    step_params,
)

WELCOME = END_VISIT
# Where an outcome leads when nothing moves (kiosk.flow.contracts.STAY).
HERE = STAY


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    params: dict[str, Any]
    next: dict[str, str]

    def param(self, name: str, default: Any = None) -> Any:
        """The parameter as the profile gives it, else ``default``, else the
        step type's declared default (kiosk.flow.contracts)."""
        if name in self.params:
            return self.params[name]
        if default is not None:
            return default
        spec = STEP_PARAMS.get(self.type, {}).get(name)
        return spec.default if spec is not None else None


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
        """Where ``outcome`` of ``step`` leads: a step id, WELCOME or HERE.
        Its ``next`` entry, else what the step type's contract says
        (kiosk.flow.contracts.STEP_OUTCOMES).  A loaded profile routes every
        outcome its steps can report; any other is a ProfileError."""
        if outcome in step.next:
            return step.next[outcome]
        spec = possible_outcomes(step.type, step.params, self).get(outcome)
        default = spec.default if spec is not None else None
        if default is not None and default.startswith("="):
            return self.target(step, default[1:])
        if default == NEXT_STEP:
            index = self.steps.index(step)
            if index + 1 < len(self.steps):
                return self.steps[index + 1].id
        elif default == SAME_STEP:
            return step.id
        elif default is not None:
            return default
        raise ProfileError(f"{self.slug}: step {step.id!r} has nowhere to go on {outcome!r}")

    def following(self, step: Step) -> dict[str, str]:
        """Outcome -> where it leads, for every outcome ``step`` can report."""
        return {outcome: self.target(step, outcome) for outcome in possible_outcomes(step.type, step.params, self)}

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
        possible = possible_outcomes(step.type, step.params, profile)
        for outcome, target in step.next.items():
            if outcome not in possible:
                raise ProfileError(
                    f'{source}: paso "{step.id}", campo next.{outcome}: un paso de tipo {step.type} así '
                    f'configurado no termina en "{outcome}" (termina en: {", ".join(possible)})'
                )
            if target not in known:
                raise ProfileError(f'{source}: paso "{step.id}", campo next.{outcome}: no existe el paso "{target}"')
        for outcome in possible:
            try:
                profile.target(step, outcome)
            except ProfileError:
                raise ProfileError(
                    f'{source}: paso "{step.id}", campo next: falta a qué paso lleva "{outcome}", '
                    f'como {{ {outcome} = "otro_paso" }}'
                ) from None
    _check_reachable(profile, source)
    _check_chosen_channel(profile, source)
    _check_link_email(profile, source)


def _reachable(profile: Profile, passing: Any = None) -> list[str]:
    """The steps a visit can reach from the start, in the profile's order;
    with ``passing``, only by paths that do not go through a step it accepts."""
    seen: set[str] = set()
    waiting = [profile.start]
    while waiting:
        step_id = waiting.pop()
        if step_id in seen or step_id in (WELCOME, HERE):
            continue
        seen.add(step_id)
        step = profile.step(step_id)
        if passing is not None and passing(step):
            continue
        waiting.extend(profile.following(step).values())
    return [step.id for step in profile.steps if step.id in seen]


def _check_reachable(profile: Profile, source: str) -> None:
    reached = set(_reachable(profile))
    for step in profile.steps:
        if step.id not in reached:
            raise ProfileError(f'{source}: paso "{step.id}": ningún camino desde el inicio (start) lleva a este paso')


def _check_chosen_channel(profile: Profile, source: str) -> None:
    """A step that sends by the member's chosen channel is reached only after they chose one."""
    unchosen = _reachable(profile, passing=lambda step: step.type == "channel_choice")
    for step in profile.steps:
        if step.id in unchosen and step.param("channel") == CHOSEN and step.type != "channel_choice":
            raise ProfileError(
                f'{source}: paso "{step.id}", campo channel: "{CHOSEN}" necesita que el asociado elija '
                f"el canal antes (un paso channel_choice), y a este paso se llega sin elegirlo"
            )


def _check_link_email(profile: Profile, source: str) -> None:
    """A link's e-mail says the temporary key exactly when it carries one; a
    change a code confirms names what the code is for."""
    for step in profile.steps:
        where = f'{source}: paso "{step.id}", '
        if step.type == "recovery_link":
            with_key, says_key = step.param("with_temporary_key", True), "{key}" in step.param("email_text", "")
            if with_key and not says_key:
                raise ProfileError(f"{where}campo email_text: debe decir la clave temporal ({{key}}), porque with_temporary_key es true")
            if says_key and not with_key:
                raise ProfileError(f"{where}campo email_text: no puede usar {{key}}, porque with_temporary_key es false")
        if step.type == "key_change" and step.param("confirm_by_code") and not step.param("purpose"):
            raise ProfileError(f"{where}falta el campo purpose, que es obligatorio con confirm_by_code = true")


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
