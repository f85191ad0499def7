"""Health-score history with known outcomes, built by code (no lake, no scoring engine needed).

Each account has a latent health; its usage measures follow it, its ticket measure is noise,
and accounts with low health churn (their contract ends) with higher probability."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from csops.customers.models import Account, Contract, Product
from csops.health.models import HealthScore, Scorecard
from csops.health.services import do_save_scorecard

TODAY = dt.date(2026, 11, 1)


def scorecard_document(product_code: str = "delivery", key: str = "test-card") -> dict:
    def measure(key: str, type_: str, weight: int, **params: object) -> dict:
        return {"key": key, "name": {"en": key, "ja": key}, "type": type_, "window": 30, "params": params,
                "normalise": {"method": "percentile"}, "direction": "higher_better", "weight": weight}

    return {
        "key": key, "name": "Test card", "product": product_code, "segment": "", "active": True,
        "grades": {"red_below": 40, "green_from": 70},
        "groups": [
            {"key": "usage", "name": {"en": "Usage", "ja": "利用"}, "weight": 30,
             "measures": [measure("docs", "events", 50, event="document_sent"),
                          measure("active", "active_days", 50)]},
            {"key": "support", "name": {"en": "Support", "ja": "サポート"}, "weight": 70,
             "measures": [measure("tickets", "tickets", 100)]},
        ],
    }


def build_history(product: Product, *, accounts: int = 160, weeks: int = 26, signal: float = 2.0,
                  seed: int = 0, today: dt.date = TODAY, tickets_follow: float = 0.0) -> Scorecard:
    """``tickets_follow`` < 0 makes the ticket measure's score fall as health rises: a measure set up
    the wrong way round (more tickets scored as healthier)."""
    rng = np.random.default_rng(seed)
    card = do_save_scorecard(scorecard_document(product.code), actor=None)
    first = today - dt.timedelta(weeks=weeks)
    health = rng.normal(size=accounts)
    scores = []
    for i in range(accounts):
        account = Account.objects.create(external_id=f"H-{seed}-{i}", name=f"Account {i}",
                                         segment=["enterprise", "mid_market", "smb"][i % 3])
        start = first - dt.timedelta(days=int(rng.integers(30, 700)))
        # Weekly hazard from latent health: low health churns much more often.
        weekly = 1 / (1 + np.exp(-(-4.5 - signal * health[i])))
        churn_week = next((w for w in range(weeks) if rng.random() < weekly), None)
        end = first + dt.timedelta(weeks=churn_week, days=3) if churn_week is not None else None
        Contract.objects.create(
            external_id=f"HC-{seed}-{i}", account=account, product=product, plan="Business", seats=10,
            mrr=Decimal(int(rng.integers(5, 50)) * 10000), start_date=start,
            renewal_date=None if end else dt.date(today.year + 1, start.month, min(start.day, 28)),
            end_date=end, status="churned" if end else "active",
        )
        for w in range(weeks):
            day = first + dt.timedelta(weeks=w)
            if end is not None and day >= end:
                break
            docs = float(np.clip(50 + 18 * health[i] + rng.normal(0, 8), 0, 100))
            active = float(np.clip(50 + 15 * health[i] + rng.normal(0, 10), 0, 100))
            tickets = (float(np.clip(50 + tickets_follow * health[i] + rng.normal(0, 10), 0, 100)) if tickets_follow
                       else float(rng.uniform(0, 100)))
            score = 0.15 * docs + 0.15 * active + 0.7 * tickets
            grade = "red" if score < 40 else "green" if score >= 70 else "yellow"
            scores.append(HealthScore(
                account=account, scorecard=card, day=day, scorecard_version=card.version, score=score,
                grade=grade, breakdown={
                    "docs": {"group": "usage", "raw": docs, "score": docs, "weight": 15, "contribution": 0.15 * docs},
                    "active": {"group": "usage", "raw": active, "score": active, "weight": 15,
                               "contribution": 0.15 * active},
                    "tickets": {"group": "support", "raw": tickets, "score": tickets, "weight": 70,
                                "contribution": 0.7 * tickets},
                }))
    HealthScore.objects.bulk_create(scores, batch_size=1000)
    return card
