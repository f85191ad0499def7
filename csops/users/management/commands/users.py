from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.users.models import Role, User
from csops.users.services import do_create_user, do_set_role


class Command(BaseCommand):
    help = "Create and list csops users. Example: csops users create ana@example.com --role csm"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("email")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--name", default="")
        create.add_argument("--language", default="ja", choices=["ja", "en"])
        create.add_argument(
            "--password-env", default="CSOPS_USER_PASSWORD",
            help="read the password from this environment variable (default CSOPS_USER_PASSWORD); "
            "without it the user has no password until `csops changepassword EMAIL`",
        )
        role = sub.add_parser("set-role", help="change a user's role")
        role.add_argument("email")
        role.add_argument("role", choices=Role.values)
        sub.add_parser("list", help="list users")

    def handle(self, *args: Any, **opts: Any) -> str | None:
        action = opts["action"]
        if action == "create":
            password = os.environ.get(opts["password_env"]) or None
            try:
                user = do_create_user(
                    opts["email"], role=opts["role"], name=opts["name"], password=password, language=opts["language"]
                )
            except (ValueError, ValidationError) as exc:
                raise CommandError(str(exc)) from None
            hint = "" if password else " (no password yet: run `csops changepassword EMAIL`)"
            return f"created {user.email} as {user.role}{hint}"
        if action == "set-role":
            user = User.objects.filter(email=opts["email"].lower()).first()
            if user is None:
                raise CommandError(f"no user {opts['email']}")
            do_set_role(user, opts["role"], actor=None)
            return f"{user.email} is now {user.role}"
        for user in User.objects.order_by("email"):
            self.stdout.write(f"{user.email}\t{user.role}\t{'active' if user.is_active else 'inactive'}\t{user.name}")
        return None
