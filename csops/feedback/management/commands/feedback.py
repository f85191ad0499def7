"""``csops feedback import FILE [--dry-run]``: record product feedback from a CSV, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from csops.feedback.importer import import_feedback


class Command(BaseCommand):
    help = "Product feedback: import a CSV of feature requests, bugs and use cases, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        imp = sub.add_parser("import", help="record every row of a CSV, or none when one row is wrong")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("no such file: %(path)s") % {"path": path})
        with path.open("rb") as f:
            result = import_feedback(f, actor=None, dry_run=options["dry_run"], filename=path.name)
        if result.ignored_columns:
            self.stderr.write(_("ignored columns: %(columns)s") % {"columns": ", ".join(result.ignored_columns)})
        if not result.ok:
            for error in result.errors:
                if error["field"]:
                    self.stderr.write(_("row %(row)d, field %(field)s: %(message)s") % error)
                else:
                    self.stderr.write(_("row %(row)d: %(message)s") % error)
            raise CommandError(_("import rejected: %(count)d errors in %(file)s; nothing was written")
                               % {"count": len(result.errors), "file": result.filename})
        values = {"rows": result.rows, "file": result.filename, "encoding": result.encoding}
        if result.dry_run:
            self.stdout.write(_("dry run: %(file)s is valid: %(rows)d feedback rows (%(encoding)s); "
                                "nothing was written") % values)
        else:
            self.stdout.write(_("imported %(rows)d feedback rows from %(file)s (%(encoding)s)") % values)
