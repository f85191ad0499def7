"""Screenshots of the main pages for the README, taken from the demo company in a real browser.

    .venv/bin/python tests/browser/screenshots.py [--out docs/screenshots] [--language ja] [--no-events]

Loads the demo (``csops demo load``; with its product-usage events unless --no-events, so the
account page shows its usage panel) into a throw-away database, seeds the other apps' demo content
as ``make run`` does (``csops outreach|health|journey|insights|playbooks seed-demo``), runs the daily pipeline when
asked (--pipeline: health scores and the rest, for the dashboard's health panels), starts
``csops serve --no-worker`` on a free loopback port, signs in as the demo's CS Ops login and saves
dashboard.png, accounts.png, account.png, account-people.png, search.png and insights.png. Drives Debian's
Chromium through Playwright, like the browser tests; nothing is downloaded. Japanese pages need a CJK font
(Debian: fonts-noto-cjk), or their text shows as empty boxes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.ensure_chromium import chromium_path  # noqa: E402

PASSWORD = "screenshots-Passw0rd"  # noqa: S105 - a throw-away login in a throw-away database


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", choices=["ja", "en"], default="ja")
    parser.add_argument("--no-events", action="store_true")
    parser.add_argument("--pipeline", action="store_true", help="run `csops pipeline run` after loading")
    parser.add_argument("--no-seed", action="store_true", help="skip `csops <app> seed-demo` of the other apps")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="csops-shots-"))
    env = dict(os.environ, CSOPS_VAR_DIR=str(tmp), CSOPS_DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3",
               CSOPS_DEBUG="0", CSOPS_DEMO_PASSWORD=PASSWORD, CSOPS_LAKE_DIR=str(tmp / "lake"))

    def csops(*cmd: str) -> str:
        done = subprocess.run([sys.executable, "-m", "csops.cli", *cmd], env=env, cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"csops {' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    server = None
    try:
        csops("migrate", "--noinput", "-v", "0")
        # As of today (Tokyo), as `make run` loads it, so that the pipeline run below scores a live company.
        today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
        print(csops("demo", "load", "--today", today, *(["--no-events"] if args.no_events else [])))
        if not args.no_seed:
            # What `make run` seeds, so the panels of the other apps show content; a seeder that fails
            # (an app still being built) is reported and skipped, the screenshots go on.
            for app in ("outreach", "health", "journey", "insights", "playbooks"):
                done = subprocess.run([sys.executable, "-m", "csops.cli", app, "seed-demo"], env=env, cwd=ROOT,
                                      capture_output=True, text=True)
                tail = (done.stdout or done.stderr).strip().splitlines()[-1:] or [""]
                print(f"{app} seed-demo: {'ok' if done.returncode == 0 else 'FAILED'} {tail[0]}")
        if args.pipeline:
            print(csops("pipeline", "run"))
        csops("demo", "setup")
        account_id = csops("shell", "-v", "0", "-c", (
            "from csops.customers.models import Account\n"
            "qs = Account.objects.filter(segment='enterprise', arr__gt=0).order_by('-arr')\n"
            "print(qs.values_list('pk', flat=True)[2])"
        ))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "csops.cli", "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

        from playwright.sync_api import sync_playwright

        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
            page = browser.new_page(base_url=f"http://127.0.0.1:{port}", viewport={"width": 1440, "height": 900},
                                    locale="ja-JP" if args.language == "ja" else "en-US", timezone_id="Asia/Tokyo")
            page.goto("/login/")
            page.fill("#id_email", "csops@demo.csops.example")
            page.fill("#id_password", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_selector("header .usermenu__me")
            if page.locator("html").get_attribute("lang") != args.language:
                page.locator(f'.langswitch button[value="{args.language}"]').click()
                page.wait_for_load_state()

            page.goto("/dashboard/")
            for chart in ("arr-movement", "retention", "renewals"):
                page.wait_for_selector(f'[data-chart="{chart}"][data-ready="true"]')
            page.screenshot(path=args.out / "dashboard.png", full_page=True)

            page.goto("/?sort=-arr")
            page.screenshot(path=args.out / "accounts.png")

            page.goto(f"/accounts/{account_id}/")
            # Place the key people on the power map through its form, as a CSM would after a meeting
            # (the demo company does not judge influence or sentiment by itself).
            stances = {"decision_maker": ("high", "neutral"), "promoter": ("high", "positive"),
                       "operator": ("medium", "positive")}
            people = [
                (card.get_attribute("data-contact"),
                 (card.locator(".badge").first.get_attribute("class") or "").split("role-")[-1])
                for card in page.locator(".powermap .person").all()
            ]
            for contact, role in people:
                if role not in stances:
                    continue
                if not page.locator(".stance-form").is_visible():
                    page.locator(".stance summary").click()
                form = page.locator(".stance-form")
                form.locator("[name=contact]").select_option(contact)
                form.locator("[name=influence]").select_option(stances[role][0])
                form.locator("[name=sentiment]").select_option(stances[role][1])
                form.locator("button[type=submit]").click()
                page.wait_for_load_state()
            page.goto(f"/accounts/{account_id}/")  # afresh: no message, scrolled to the top
            page.wait_for_load_state("networkidle")
            # The top of the page (header and the apps' panels), then from the contracts down: the power
            # map of contacts beside the timeline (which runs on below).
            page.screenshot(path=args.out / "account.png", full_page=True,
                            clip={"x": 0, "y": 0, "width": 1440, "height": 1800})
            top = page.locator("#contracts-h").bounding_box()["y"] + page.evaluate("window.scrollY") - 40
            page.screenshot(path=args.out / "account-people.png", full_page=True,
                            clip={"x": 0, "y": top, "width": 1440, "height": 1200})

            page.goto("/search/?q=" + ("佐藤" if args.language == "ja" else "sato"))
            page.screenshot(path=args.out / "search.png")

            # Does the health score predict churn, and what the forecast says: the top of the insights page.
            page.goto("/insights/")
            page.screenshot(path=args.out / "insights.png", full_page=True,
                            clip={"x": 0, "y": 0, "width": 1440, "height": 2000})
            browser.close()
        print(f"saved dashboard.png, accounts.png, account.png, account-people.png, search.png and insights.png "
              f"in {args.out}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
