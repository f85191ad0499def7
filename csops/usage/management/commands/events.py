"""``csops events load FILE|--from-sql URL --table T [--format F] [--map COL=FIELD ...] [--dry-run]``.

All or nothing: on any error the command prints one line per error (``row 7, field event_time:
...``), writes nothing and exits with status 1. On success it prints one summary line. See
docs/usage-queries.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from csops.usage.loaders import FIELDS, FORMATS, LoadError, LoadResult, load_file, load_sql, parse_map_options
from csops.users.commands import actor_from_option

# Below this many bytes (or rows) a load takes about a second: a progress bar would only flicker.
PROGRESS_MIN_BYTES = 1 << 20
PROGRESS_MIN_ROWS = 20_000


class Command(BaseCommand):
    help = "Load product-usage events into the event lake from a file or a SQL table (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load events from a CSV, JSONL or Parquet file, or from a SQL table",
                              description=self.help)
        load.add_argument("file", nargs="?", help="CSV, JSONL or Parquet file (gzip accepted); - for stdin")
        load.add_argument("--format", choices=FORMATS, help="the file's format (default: from its name)")
        load.add_argument(
            "--map", action="append", default=[], metavar="COLUMN=FIELD",
            help=f"feed a column to a lake field ({', '.join(FIELDS)}); COLUMN= drops the column. Repeatable.",
        )
        load.add_argument("--from-sql", metavar="URL", help="SQLAlchemy database URL to read from (with --table)")
        load.add_argument("--table", metavar="T", help="the table (or schema.table) to read with --from-sql")
        load.add_argument("--timezone", default="UTC",
                          help="time zone of timestamps written without one (default UTC)")
        load.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        load.add_argument("--actor", metavar="EMAIL", help="the user recorded in the audit log")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            mapping = parse_map_options(opts["map"])
        except LoadError as exc:
            raise CommandError(str(exc)) from None
        actor = actor_from_option(opts.get("actor"))
        common = {"mapping": mapping, "dry_run": opts["dry_run"], "timezone": opts["timezone"], "actor": actor}
        try:
            if opts.get("from_sql"):
                if opts.get("file"):
                    raise CommandError(_("give either FILE or --from-sql, not both"))
                if not opts.get("table"):
                    raise CommandError(_("--from-sql needs --table"))
                result = self._with_progress(lambda progress: load_sql(
                    opts["from_sql"], opts["table"], progress=progress, **common), rows=True)
            else:
                path = opts.get("file")
                if not path:
                    raise CommandError(_("give a FILE to load, or --from-sql URL --table T"))
                if path == "-":
                    result = load_file(sys.stdin.buffer, format=opts["format"], filename="<stdin>", **common)
                else:
                    file_path = Path(path)
                    if not file_path.is_file():
                        raise CommandError(_("no such file: %(path)s") % {"path": path})
                    big = file_path.stat().st_size >= PROGRESS_MIN_BYTES
                    result = self._with_progress(lambda progress: load_file(
                        file_path, format=opts["format"], filename=file_path.name, progress=progress, **common),
                        rows=False, enabled=big)
        except LoadError as exc:
            raise CommandError(str(exc)) from None
        self._report(result)


    def _with_progress(self, run: Any, *, rows: bool, enabled: bool = True) -> LoadResult:
        from rich.console import Console

        console = Console(file=self.stderr._out, stderr=True)  # type: ignore[attr-defined]
        if not enabled or not console.is_terminal:
            return run(None)  # type: ignore[no-any-return]
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        labels = {"validate": _("Validating"), "stage": _("Writing"), "finish": _("Moving into the lake")}
        amount = MofNCompleteColumn() if rows else DownloadColumn()
        with Progress(TextColumn("{task.description}"), BarColumn(), amount, TimeRemainingColumn(),
                      console=console, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(labels.get(phase, phase), total=total or None)
                bar.update(tasks[phase], completed=done)

            return run(progress)  # type: ignore[no-any-return]

    def _report(self, result: LoadResult) -> None:
        if result.properties_columns:
            self.stderr.write(_("columns stored as event properties: %(columns)s")
                              % {"columns": ", ".join(result.properties_columns)})
        if not result.ok:
            for error in result.errors:
                if error["field"]:
                    line = _("row %(row)d, field %(field)s: %(message)s") % error
                else:
                    line = _("row %(row)d: %(message)s") % error
                self.stderr.write(line)
            hidden = result.error_count - len(result.errors)
            if hidden:
                self.stderr.write(_("... and %(count)d more errors") % {"count": hidden})
            raise CommandError(_("load rejected: %(count)d errors in %(source)s; nothing was written")
                               % {"count": result.error_count, "source": result.source})
        span = ""
        if result.first_timestamp and result.last_timestamp:
            span = _(" from %(first)s to %(last)s") % {"first": result.first_timestamp.date().isoformat(),
                                                       "last": result.last_timestamp.date().isoformat()}
        values = {"rows": result.rows, "source": result.source, "loaded": result.loaded,
                  "duplicates": result.duplicates, "present": result.already_in_lake, "span": span}
        if result.dry_run:
            self.stdout.write(_("dry run: %(source)s is valid: %(rows)d rows, %(duplicates)d repeated message ids"
                                "%(span)s; nothing was written") % values)
        else:
            self.stdout.write(_("loaded %(loaded)d events from %(source)s (%(rows)d rows, %(duplicates)d repeated "
                                "message ids, %(present)d already in the lake)%(span)s") % values)
