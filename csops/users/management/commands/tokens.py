from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from csops.audit.services import record
from csops.users.models import ApiToken, User
from csops.users.services import do_issue_token


class Command(BaseCommand):
    help = "Issue, list and revoke API tokens. The token is printed once and stored only as a hash."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a user and print it once")
        create.add_argument("email")
        create.add_argument("--name", default="", help="what the token is for")
        listing = sub.add_parser("list", help="list tokens (hints only)")
        listing.add_argument("email", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its hint (first 12 characters)")
        revoke.add_argument("hint")

    def handle(self, *args: Any, **opts: Any) -> str | None:
        action = opts["action"]
        if action == "create":
            user = User.objects.filter(email=opts["email"].lower(), is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {opts['email']}")
            return do_issue_token(user, name=opts["name"])
        if action == "revoke":
            tokens = ApiToken.objects.filter(hint=opts["hint"], revoked_at__isnull=True)
            count = tokens.count()
            if count != 1:
                raise CommandError(f"{count} live tokens match {opts['hint']!r}; expected exactly one")
            token = tokens.get()
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(None, "token.revoked", token, {"user": token.user.email})
            return f"revoked {token.hint}"
        qs = ApiToken.objects.select_related("user").order_by("created_at")
        if opts.get("email"):
            qs = qs.filter(user__email=opts["email"].lower())
        for t in qs:
            state = "revoked" if t.revoked_at else "live"
            self.stdout.write(f"{t.hint}\t{t.user.email}\t{state}\t{t.name}\t{t.last_used_at or '-'}")
        return None
