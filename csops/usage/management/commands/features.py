"""``csops features export FILE.yaml`` and ``csops features import FILE.yaml [--dry-run] [--prune]``.

The YAML format is in docs/usage-queries.md. Import is all or nothing: on any error it prints one
line per error (``feature 3, field key: ...``), changes nothing and exits with status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from csops.usage.features import export_yaml, import_yaml, parse_yaml


class Command(BaseCommand):
    help = "Export or import the feature registry as YAML (for review and version control)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write every feature to a YAML file")
        export.add_argument("file", help="the YAML file to write; - for stdout")
        export.add_argument("--product", action="append", metavar="CODE", help="only this product (repeatable)")
        load = sub.add_parser("import", help="create or update features from a YAML file (all or nothing)")
        load.add_argument("file", help="the YAML file to read; - for stdin")
        load.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
        load.add_argument("--prune", action="store_true",
                          help="also delete features of the file's products that the file does not list")
        load.add_argument("--actor", metavar="EMAIL", help="the user recorded in the audit log")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "export":
            text = export_yaml(opts.get("product"))
            if opts["file"] == "-":
                self.stdout.write(text, ending="")
            else:
                Path(opts["file"]).write_text(text, encoding="utf-8")
                count = len(parse_yaml(text)[0])
                self.stdout.write(_("exported %(count)d features to %(file)s") % {"count": count,
                                                                                  "file": opts["file"]})
            return
        if opts["file"] == "-":
            text = sys.stdin.read()
        else:
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(_("no such file: %(path)s") % {"path": opts["file"]})
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise CommandError(_("%(path)s is not UTF-8 text") % {"path": opts["file"]}) from None
        result = import_yaml(text, actor=self._actor(opts.get("actor")), dry_run=opts["dry_run"], prune=opts["prune"])
        if not result.ok:
            for error in result.errors:
                if error["row"] and error["field"]:
                    line = _("feature %(row)d, field %(field)s: %(message)s") % error
                elif error["row"]:
                    line = _("feature %(row)d: %(message)s") % error
                else:
                    line = error["message"]
                self.stderr.write(line)
            raise CommandError(_("import rejected: %(count)d errors; nothing was changed")
                               % {"count": len(result.errors)})
        values = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                  "deleted": result.deleted}
        if result.dry_run:
            self.stdout.write(_("dry run: %(created)d features would be created, %(updated)d updated, "
                                "%(deleted)d deleted, %(unchanged)d unchanged; nothing was changed") % values)
        else:
            self.stdout.write(_("features imported: %(created)d created, %(updated)d updated, %(deleted)d deleted, "
                                "%(unchanged)d unchanged") % values)

    def _actor(self, email: str | None) -> Any:
        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(_("no active user has the email %(email)s") % {"email": email})
        return user
