"""How fast is ``csops import accounts``, and what bounds it?

    .venv/bin/python benchmarks/import_accounts.py [--rows 100000] [--database-url URL] [--keep]

Generates an accounts CSV of N rows (our own columns plus two traits), then on a fresh database:

1. validate: ``run_import(dry_run=True)``: decode, parse, one existing-id query per 1,000 rows;
2. create: a real import of the same file (validation pass + write pass, all new rows);
3. update: the same file again (every row an update, bulk_update);
4. peak memory: a validation pass again under tracemalloc (Python heap), and the process' max RSS.

It prints rows/s per phase and the share of each write phase spent inside the database
(timed with a connection execute wrapper), which says whether Python parsing or the database
bounds the import. Default database: a temporary SQLite file (never ./var); pass a
PostgreSQL URL with --database-url to measure production.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HEADER = "external_id,name,industry,employees,country,website,owner_email,segment,traits.plan_tier,traits.region\r\n"
SEGMENTS = ("enterprise", "mid_market", "smb")


def generate(rows: int) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        lines.append(
            f"ACC-{i:07d},\"Account {i}, K.K.\",Logistics,{10 + i % 5000},JP,https://a{i}.example,,"
            f"{SEGMENTS[i % 3]},tier-{i % 4},関東\r\n"
        )
    return "".join(lines).encode()


class DbTimer:
    """Accumulate the wall time spent inside the database driver."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="csops-bench-"))
    os.environ["CSOPS_DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("CSOPS_VAR_DIR", str(tmp))
    os.environ.setdefault("CSOPS_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "csops.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from csops.customers.importers import run_import
    from csops.customers.models import Account

    call_command("migrate", verbosity=0)
    if args.database_url:
        Account.objects.filter(external_id__startswith="ACC-").delete()

    t0 = time.perf_counter()
    data = generate(args.rows)
    print(f"generated {args.rows:,} rows, {len(data) / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s "
          f"({connection.vendor})")

    def timed(dry_run: bool) -> tuple[float, float, float, DbTimer]:
        """(total s, validate s, write s, db timer) of one import."""
        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "validate":  # the last call marks the end of the validation pass
                marks["validated"] = time.perf_counter()

        timer = DbTimer()
        start = time.perf_counter()
        with connection.execute_wrapper(timer):
            result = run_import("accounts", data, dry_run=dry_run, filename="bench.csv", progress=progress)
        end = time.perf_counter()
        assert result.ok, result.errors[:5]
        validated = marks.get("validated", end)
        return end - start, validated - start, end - validated, timer

    def rate(seconds: float) -> str:
        return f"{args.rows / seconds:>9,.0f} rows/s ({seconds:6.2f} s)"

    total, validate, _, timer = timed(dry_run=True)
    print(f"validate (dry run)          {rate(validate)}  db {timer.seconds / total:4.0%} of it, "
          f"{timer.queries} queries")
    total, validate, write, timer = timed(dry_run=False)
    print(f"import, all new: validate   {rate(validate)}")
    print(f"                 write      {rate(write)}  db {timer.seconds / total:4.0%} of the whole import")
    print(f"                 end to end {rate(total)}")
    db_share = timer.seconds / total
    total, validate, write, timer = timed(dry_run=False)
    print(f"import, all updates: write  {rate(write)}  db {timer.seconds / total:4.0%} of the whole import")
    print(f"                 end to end {rate(total)}")
    db_share = max(db_share, timer.seconds / total)
    if db_share < 0.4:
        print(f"bound by: Python (CSV parsing twice, cell parsers, model instances, value adaptation); the database "
              f"takes at most {db_share:.0%} of an import")
    else:
        print(f"bound by: the database ({db_share:.0%} of an import: one INSERT/UPDATE per row, pipelined) and "
              f"Python for the rest")
    assert Account.objects.filter(external_id__startswith="ACC-").count() == args.rows

    tracemalloc.start()
    run_import("accounts", data, dry_run=True, filename="bench.csv")
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"peak memory: {heap_peak / 1e6:.1f} MB allocated by a validation pass (tracemalloc; mostly the set of "
          f"external ids seen, to find duplicates); process max RSS {rss:.0f} MB, which includes Django and "
          f"this script's {len(data) / 1e6:.1f} MB copy of the CSV")
    if args.database_url:
        Account.objects.filter(external_id__startswith="ACC-").delete()
    connection.close()
    if args.keep and not args.database_url:
        print(f"database kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
