"""What one simulator instance has written: operations, history, sync states, live-object changes, events.

The world (devstack.argocd.world) is module-level data shared by every instance and never mutated. The first
write to an application copies it into this instance's overlay (`writable`); every read endpoint sees the
world through `view`, which substitutes the copies. `clear` (`DELETE /_devstack/state`) forgets them all.

Operations run on a simulated controller clock: `start` registers a run that finishes `operation_delay`
seconds later; runs are finished lazily, by the first read at or after that moment, so there are no
background tasks and a delay of 0 finishes before the next request is answered.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from devstack.argocd.world import App, World
from devstack.argocd.world_views import default_operation, sync_policy

Key = tuple[str, str]  # (app namespace, app name)


@dataclass
class Run:
    """An operation the simulated application controller is running on one app."""

    due: float  # time.monotonic() at which it finishes
    finished_at: datetime  # the wall-clock time it reports as finishedAt
    finish: Callable[[App, datetime], None]  # applies the result to the app (this instance's copy)


def key_of(app: App) -> Key:
    return (app.namespace, app.name)


def clone(app: App) -> App:
    """A deep copy to write to; logs are immutable and shared. The default sync policy and last operation
    are frozen: they are derived from the app's current state, which writes change."""
    copied = copy.deepcopy(dataclasses.replace(app, logs={}))
    copied.logs = dict(app.logs)
    copied.sync_policy = sync_policy(app)
    if copied.operation is None:
        copied.operation = default_operation(app)
    return copied


class WriteState:
    def __init__(self, operation_delay: float) -> None:
        self.operation_delay = operation_delay
        self.apps: dict[Key, App] = {}
        self.runs: dict[Key, Run] = {}

    def clear(self) -> None:
        self.apps.clear()
        self.runs.clear()

    def advance(self, now: float | None = None) -> None:
        """Finishes every run that is due."""
        now = time.monotonic() if now is None else now
        for key, run in list(self.runs.items()):
            if run.due <= now:
                del self.runs[key]
                run.finish(self.apps[key], run.finished_at)

    def view(self, base: World) -> World:
        self.advance()
        if not self.apps:
            return base
        apps = tuple(self.apps.get(key_of(a), a) for a in base.apps)
        return World(apps, base.appsets, base.commits)

    def writable(self, app: App) -> App:
        """This instance's copy of `app` (made on first write)."""
        key = key_of(app)
        if key not in self.apps:
            self.apps[key] = clone(app)
        return self.apps[key]

    def running(self, app: App) -> bool:
        return key_of(app) in self.runs

    def start(self, app: App, started_at: datetime, finish: Callable[[App, datetime], None]) -> None:
        """Registers a run on `app` (already writable) that finishes after the operation delay."""
        self.runs[key_of(app)] = Run(
            due=time.monotonic() + self.operation_delay,
            finished_at=started_at + timedelta(seconds=self.operation_delay),
            finish=finish,
        )
