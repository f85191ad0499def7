"""``csops playbooks export|import FILE.yaml``, ``csops playbooks run`` and ``csops playbooks seed-demo``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from csops.playbooks.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = "Playbooks: export or import rules and playbooks as YAML, run the rules for a day, seed the demo library."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,import,run,seed-demo}")
        export = sub.add_parser("export", help="write the whole configuration to a YAML file ('-' for stdout)")
        export.add_argument("file")
        imp = sub.add_parser("import", help="create or update by key, all or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
        run = sub.add_parser("run", help="evaluate the rules and carry out the actions due for a day")
        run.add_argument("--date", help="the day (YYYY-MM-DD); today by default")
        run.add_argument("--dry-run", action="store_true", help="list what would fire, change nothing")
        seed = sub.add_parser("seed-demo", help="the demo's default library, run for the demo's today (idempotent)")
        seed.add_argument("--date", help="the demo's today (YYYY-MM-DD); the demo company's by default")

    def handle(self, *args: Any, **options: Any) -> str:
        action = options["action"]
        if action == "export":
            text = dump_yaml(export_config())
            if options["file"] == "-":
                self.stdout.write(text)
                return ""
            Path(options["file"]).write_text(text, encoding="utf-8")
            return f"playbooks export: wrote {options['file']}"
        if action == "run":
            from csops.playbooks.engine import run_ctas_day, run_rules_day

            day = _day(options["date"])
            with translation.override(settings.LANGUAGE_CODE):
                rules = run_rules_day(day, dry_run=options["dry_run"])
                if options["dry_run"]:
                    for hit in rules.hits:
                        if hit.new:
                            self.stdout.write(f"  {hit.rule}: {hit.account} — {hit.text}")
                ctas = run_ctas_day(day, dry_run=options["dry_run"])
            return f"{rules.summary()}\n{ctas.summary()}"
        try:
            if action == "seed-demo":
                from csops.playbooks.demo import seed_demo

                return seed_demo(day=_day(options["date"]) if options["date"] else None)
            try:
                text = Path(options["file"]).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from None
            return import_config(load_yaml(text), actor=None, dry_run=options["dry_run"])
        except ConfigInvalid as exc:
            raise CommandError("playbooks import refused, nothing changed:\n  " + "\n  ".join(exc.errors)) from None
