"""Server time of the account list, the account page and the dashboard at 10k accounts, over loopback.

    .venv/bin/python benchmarks/web.py [--accounts 10000] [--months 12] [--runs 40] [--health] [--data-dir DIR]

Builds a SQLite database with the demo company (``csops demo load --accounts N --months 12
--no-events``: contracts, contacts, a year of timeline and the sales handoffs; with --health also
``csops health seed-demo``: scorecards and half a year of health snapshots), or reuses the one in
``--data-dir`` if it is there. Then starts the server as deployed (``csops serve --no-worker``:
waitress, ``CSOPS_DEBUG=0``, whitenoise) on a free loopback port, signs in over HTTP like a
browser, and times GET requests on one keep-alive connection, one at a time: the time from
sending the request to the last byte of the answer. Over loopback that is the server's time plus
a fraction of a millisecond. Prints p50/p95/max per page and what the time was spent on.

The dashboard is measured twice: "built" asks for a filter combination not seen before (the
figures are computed: the cost after any data change), "cached" repeats one (the figures come from
the cache, keyed by a stamp of the data, so only the stamp queries and the rendering remain).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "bench-Passw0rd-web"  # noqa: S105 - a throw-away login in a throw-away database


def _env(data_dir: Path) -> dict[str, str]:
    return dict(
        os.environ, CSOPS_VAR_DIR=str(data_dir), CSOPS_DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite3",
        CSOPS_DEBUG="0", CSOPS_DEMO_PASSWORD=PASSWORD, CSOPS_LAKE_DIR=str(data_dir / "lake"),
    )


def _csops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "-m", "csops.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"csops {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def _build(data_dir: Path, accounts: int, months: int, health: bool) -> None:
    env = _env(data_dir)
    if (data_dir / "bench.sqlite3").exists():
        print(f"reusing {data_dir}/bench.sqlite3")
    else:
        t0 = time.perf_counter()
        _csops(env, "migrate", "--noinput", "-v", "0")
        print(_csops(env, "demo", "load", "--accounts", str(accounts), "--months", str(months), "--no-events",
                     "--today", time.strftime("%Y-%m-%d")))
        if health:
            # Default scorecards and half a year of daily snapshots (about 8 minutes at 10k accounts).
            print(_csops(env, "health", "seed-demo"))
        print(f"built in {time.perf_counter() - t0:.0f}s")
    _csops(env, "migrate", "--noinput", "-v", "0")
    _csops(env, "demo", "setup")  # the demo logins, with CSOPS_DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One keep-alive connection with a cookie jar: enough to sign in and fetch pages."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Encoding": "gzip"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, elapsed

    def login(self, email: str) -> None:
        status, page, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email, "password": PASSWORD})
        status, _, _ = self.request("POST", "/login/", body)
        if status != 302:
            sys.exit(f"login failed: {status}")


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _time(browser: Browser, paths: list[str], warmup: list[str]) -> list[float]:
    for path in warmup:  # the first requests of a kind fill caches: templates, translations, SQLite pages
        browser.request("GET", path)
    times = []
    for path in paths:
        status, _, ms = browser.request("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        times.append(ms)
    return times


def _time_with_panels(browser: Browser, paths: list[str], panels: dict[str, list[float]]) -> list[float]:
    """The page plus the panels it loads with htmx right after (hx-trigger="load"), one after another.

    ``panels`` collects each panel's own times, keyed by its URL with the account id taken out.
    """
    times = []
    for path in paths:
        status, page, ms = browser.request("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        for tag in re.findall(rb"<[^>]*hx-trigger=\"load\"[^>]*>", page):
            match = re.search(rb'hx-get="([^"]+)"', tag)
            if match:
                url = match.group(1).decode().replace("&amp;", "&")
                status, _, extra = browser.request("GET", url)
                ms += extra
                panels.setdefault(re.sub(r"/\d+/", "/<id>/", url), []).append(extra)
        times.append(ms)
    return times


def _sample_accounts(env: dict[str, str], n: int, seed: int) -> tuple[list[int], int]:
    """``n`` random account ids and the id of the account with the longest timeline."""
    code = (
        "from django.db.models import Count\n"
        "from csops.customers.models import Account\n"
        "ids = list(Account.objects.values_list('pk', flat=True))\n"
        "top = Account.objects.annotate(n=Count('activities')).order_by('-n').values_list('pk', 'n')[0]\n"
        "print(' '.join(map(str, ids))); print(top[0], top[1])\n"
    )
    out = _csops(env, "shell", "-v", "0", "-c", code).splitlines()
    ids = [int(x) for x in out[0].split()]
    top, activities = (int(x) for x in out[1].split())
    print(f"longest timeline: account {top} with {activities} activities")
    return random.Random(seed).sample(ids, min(n, len(ids))), top


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="build here, or reuse the database already here")
    parser.add_argument("--health", action="store_true", help="also seed health scores (csops health seed-demo)")
    args = parser.parse_args(argv)

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="csops-bench-web-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        _build(data_dir, args.accounts, args.months, args.health)
        env = _env(data_dir)
        sample, longest = _sample_accounts(env, args.runs, args.seed)
        port = _free_port()
        server = subprocess.Popen(
            [PYTHON, "-m", "csops.cli", "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        browser = Browser(port)
        browser.login("csops@demo.csops.example")

        owners = _csops(env, "shell", "-v", "0", "-c", (
            "from csops.users.models import User\n"
            "print(' '.join(str(p) for p in User.objects.filter(role__in=('csm','cs_ops','admin'))"
            ".values_list('pk', flat=True)))"
        )).split()
        combos = [
            f"/dashboard/?product={p}&segment={s}&owner={o}"
            for o in ["", "none", *owners] for s in ["", "enterprise", "mid_market", "smb"]
            for p in ["", "delivery", "analytics"]
        ]
        random.Random(args.seed).shuffle(combos)
        runs = args.runs
        cases = [
            ("account list, first page", ["/"] * runs),
            ("account list, by ARR, page 20", ["/?sort=-arr&page=20"] * runs),
            ("account list, segment + renewal 90 d", ["/?segment=mid_market&renewal=90&sort=renewal"] * runs),
            ("account page, random accounts", [f"/accounts/{pk}/" for pk in sample]),
            ("account page, longest timeline", [f"/accounts/{longest}/"] * runs),
            ("dashboard, built (new filters)", combos[3:3 + runs]),
            ("dashboard, cached", ["/dashboard/"] * runs),
            ("search", ["/search/?q=" + urllib.parse.quote(q) for q in ("株式会社", "sato", "請求", "tanaka")]
             * (runs // 4)),
        ]
        print(f"\n{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>4}")
        print("-" * 76)
        for label, paths in cases:
            times = _time(browser, paths, combos[:3] if label.startswith("dashboard, built") else paths[:3])
            print(f"{label:44} {statistics.median(times):8.1f} {_p(times, 95):8.1f} {max(times):8.1f} {len(times):4d}")
        panels: dict[str, list[float]] = {}
        times = _time_with_panels(browser, [f"/accounts/{pk}/" for pk in sample], panels)
        label = "account page + its htmx panels, in sequence"
        print(f"{label:44} {statistics.median(times):8.1f} {_p(times, 95):8.1f} {max(times):8.1f} {len(times):4d}")
        for url, panel_times in sorted(panels.items()):
            label = f"  panel {url}"[:44]
            print(f"{label:44} {statistics.median(panel_times):8.1f} {_p(panel_times, 95):8.1f} "
                  f"{max(panel_times):8.1f} {len(panel_times):4d}")
        print(f"\n{args.accounts:,} accounts, SQLite, csops serve --no-worker (waitress, 8 threads) on loopback; "
              f"one request at a time; load average {os.getloadavg()[0]:.1f}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
