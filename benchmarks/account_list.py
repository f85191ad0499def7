"""Time the account list at 10k accounts, through the whole Django stack.

    .venv/bin/python benchmarks/account_list.py [--accounts 10000] [--runs 30]

Builds a throw-away SQLite database in a temporary directory (CSOPS_VAR_DIR is set before
Django starts, so nothing touches ./var), fills it with bulk_create, then requests the
account list through Django's test client (middleware, session, view, template) for several
filters and sorts, a first page and a deep page. Prints p50/p95 per case, the time spent
inside SQL, and the baseline of a bare ``Account.objects.count()`` for a ratio.

"SQL" is the time inside ``cursor.execute`` (an execute_wrapper). With SQLite that holds the
scan and the sort (the first row needs them); fetching the page's 50 rows happens after it
and is counted as "our code", which slightly flatters SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_django(var_dir: str) -> None:
    os.environ["CSOPS_VAR_DIR"] = var_dir
    os.environ["CSOPS_DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    os.environ["CSOPS_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "csops.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(n_accounts: int, seed: int) -> Any:
    from django.db import transaction

    from csops.customers.models import Account, Contact, LifecycleStage, Segment
    from csops.users.models import Role, User

    rng = random.Random(seed)
    with transaction.atomic():
        csms = [
            User.objects.create_user(f"csm{i}@example.com", None, role=Role.CSM, name=f"CSM {i:02d}")
            for i in range(12)
        ]
        today = dt.date.today()
        accounts = [
            Account(
                external_id=f"SF-{i:06d}",
                name=f"{rng.choice(['株式会社', 'Acme ', 'Globex ', 'Initech ', '合同会社'])}{i:06d}",
                owner=rng.choice(csms) if rng.random() > 0.1 else None,
                segment=rng.choice(Segment.values),
                lifecycle_stage=rng.choice(LifecycleStage.values),
                arr=Decimal(rng.randrange(0, 50_000_000, 1000)),
                currency="JPY",
                next_renewal_date=today + dt.timedelta(days=rng.randrange(-30, 400)) if rng.random() > 0.05 else None,
            )
            for i in range(n_accounts)
        ]
        Account.objects.bulk_create(accounts, batch_size=1000)
        ids = list(Account.objects.values_list("pk", flat=True))
        Contact.objects.bulk_create(
            (
                Contact(account_id=pk, name=f"Contact {pk}-{j}", email=f"c{pk}-{j}@example.com",
                        role=rng.choice(["promoter", "operator", "user", "decision_maker"]),
                        is_active=rng.random() > 0.1)
                for pk in ids
                for j in range(3)
            ),
            batch_size=2000,
        )
    return csms[0]


@contextmanager
def _sql_timer(box: list[float]):  # type: ignore[no-untyped-def]
    from django.db import connection

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            box.append(time.perf_counter() - start)

    with connection.execute_wrapper(wrapper):
        yield


def _time(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float], int]:
    """Wall times and SQL times (ms) per run, and the number of queries of one run."""
    for _ in range(3):  # warm caches: SQLite pages, template loader, translations
        fn()
    walls, sqls, queries = [], [], 0
    for _ in range(runs):
        box: list[float] = []
        with _sql_timer(box):
            start = time.perf_counter()
            fn()
            walls.append((time.perf_counter() - start) * 1000)
        sqls.append(sum(box) * 1000)
        queries = len(box)
    return walls, sqls, queries


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="csops-bench-")
    try:
        _setup_django(var_dir)
        from django.db import connection
        from django.test import Client

        from csops.customers.models import Account

        t0 = time.perf_counter()
        me = _build(args.accounts, args.seed)
        print(f"built {Account.objects.count():,} accounts and their contacts in {time.perf_counter() - t0:.1f}s "
              f"(SQLite {connection.Database.sqlite_version}, {var_dir})")

        client = Client()
        client.force_login(me)
        deep = args.accounts // 50 // 2 or 1
        cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
            ("first page, sort by name", {}, {}),
            ("sort by ARR desc", {"sort": "-arr"}, {}),
            ("sort by renewal", {"sort": "renewal"}, {}),
            ("sort by owner desc", {"sort": "-owner"}, {}),
            ("search 'Acme 00'", {"q": "Acme 00"}, {}),
            ("owner = mine", {"owner": "mine"}, {}),
            ("unassigned", {"owner": "none"}, {}),
            ("segment + stage", {"segment": "enterprise", "stage": "adoption"}, {}),
            ("renewal in 90 days, by renewal", {"renewal": "90", "sort": "renewal"}, {}),
            (f"deep page {deep}, by name", {"page": str(deep)}, {}),
            (f"deep page {deep}, by ARR desc", {"page": str(deep), "sort": "-arr"}, {}),
            ("htmx partial, by ARR desc", {"sort": "-arr"}, {"HTTP_HX_REQUEST": "true"}),
        ]

        base_walls, _, _ = _time(lambda: Account.objects.count(), args.runs)
        base = statistics.median(base_walls)
        print(f"\nbaseline Account.objects.count(): p50 {base:.2f} ms, p95 {_p95(base_walls):.2f} ms\n")
        header = f"{'case':34} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL %':>6} {'queries':>7} {'x count':>8}"
        print(header)
        print("-" * len(header))
        sql_share = []
        for label, params, headers in cases:
            def request(params: dict[str, str] = params, headers: dict[str, str] = headers) -> None:
                response = client.get("/", params, **headers)
                assert response.status_code == 200, response.status_code

            walls, sqls, queries = _time(request, args.runs)
            p50, sql50 = statistics.median(walls), statistics.median(sqls)
            sql_share.append(sql50 / p50)
            print(f"{label:34} {p50:8.1f} {_p95(walls):8.1f} {sql50:8.1f} {100 * sql50 / p50:5.0f}% "
                  f"{queries:7d} {p50 / base:7.0f}x")

        share = statistics.median(sql_share)
        bound = "SQLite (the queries)" if share >= 0.5 else "our code (Python: middleware, view, template rendering)"
        print(f"\nbounded by: {bound}; SQL is {100 * share:.0f}% of a request at the median "
              f"({args.accounts:,} accounts, {args.runs} runs per case).")
    finally:
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
