"""``csops health score [--date D | --from D1 --to D2 [--every N]] [--scorecard KEY]`` and ``csops health seed-demo``.

``score`` computes the snapshots of today (the company's time zone), of one day, or of every day
(or every N-th day, counted back from D2) of a range; re-running a day replaces its snapshots.
See docs/health.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.health import scoring
from csops.health.models import Scorecard


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Compute health scores (today, one day or a range) or seed the demo's scorecards and history."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{score,seed-demo}")
        score = sub.add_parser("score", help="compute the daily snapshots of every active scorecard")
        score.add_argument("--date", metavar="D", help="the day to score (default: today)")
        score.add_argument("--from", dest="first", metavar="D1", help="first day of a range to backfill")
        score.add_argument("--to", dest="last", metavar="D2", help="last day of the range (default: today)")
        score.add_argument("--every", type=int, default=1, metavar="N",
                           help="score every N-th day of the range, counted back from D2 (default 1)")
        score.add_argument("--scorecard", metavar="KEY", action="append", default=[],
                           help="only this scorecard (repeatable; inactive ones too)")
        seed = sub.add_parser("seed-demo", help="default scorecards, assessments and history for the demo")
        seed.add_argument("--days", type=int, default=None, help="days of history (default 182)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "seed-demo":
            from csops.health.demo import HISTORY_DAYS, seed_demo

            days = opts.get("days") or HISTORY_DAYS
            if days < 1:
                raise CommandError("--days must be at least 1")
            result = self._with_progress(lambda progress: seed_demo(days=days, progress=progress))
            self.stdout.write(result.summary())
            return
        from django.utils import timezone

        if opts.get("date") and (opts.get("first") or opts.get("last")):
            raise CommandError("give either --date or --from/--to, not both")
        if opts["every"] < 1:
            raise CommandError("--every must be at least 1")
        if opts.get("first"):
            first = _date(opts["first"])
            last = _date(opts["last"]) if opts.get("last") else timezone.localdate()
            if last < first:
                raise CommandError("--to is before --from")
            days = scoring.day_range(first, last, step=opts["every"])
        elif opts.get("last"):
            raise CommandError("--to needs --from")
        else:
            days = [_date(opts["date"]) if opts.get("date") else timezone.localdate()]
        cards = None
        if opts["scorecard"]:
            cards = list(Scorecard.objects.filter(key__in=opts["scorecard"]).select_related("product"))
            unknown = sorted(set(opts["scorecard"]) - {c.key for c in cards})
            if unknown:
                raise CommandError(f"unknown scorecard: {', '.join(unknown)}")
        result = self._with_progress(lambda progress: scoring.score(days, scorecards=cards, progress=progress),
                                     enabled=len(days) > 1)
        self.stdout.write(result.summary())

    def _with_progress(self, run: Any, *, enabled: bool = True) -> Any:
        from rich.progress import Progress

        if not enabled or not self.stdout.isatty():
            return run(None)
        with Progress(transient=True) as bar:
            task = bar.add_task("health", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return run(progress)
