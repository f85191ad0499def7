from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.usage.compact import CompactionBusy, compact
from csops.usage.writer import Ingestor


class Command(BaseCommand):
    help = "Maintain the event lake: compact a day's small files, or replay the write-ahead log of a crash."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compact_parser = sub.add_parser(
            "compact", help="merge each day's files into one, without duplicate message ids (idempotent)"
        )
        compact_parser.add_argument("--date", type=dt.date.fromisoformat, help="only this UTC day (YYYY-MM-DD)")
        sub.add_parser(
            "recover", help="write into the lake the events of write-ahead log segments left by stopped processes"
        )

    def handle(self, *args: Any, **opts: Any) -> str:
        lake_dir = settings.CSOPS_LAKE_DIR
        if opts["action"] == "recover":
            ingestor = Ingestor(lake_dir)
            try:
                stats = ingestor.recover()
            finally:
                ingestor.stop()
            return f"recovered {stats.summary()}"
        try:
            results = compact(lake_dir, day=opts.get("date"))
        except CompactionBusy as exc:
            raise CommandError(str(exc)) from None
        merged = [r for r in results if r.files_before > r.files_after]
        for r in merged:
            self.stdout.write(
                f"{r.day}: {r.files_before} files -> 1, {r.rows_after} events, {r.duplicates} duplicates removed"
            )
        duplicates = sum(r.duplicates for r in merged)
        return (f"compacted {len(merged)} of {len(results)} days: {sum(r.files_before for r in merged)} files"
                f" merged, {duplicates} duplicates removed")
