"""Synthetic churn tables built by code: a planted signal, pure noise, a time column."""

from __future__ import annotations

import numpy as np
import pandas as pd


def churn_table(n: int = 1200, *, signal: float = 1.5, seed: int = 0, months: int = 12) -> pd.DataFrame:
    """One row per account-month. ``logins`` lowers churn and ``tickets`` raises it by ``signal`` per s.d.;
    ``noise`` and ``region`` carry nothing. signal=0 gives pure noise."""
    rng = np.random.default_rng(seed)
    logins = rng.gamma(2.0, 10.0, n)
    tickets = rng.poisson(2.0, n).astype(float)
    noise = rng.normal(size=n)
    region = rng.choice(["east", "west", "north"], n)
    z_logins = (np.log1p(logins) - np.log1p(logins).mean()) / np.log1p(logins).std()
    z_tickets = (tickets - tickets.mean()) / tickets.std()
    logit = -2.0 + signal * (-z_logins + 0.7 * z_tickets)
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    month = pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, months, n) * 30, unit="D")
    return pd.DataFrame({
        "account": [f"A{i}" for i in range(n)], "month": month, "logins": logins, "tickets": tickets,
        "noise": noise, "region": region, "churned": churn,
    })
