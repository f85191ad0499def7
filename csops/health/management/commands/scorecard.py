"""``csops scorecard export KEY [FILE]`` and ``csops scorecard import FILE [--actor EMAIL]``.

Import is all or nothing: a file that does not validate prints one line per problem
(``groups[0].measures[1].weight: ...``), changes nothing and exits with status 1. See docs/health.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.health.definition import DefinitionError
from csops.health.models import Scorecard
from csops.health.yaml_io import export_scorecard, import_scorecard
from csops.users.commands import actor_from_option


class Command(BaseCommand):
    help = "Export a scorecard to YAML or import (create or change) one from YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,import,list}")
        export = sub.add_parser("export", help="write a scorecard as YAML (to FILE, or to stdout)")
        export.add_argument("key", help="the scorecard's key (csops scorecard list)")
        export.add_argument("file", nargs="?", help="the file to write; stdout when left out")
        load = sub.add_parser("import", help="create or change the scorecard a YAML file describes (by its key)")
        load.add_argument("file", help="the YAML file; - for stdin")
        load.add_argument("--actor", metavar="EMAIL", help="the user recorded in the audit log")
        sub.add_parser("list", help="list the scorecards")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "list":
            for card in Scorecard.objects.select_related("product"):
                state = "active" if card.is_active else "inactive"
                self.stdout.write(f"{card.key}\t{card.product.code}\t{card.segment or '-'}\tv{card.version}\t{state}")
            return
        if action == "export":
            card = Scorecard.objects.select_related("product").filter(key=opts["key"]).first()
            if card is None:
                raise CommandError(f"no scorecard with the key {opts['key']!r}")
            text = export_scorecard(card)
            if opts.get("file"):
                Path(opts["file"]).write_text(text, encoding="utf-8")
                self.stdout.write(f"scorecard {card.key} v{card.version} written to {opts['file']}")
            else:
                self.stdout.write(text, ending="")
            return
        path = opts["file"]
        if path == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            if not Path(path).is_file():
                raise CommandError(f"no such file: {path}")
            text, source = Path(path).read_text(encoding="utf-8"), Path(path).name
        actor = actor_from_option(opts.get("actor"))
        before = Scorecard.objects.filter(key=_key_of(text)).values_list("version", flat=True).first()
        try:
            card = import_scorecard(text, actor=actor, source=source)
        except DefinitionError as exc:
            for where, message in exc.errors:
                self.stderr.write(f"{where}: {message}" if where else message)
            raise CommandError(f"{source}: {len(exc.errors)} problem(s), nothing imported") from None
        if before is None:
            self.stdout.write(f"scorecard {card.key} created (v{card.version})")
        elif before == card.version:
            self.stdout.write(f"scorecard {card.key} unchanged (v{card.version})")
        else:
            self.stdout.write(f"scorecard {card.key} changed (v{before} -> v{card.version})")


def _key_of(text: str) -> str:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return ""
    return str(data.get("key", "")) if isinstance(data, dict) else ""
