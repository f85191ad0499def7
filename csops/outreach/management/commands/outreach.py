"""``csops outreach export|import FILE.yaml`` and ``csops outreach seed-demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.outreach.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml
from csops.outreach.demo import seed_demo


class Command(BaseCommand):
    help = "Outreach configuration: export or import templates and campaigns as YAML; seed the demo campaign."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,import,seed-demo}")
        export = sub.add_parser("export", help="write every template and campaign to a YAML file ('-' for stdout)")
        export.add_argument("file")
        imp = sub.add_parser("import", help="create or update templates and campaigns by key, all or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
        sub.add_parser("seed-demo", help="create the demo company's onboarding campaign (idempotent)")

    def handle(self, *args: Any, **options: Any) -> str:
        action = options["action"]
        if action == "export":
            text = dump_yaml(export_config())
            if options["file"] == "-":
                self.stdout.write(text)
                return ""
            Path(options["file"]).write_text(text, encoding="utf-8")
            return f"outreach export: wrote {options['file']}"
        try:
            if action == "seed-demo":
                return seed_demo()
            try:
                text = Path(options["file"]).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from None
            return import_config(load_yaml(text), actor=None, dry_run=options["dry_run"])
        except ConfigInvalid as exc:
            raise CommandError("outreach import refused, nothing changed:\n  " + "\n  ".join(exc.errors)) from None
