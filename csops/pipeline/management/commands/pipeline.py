"""``csops pipeline run [--date D] [--step NAME] [--force]``: run the daily pipeline now, in this process."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from csops.pipeline.registry import steps
from csops.pipeline.services import run_pipeline


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "The daily pipeline: `pipeline run` runs each registered step once for a day; `pipeline steps` lists them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{run,steps}")
        run = sub.add_parser("run", help="run the pipeline for a day (default: today in the company's time zone)")
        run.add_argument("--date", type=_date, default=None, help="the day to run (YYYY-MM-DD)")
        run.add_argument("--step", action="append", dest="only", help="run only this step (repeatable)")
        run.add_argument("--force", action="store_true", help="run steps again even if they succeeded for the day")
        sub.add_parser("steps", help="list the registered steps in order")

    def handle(self, *args: Any, **options: Any) -> str | None:
        if options["action"] == "steps":
            for step in steps():
                self.stdout.write(f"{step.order:>4}  {step.name}  {step.description}")
            return None
        day = options["date"] or timezone.localdate()
        known = {s.name for s in steps()}
        unknown = sorted(set(options["only"] or []) - known)
        if unknown:
            raise CommandError(f"unknown step(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        if self.stdout.isatty():
            with Progress(TextColumn("pipeline {task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), transient=True) as bar:
                task = bar.add_task(day.isoformat(), total=len(steps()))
                result = run_pipeline(day, only=options["only"], force=options["force"],
                                      on_step=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            result = run_pipeline(day, only=options["only"], force=options["force"])
        if result.failed:
            raise CommandError(result.summary() + "; see /pipeline/ or the log for the tracebacks")
        return result.summary()
