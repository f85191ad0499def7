"""Time and memory of training the churn risk model and of one day's scoring.

    .venv/bin/python benchmarks/insights.py [--accounts 10000] [--days 365] [--every 1] [--horizon 90]

Builds a throw-away SQLite database in a temporary directory (CSOPS_VAR_DIR is set before Django
starts, so nothing touches ./var): one scorecard of 8 measures, ``--accounts`` accounts with a
contract each, and a health snapshot per account every ``--every`` days for ``--days`` days,
written with bulk_create. About 10 % of the accounts churn during the year, more often when their
latent health is low. Then it times ``risk.train`` (reading the snapshots, the held-out
evaluation of three models, the final fit) and ``risk.score_day`` for the last day (10k
probabilities with their top drivers, written to the database), with the peak memory of the
process (VmHWM) after each. Prints one table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MEASURES = ["docs", "active_days", "users", "seats", "change", "tickets", "nps", "touch"]


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


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _document() -> dict:
    def measure(key: str, weight: float) -> dict:
        return {"key": key, "name": {"en": key, "ja": key}, "type": "events", "window": 30,
                "params": {"event": key}, "normalise": {"method": "percentile"}, "direction": "higher_better",
                "weight": weight}

    return {"key": "bench", "name": "Bench", "product": "bench", "segment": "", "active": True,
            "grades": {"red_below": 40, "green_from": 70},
            "groups": [{"key": "usage", "name": {"en": "Usage", "ja": "利用"}, "weight": 60,
                        "measures": [measure(k, 20) for k in MEASURES[:5]]},
                       {"key": "support", "name": {"en": "Support", "ja": "サポート"}, "weight": 40,
                        "measures": [measure(k, w) for k, w in zip(MEASURES[5:], (40, 30, 30), strict=True)]}]}


def _build(n: int, days: int, every: int, today: dt.date, seed: int) -> tuple[int, float]:
    from django.db import transaction

    from csops.customers.models import Account, Contract, Product
    from csops.health.models import HealthScore
    from csops.health.services import do_save_scorecard

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    product = Product.objects.create(code="bench", name="Bench")
    card = do_save_scorecard(_document(), actor=None)
    first = today - dt.timedelta(days=days - 1)
    health = rng.normal(size=n)
    churn_day = np.where(rng.random(n) < 1 / (1 + np.exp(2.5 + 1.5 * health)),
                         rng.integers(30, days + 200, n), 10**6)
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            [Account(external_id=f"B-{i}", name=f"Bench {i}", segment=("enterprise", "mid_market", "smb")[i % 3])
             for i in range(n)], batch_size=2000)
        contracts = []
        for i, a in enumerate(accounts):
            start = first - dt.timedelta(days=int(rng.integers(0, 700)))
            end = first + dt.timedelta(days=int(churn_day[i])) if churn_day[i] < days else None
            contracts.append(Contract(external_id=f"BC-{i}", account=a, product=product, mrr=Decimal(50000),
                                      start_date=start, end_date=end, status="churned" if end else "active"))
        Contract.objects.bulk_create(contracts, batch_size=2000)
    rows = 0
    for d in range(0, days, every):
        day = first + dt.timedelta(days=d)
        alive = np.flatnonzero(churn_day > d)
        noise = rng.normal(0, 10, (len(alive), len(MEASURES)))
        values = np.clip(50 + 15 * health[alive, None] * np.array([1, 1, .8, .6, .3, .2, .5, 0]) + noise, 0, 100)
        scores = values @ np.array([.12, .12, .12, .12, .12, .16, .12, .12])
        batch = []
        for j, i in enumerate(alive):
            breakdown = {k: {"group": "usage" if m < 5 else "support", "raw": float(values[j, m]),
                             "score": round(float(values[j, m]), 2), "weight": 12.0, "contribution": 0.0}
                         for m, k in enumerate(MEASURES)}
            batch.append(HealthScore(account_id=accounts[i].pk, scorecard=card, day=day, scorecard_version=1,
                                     score=float(scores[j]), grade="yellow", breakdown=breakdown,
                                     trend_7=float(rng.normal(0, 3)), trend_30=float(rng.normal(0, 6))))
        with transaction.atomic():
            HealthScore.objects.bulk_create(batch, batch_size=5000)
        rows += len(batch)
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--every", type=int, default=1, help="a snapshot every N days (1 = daily)")
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="csops-bench-insights-")
    try:
        _setup_django(var_dir)
        from csops.insights import risk

        today = dt.date(2026, 11, 1)
        rows, build_s = _build(args.accounts, args.days, args.every, today, args.seed)
        base_mb = _peak_mb()
        t = time.perf_counter()
        result = risk.train(horizon=args.horizon, today=today)
        train_s = time.perf_counter() - t
        train_mb = _peak_mb()
        if result.model is None:
            raise SystemExit(result.summary())
        t = time.perf_counter()
        scored = risk.score_day(today, model=result.model)
        score_s = time.perf_counter() - t
        print(f"{args.accounts} accounts, {rows} snapshots over {args.days} days (every {args.every}); "
              f"built in {build_s:.0f} s; peak memory before training {base_mb:.0f} MB")
        print("| what | figure |")
        print("| --- | --- |")
        print(f"| training (`risk.train`: read, 2-fold held-out evaluation of 3 models, final fit) | "
              f"{train_s:.1f} s, {result.model.rows} training rows, peak memory {train_mb:.0f} MB |")
        print(f"| held-out AUC | {result.model.metrics['auc']:.3f} ({result.model.model_name}) against "
              f"{result.model.metrics['baseline_auc']:.3f} (baseline) |")
        print(f"| daily scoring (`risk.score_day`: {scored} accounts with top drivers, written) | "
              f"{score_s:.1f} s, peak memory {_peak_mb():.0f} MB |")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
