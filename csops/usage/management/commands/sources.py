from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.usage.models import Source
from csops.usage.sources import SourceError, do_create_source, do_revoke_source


class Command(BaseCommand):
    help = "Create, list and revoke event sources. A source's write key is printed once and stored only as a hash."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a source and print its write key once")
        create.add_argument("name")
        sub.add_parser("list", help="list sources (key hints only)")
        revoke = sub.add_parser("revoke", help="revoke a source's write key")
        revoke.add_argument("name")

    def handle(self, *args: Any, **opts: Any) -> str | None:
        action = opts["action"]
        if action == "create":
            try:
                _, raw = do_create_source(opts["name"])
            except SourceError as exc:
                raise CommandError(str(exc)) from None
            return raw
        if action == "revoke":
            source = Source.objects.filter(name=opts["name"]).first()
            if source is None:
                raise CommandError(f"no source named {opts['name']!r}")
            if not do_revoke_source(source):
                raise CommandError(f"the write key of {source.name!r} was already revoked")
            return f"revoked {source.name} ({source.hint}…)"
        for source in Source.objects.order_by("name"):
            state = "revoked" if source.revoked_at else "live"
            last = source.last_used_at.isoformat(timespec="seconds") if source.last_used_at else "-"
            self.stdout.write(f"{source.name}\t{source.hint}…\t{state}\t{last}")
        return None
