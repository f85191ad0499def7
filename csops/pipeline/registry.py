"""The steps of the daily pipeline, registered by the apps that own them.

The pipeline app imports no other csops app: each app registers its step from its
``AppConfig.ready()`` (``register_step("outreach", run_outreach_day, order=ORDER["outreach"])``),
so that a lower app never imports a higher one and a new app plugs in without an edit here.
A step is a function ``(day, *, progress) -> str`` that returns a one-line summary and must be
idempotent for its day: running it twice for the same day changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[int, int], None]  # (done, total) inside a step; the command shows a bar
StepFunction = Callable[..., str | None]

# The documented order of the daily pipeline (docs/worker.md); apps pick their slot.
ORDER = {
    "load": 10,
    "measures": 20,
    "health": 30,
    "maturity": 40,
    "stages": 50,
    "rules": 60,
    "ctas": 70,
    "outreach": 80,
}


@dataclass(frozen=True)
class Step:
    name: str
    function: StepFunction
    order: int
    description: str = ""

    def run(self, day: dt.date, *, progress: Progress) -> str:
        return self.function(day, progress=progress) or ""


_steps: dict[str, Step] = {}


def register_step(name: str, function: StepFunction, *, order: int, description: str = "") -> None:
    """Add (or replace, so that a reload stays harmless) the step ``name``."""
    if not name or len(name) > 64:
        raise ValueError("a step name is 1 to 64 characters")
    _steps[name] = Step(name=name, function=function, order=order, description=description)


def unregister_step(name: str) -> None:
    _steps.pop(name, None)


def steps() -> list[Step]:
    """The registered steps in pipeline order (ties by name, so the order is stable)."""
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


def get_step(name: str) -> Step | None:
    return _steps.get(name)


# --- worker passes ------------------------------------------------------------------------------
# Work the worker does on every pass besides background tasks and the schedule (the outreach
# sender registers one). A pass is ``(*, worker_id, should_stop) -> dict[str, int]`` of counts,
# must return quickly when ``should_stop()`` turns true, and must be safe to run in several
# workers at once (claim rows by a row-count update).

WorkerPass = Callable[..., dict[str, int]]
_passes: dict[str, WorkerPass] = {}


def register_worker_pass(name: str, function: WorkerPass) -> None:
    _passes[name] = function


def worker_passes() -> list[tuple[str, WorkerPass]]:
    return sorted(_passes.items())
