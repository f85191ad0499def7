"""``csops events load``: a one-line summary on success; every error and a non-zero exit otherwise."""

from __future__ import annotations

import gzip
import io
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from django.core.management import call_command
from django.core.management.base import CommandError

from csops.audit.models import AuditEntry
from csops.usage.lake import events_dataset, has_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
FIGHTCHURN = Path("/work/shared/data/fightchurn_sim/event.csv.gz")


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("events", "load", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_loads_a_file_and_prints_a_one_line_summary(settings, tmp_path, dave):
    path = tmp_path / "events.csv"
    path.write_text("event,user_id,timestamp,plan\nlogin,U-1,2026-03-01T00:00:00Z,pro\n"
                    "login,U-2,2026-03-02T00:00:00Z,pro\n")
    out, err = run(str(path), "--actor", "dave@example.com")
    assert out == ("loaded 2 events from events.csv (2 rows, 0 repeated message ids, 0 already in the lake) "
                   "from 2026-03-01 to 2026-03-02\n")
    assert err == "columns stored as event properties: plan\n"
    assert AuditEntry.objects.get(action="events.load").actor == dave


def test_a_dry_run_says_what_it_found_and_writes_nothing(settings, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"event": "a", "userId": "U", "timestamp": "2026-03-01T00:00:00Z"}\n')
    out, _ = run(str(path), "--dry-run")
    assert out.startswith("dry run: events.jsonl is valid: 1 rows") and "nothing was written" in out
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_errors_are_listed_one_per_line_and_the_command_fails(settings, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event,user_id,timestamp\nlogin,U-1,soon\n,U-1,2026-03-01T00:00:00Z\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="load rejected: 2 errors in events.csv; nothing was written"):
        call_command("events", "load", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 2, field timestamp: is not a date and time")
    assert lines[1].startswith("row 3, field event: an event name is required")
    assert not has_events(settings.CSOPS_LAKE_DIR)


@pytest.mark.parametrize(("args", "message"), [
    ((), "give a FILE to load"),
    (("nope.csv",), "no such file"),
    (("x.csv", "--from-sql", "sqlite://"), "either FILE or --from-sql"),
    (("--from-sql", "sqlite://"), "--from-sql needs --table"),
    (("x.csv", "--map", "a=b"), "not a lake field"),
    (("x.csv", "--actor", "nobody@example.com"), "no active user"),
])
def test_wrong_arguments_are_refused_with_a_reason(args, message, db):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_it_loads_a_sql_table(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pages (anonymous_id TEXT, type TEXT, ts TEXT, path TEXT)"))
        conn.execute(sa.text("INSERT INTO pages VALUES ('a-1', 'page', '2026-03-01 09:00:00', '/pricing')"))
    out, _ = run("--from-sql", url, "--table", "pages", "--map", "ts=timestamp", "--timezone", "Asia/Tokyo")
    assert out.startswith("loaded 1 events from sqlite:///")
    (event,) = events_dataset(settings.CSOPS_LAKE_DIR).to_table().to_pylist()
    assert (event["type"], event["anonymous_id"], event["timestamp"].hour) == ("page", "a-1", 0)


def test_csops_events_load_runs_as_a_console_command(settings, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event,user_id,timestamp\nlogin,U-1,2026-03-01T00:00:00Z\n")
    env = {"CSOPS_LAKE_DIR": str(settings.CSOPS_LAKE_DIR), "CSOPS_LANGUAGE": "en",
           "PATH": "/usr/bin:/bin", "CSOPS_VAR_DIR": str(tmp_path / "var")}
    migrate = subprocess.run([sys.executable, "-m", "csops.cli", "migrate", "-v", "0"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    done = subprocess.run([sys.executable, "-m", "csops.cli", "events", "load", str(path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("loaded 1 events")
    failed = subprocess.run([sys.executable, "-m", "csops.cli", "events", "load", str(path), "--map", "x"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "COLUMN=FIELD" in failed.stderr


@pytest.mark.skipif(not FIGHTCHURN.exists(), reason="the fightchurn simulation data is not here")
def test_the_fightchurn_simulation_loads_with_one_mapping(settings, tmp_path):
    # The first 20,000 of its 1.7M events (account_id, event_time, event_type_id), gzipped as shipped.
    with gzip.open(FIGHTCHURN, "rt") as source:
        head = "".join(itertools.islice(source, 20_001))
    path = tmp_path / "event.csv.gz"
    path.write_bytes(gzip.compress(head.encode()))
    out, _ = run(str(path), "--map", "event_type_id=event")
    assert out.startswith("loaded 20000 events from event.csv.gz (20000 rows")
    table = events_dataset(settings.CSOPS_LAKE_DIR).to_table()
    assert table.num_rows == 20_000
    assert set(table.column("event").to_pylist()) <= {str(i) for i in range(8)}
    assert table.column("user_id").null_count == 20_000
    out, _ = run(str(path), "--map", "event_type_id=event")
    assert "loaded 0 events" in out and "20000 already in the lake" in out
