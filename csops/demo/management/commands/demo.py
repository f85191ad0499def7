"""``csops demo load`` fills an empty install with the demo company; ``csops demo setup`` is what
``make run`` calls after ``migrate``: load the demo when there are no accounts, then (re)set the
demo logins. See docs/demo.md."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from csops.customers.models import Account
from csops.demo.generate import DEFAULT_ACCOUNTS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_TODAY, DemoConfig
from csops.demo.load import (
    DEBUG_PASSWORD,
    LoadResult,
    NotEmptyError,
    demo_password,
    ensure_demo_logins,
    load_demo,
    loaded_demo_today,
)

# What `demo setup` loads into an install without accounts: the documented defaults, except that its
# "today" is the real date (in the company's time zone), so that `make run` shows a live company whose
# usage runs up to yesterday, rather than one that fell silent on the fixed date `demo load` uses.
SETUP_CONFIG = DemoConfig()
# How old a loaded demo may grow before `demo setup` says how to refresh it.
STALE_AFTER_DAYS = 7


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


class Command(BaseCommand):
    help = "The demo company: `demo load` generates and loads it, `demo setup` prepares a fresh install."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{load,setup}")
        load = sub.add_parser("load", help="generate the demo company into an empty database and event lake")
        load.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        load.add_argument("--accounts", type=_positive, default=DEFAULT_ACCOUNTS,
                          help=f"number of customer accounts (default {DEFAULT_ACCOUNTS})")
        load.add_argument("--months", type=_positive, default=DEFAULT_MONTHS,
                          help=f"months of history before --today (default {DEFAULT_MONTHS})")
        load.add_argument("--today", type=_date, default=DEFAULT_TODAY,
                          help=f"the demo's reference date, fixed for determinism (default {DEFAULT_TODAY})")
        load.add_argument("--no-events", action="store_true", help="skip the product-usage events")
        load.add_argument("--force", action="store_true",
                          help="first delete all accounts (and their records) and the lake's events")
        setup = sub.add_parser("setup", help="load the demo if there are no accounts, then set the demo logins")
        setup.add_argument("--today", type=_date, default=None,
                           help="the loaded demo's reference date (default: today's date in CSOPS_TIME_ZONE)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options)
        else:
            self._setup(options["today"] or timezone.localdate())

    def _load(self, options: dict[str, Any]) -> None:
        try:
            config = DemoConfig(
                seed=options["seed"], accounts=options["accounts"], months=options["months"], today=options["today"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            result = self._run_load(config, events=not options["no_events"], force=options["force"])
        except NotEmptyError as exc:
            raise CommandError(f"{exc}; use --force to delete it and load the demo") from None
        self.stdout.write(result.summary())

    def _run_load(self, config: DemoConfig, *, events: bool, force: bool) -> LoadResult:
        lake = settings.CSOPS_LAKE_DIR
        if not (events and self.stdout.isatty()):
            return load_demo(config, lake_dir=lake, events=events, force=force)
        with Progress(TextColumn("demo events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as progress:
            task = progress.add_task("months", total=config.calendar_months)
            return load_demo(config, lake_dir=lake, events=events, force=force,
                             on_month=lambda _: progress.advance(task))

    def _setup(self, today: dt.date) -> None:
        try:
            password = demo_password(debug=settings.DEBUG, configured=settings.CSOPS_DEMO_PASSWORD)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("CSOPS_DEMO_PASSWORD is too weak: " + " ".join(exc.messages)) from None
        if Account.objects.exists():
            self.stdout.write("demo setup: accounts exist, not loading the demo company")
            loaded = loaded_demo_today()
            if loaded is not None and (today - loaded).days > STALE_AFTER_DAYS:
                self.stdout.write(f"demo setup: the demo company is as of {loaded.isoformat()}, so its recent usage "
                                  f"looks silent; to reload it as of today, stop csops, delete {settings.VAR_DIR} "
                                  "(the demo's database and event lake) and run `make run` again")
        else:
            try:
                result = self._run_load(dataclasses.replace(SETUP_CONFIG, today=today), events=True, force=False)
            except NotEmptyError as exc:
                raise CommandError(f"{exc}; run `csops demo load --force` to replace it with the demo") from None
            self.stdout.write(result.summary())
        users = ensure_demo_logins(password)
        shown = "password from CSOPS_DEMO_PASSWORD" if password != DEBUG_PASSWORD else f"password {DEBUG_PASSWORD}"
        self.stdout.write(f"demo logins ({shown}): " + ", ".join(f"{u.email} ({u.role})" for u in users))
