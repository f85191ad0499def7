"""``csops journey evaluate|export|import|seed-demo``: the journey from the console (docs/journey.md)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from csops.journey.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml

MAX_RANGE_DAYS = 3660


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Journey: evaluate maturity and stages over days, export or import the configuration, seed the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{evaluate,export,import,seed-demo}")
        ev = sub.add_parser("evaluate", help="evaluate maturity levels, first value, onboarding steps and stages "
                                             "for a day or a range of days (days already evaluated are kept)")
        ev.add_argument("--from", dest="first", type=_date, help="first day (default: today)")
        ev.add_argument("--to", dest="last", type=_date, help="last day, inclusive (default: --from)")
        ev.add_argument("--product", help="only this product's maturity model (product code)")
        ev.add_argument("--rebuild", action="store_true",
                        help="forget the recorded maturity levels (of --product, else of every model whose levels "
                             "changed) and recompute them from the lake's first event day to --to (default: the "
                             "last evaluated day)")
        export = sub.add_parser("export", help="write maturity models, stage rules and onboarding templates as YAML "
                                               "('-' for stdout)")
        export.add_argument("file")
        imp = sub.add_parser("import", help="create or update the journey configuration from YAML, all or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
        sub.add_parser("seed-demo", help="configure the demo journey and compute its history (idempotent)")

    def handle(self, *args: Any, **options: Any) -> str:
        action = options["action"]
        if action == "evaluate":
            return self._evaluate(options)
        if action == "export":
            text = dump_yaml(export_config())
            if options["file"] == "-":
                self.stdout.write(text)
                return ""
            Path(options["file"]).write_text(text, encoding="utf-8")
            return f"journey export: wrote {options['file']}"
        try:
            if action == "seed-demo":
                from csops.journey.demo import seed_demo

                return seed_demo()
            try:
                text = Path(options["file"]).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from None
            summary = import_config(load_yaml(text), actor=None, dry_run=options["dry_run"])
            if not options["dry_run"]:
                rebuilt = self._rebuild({})
                if not rebuilt.endswith("no model awaits a rebuild"):
                    summary += f"; {rebuilt}"
            return summary
        except ConfigInvalid as exc:
            raise CommandError("journey import refused, nothing changed:\n  " + "\n  ".join(exc.errors)) from None

    def _evaluate(self, options: dict[str, Any]) -> str:
        from csops.journey import onboarding
        from csops.journey.maturity import evaluate_maturity
        from csops.journey.stages import evaluate_stages
        from csops.journey.ttfv import evaluate_first_value

        if options.get("rebuild"):
            return self._rebuild(options)
        first = options["first"] or timezone.localdate()
        last = options["last"] or first
        if last < first:
            raise CommandError("--to comes before --from")
        if (last - first).days > MAX_RANGE_DAYS:
            raise CommandError(f"at most {MAX_RANGE_DAYS} days at once")
        maturity = evaluate_maturity(first, last, product=options.get("product"))
        reached = evaluate_first_value(last)
        started = onboarding.ensure_plans(last)
        done = onboarding.auto_complete(last)
        result = evaluate_stages(first, last)
        return (f"{maturity.summary()}; first value reached by {reached}; {started} plan(s) started, "
                f"{done} step(s) done automatically; {result.summary()}")

    def _rebuild(self, options: dict[str, Any]) -> str:
        from csops.journey.maturity import rebuild_maturity
        from csops.journey.models import MaturityModel

        if options.get("first") and not options.get("last"):
            raise CommandError("--rebuild starts at the lake's first event day: give --to, not --from")
        models = MaturityModel.objects.order_by("product__code")
        if options.get("product"):
            models = models.filter(product__code=options["product"])
            if not models.exists():
                raise CommandError(f"no maturity model for product {options['product']!r}")
        else:
            models = models.filter(rebuild_requested_at__isnull=False)
        parts = []
        for code in models.values_list("product__code", flat=True):
            result = rebuild_maturity(code, last=options.get("last"))
            parts.append(f"{code}: {result.summary() if result else 'nothing to do'}")
        return "maturity rebuild: " + ("; ".join(parts) if parts else "no model awaits a rebuild")
