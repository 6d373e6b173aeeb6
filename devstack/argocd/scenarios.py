"""Evaluation scenarios: one YAML file per failure (eval/scenarios/<id>.yaml), each a small world of its own.

`load_world(directory)` reads every scenario, builds one Application (app namespace `argocd`, project
`eval`, labels `{"team": "eval"}`) per file with the world's builders (kube.make, world_kube.event/drift,
world_git.deploy_history, world_views.result, …) and answers the default world extended by them. It never
touches the module-level default world: `create_app(SimulatorConfig(scenarios_dir=…))` serves the copy.

A bad file raises ScenarioError naming the file and the problem. This module reads and checks the files;
the schema is scenario_schema.py (and eval/scenarios/README.md). Building one scenario, by responsibility:

- scenario_app.py: the Application (history, sync and health status, conditions, ApplicationSet)
- scenario_sync.py: its last sync operation and the events about it
- scenario_objects.py: what every live object gets, and objects written out as they are
- scenario_workloads.py: Deployments, ReplicaSets and StatefulSets with their pods
- scenario_jobs.py: Jobs and CronJobs (retries, schedules, history limits)
- scenario_pods.py, scenario_containers.py: pods, container states, their events and logs
- scenario_base.py: what they all share (BuildError, placeholders, merge patches)
"""

from __future__ import annotations

from pathlib import Path

import pydantic
import yaml

from devstack.argocd import scenario_schema as schema
from devstack.argocd.scenario_app import Built, build
from devstack.argocd.scenario_base import BuildError, merge_patch
from devstack.argocd.scenario_jobs import schedule_times
from devstack.argocd.world import DEFAULT_WORLD, World


class ScenarioError(Exception):
    """A scenario file that cannot be loaded: the message names the file and the problem."""


def _describe(exc: pydantic.ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def read_scenario(path: Path) -> schema.Scenario:
    """One scenario file, validated against the schema; its id must be its file name."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: not readable as YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario keys, got {type(raw).__name__}")
    try:
        scenario = schema.Scenario.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise ScenarioError(f"{path}: {_describe(exc)}") from None
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id {scenario.id!r} differs from the file name {path.stem!r}")
    return scenario


def scenario_files(directory: str | Path) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise ScenarioError(f"{root}: not a directory of scenarios")
    return sorted(p for p in root.glob("*.yaml") if p.is_file())


def load_scenarios(directory: str | Path) -> list[Built]:
    """Every scenario of `directory`, built; ids must be unique and not a default world app's name."""
    built: list[Built] = []
    taken = {app.name for app in DEFAULT_WORLD.apps}
    appsets = {appset.name for appset in DEFAULT_WORLD.appsets}
    for path in scenario_files(directory):
        scenario = read_scenario(path)
        if scenario.id in taken:
            raise ScenarioError(f"{path}: an application named {scenario.id!r} exists already")
        taken.add(scenario.id)
        item = build_scenario(scenario, path)
        for appset in item.appsets:
            if appset.name in appsets:
                raise ScenarioError(f"{path}: an ApplicationSet named {appset.name!r} exists already")
            appsets.add(appset.name)
        built.append(item)
    return built


def load_world(directory: str | Path) -> World:
    """The default world plus the scenarios of `directory` (a new World; the default is untouched)."""
    built = load_scenarios(directory)
    return DEFAULT_WORLD.with_extra(
        (b.app for b in built),
        (a for b in built for a in b.appsets),
        (c for b in built for c in b.commits),
    )


def build_scenario(scenario: schema.Scenario, path: Path) -> Built:
    try:
        return build(scenario, path)
    except BuildError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


__all__ = [
    "Built",
    "ScenarioError",
    "build_scenario",
    "load_scenarios",
    "load_world",
    "merge_patch",
    "read_scenario",
    "schedule_times",
]
