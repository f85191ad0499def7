"""``csops import accounts|contracts|contacts|activities FILE [--dry-run] [--actor EMAIL]``.

All or nothing: on any error the command prints one line per error (``row 7, field mrr: ...``),
writes nothing and exits with status 1. On success it prints one summary line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from csops.customers.importers import KINDS, ImportResult, run_import
from csops.users.commands import actor_from_option

# Below this size an import takes about a second: a progress bar would only flicker.
PROGRESS_MIN_BYTES = 1 << 20


class Command(BaseCommand):
    help = "Import accounts, contracts, contacts or activities from a CSV file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
        parser.add_argument("file", help="CSV file (UTF-8 with or without BOM, or Shift_JIS/CP932); - for stdin")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--actor", metavar="EMAIL", help="the user recorded in the audit log as importer")

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        actor = actor_from_option(options.get("actor"))
        path = options["file"]
        if path == "-":
            result = run_import(kind, sys.stdin.buffer, actor=actor, dry_run=options["dry_run"], filename="<stdin>")
        else:
            file_path = Path(path)
            if not file_path.is_file():
                raise CommandError(_("no such file: %(path)s") % {"path": path})
            with file_path.open("rb") as f:
                result = self._run(kind, f, file_path, actor=actor, dry_run=options["dry_run"])
        self._report(result)


    def _run(self, kind: str, f: Any, path: Path, *, actor: Any, dry_run: bool) -> ImportResult:
        size = path.stat().st_size
        from rich.console import Console

        console = Console(file=self.stderr._out, stderr=True)  # type: ignore[attr-defined]
        if size < PROGRESS_MIN_BYTES or not console.is_terminal:
            return run_import(kind, f, actor=actor, dry_run=dry_run, filename=path.name)
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        labels = {"validate": _("Validating"), "write": _("Writing")}
        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
                bar.update(tasks[phase], completed=done)

            return run_import(kind, f, actor=actor, dry_run=dry_run, filename=path.name, progress=progress)

    def _report(self, result: ImportResult) -> None:
        if result.ignored_columns:
            self.stderr.write(_("ignored columns: %(columns)s") % {"columns": ", ".join(result.ignored_columns)})
        if not result.ok:
            for error in result.errors:
                if error["field"]:
                    line = _("row %(row)d, field %(field)s: %(message)s") % error
                else:
                    line = _("row %(row)d: %(message)s") % error
                self.stderr.write(line)
            raise CommandError(
                _("import rejected: %(count)d errors in %(file)s; nothing was written")
                % {"count": len(result.errors), "file": result.filename or "-"}
            )
        values = {"rows": result.rows, "kind": result.kind, "file": result.filename, "created": result.created,
                  "updated": result.updated, "encoding": result.encoding}
        if result.dry_run:
            self.stdout.write(_("dry run: %(file)s is valid: %(rows)d %(kind)s rows, %(created)d would be created, "
                                "%(updated)d updated (%(encoding)s); nothing was written") % values)
        else:
            self.stdout.write(_("imported %(rows)d %(kind)s rows from %(file)s: %(created)d created, "
                                "%(updated)d updated (%(encoding)s)") % values)
