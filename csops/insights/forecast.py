"""Renewal and revenue forecast (expected ARR, GRR, NRR), LTV from survival curves, and cohorts.

The forecast covers the existing book only (no new business): each live contract renews on its
renewal date (then yearly) with one of four outcomes. The probabilities come from the history of
renewals in the same segment, except that the churn probability of a renewal within the churn
model's horizon is the account's own churn risk. 2,000 simulated years give the intervals.
Month 0 is today: its ARR is the sum of the live contracts, exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from csops.insights import outcomes
from csops.insights.survival import fit_weibull, kaplan_meier

DEFAULT_RATIOS = {"expanded": 1.3, "contracted": 0.75}
PRIOR = 5.0  # pseudo-renewals pulling a small segment's rates toward the company's


@dataclass
class Rates:
    segment: str
    renewals: int
    p: dict[str, float]  # outcome -> probability
    ratio: dict[str, float]  # expanded/contracted -> mean ARR multiplier


def renewal_rates(book: outcomes.Book) -> dict[str, Rates]:
    r = book.renewals
    out: dict[str, Rates] = {}
    if r.empty:
        # No renewal records: churn as the share of contracts that ended, nothing else known.
        c = book.contracts
        churn = float(c["churned"].mean()) if len(c) else 0.0
        p = {"renewed": 1 - churn, "expanded": 0.0, "contracted": 0.0, "churned": churn}
        out[""] = Rates("", 0, p, dict(DEFAULT_RATIOS))
        return out
    overall_counts = r["outcome"].value_counts()
    overall = {o: float(overall_counts.get(o, 0)) / len(r) for o in outcomes.OUTCOMES}
    ratio_all = {}
    for o in ("expanded", "contracted"):
        part = r[(r["outcome"] == o) & (r["mrr_before"] > 0)]
        ratio_all[o] = float((part["mrr_after"] / part["mrr_before"]).mean()) if len(part) else DEFAULT_RATIOS[o]
    out[""] = Rates("", len(r), overall, ratio_all)
    for segment, part in r.groupby("segment"):
        counts = part["outcome"].value_counts()
        p = {o: (float(counts.get(o, 0)) + PRIOR * overall[o]) / (len(part) + PRIOR) for o in outcomes.OUTCOMES}
        ratio = {}
        for o in ("expanded", "contracted"):
            sub = part[(part["outcome"] == o) & (part["mrr_before"] > 0)]
            ratio[o] = float((sub["mrr_after"] / sub["mrr_before"]).mean()) if len(sub) else ratio_all[o]
        out[str(segment)] = Rates(str(segment), len(part), p, ratio)
    return out


@dataclass
class Forecast:
    today: dt.date
    months: list[dt.date]
    expected: list[float]
    low: list[float]
    high: list[float]
    quarters: list[dict[str, Any]]
    renewals: list[dict[str, Any]]
    history: list[dict[str, Any]]
    arr_history: list[dict[str, Any]]
    by_segment: list[dict[str, Any]]
    by_owner: list[dict[str, Any]]
    rates: dict[str, Rates]
    by_product: list[dict[str, Any]] = field(default_factory=list)
    recorded: bool = False  # read back from the day's RevenueForecast rather than simulated now
    renewals_in_year: int | None = None  # when ``renewals`` holds only the nearer ones (a recorded forecast)

    @property
    def current_arr(self) -> float:
        return self.expected[0]

    @property
    def renewal_count(self) -> int:
        """Renewals in the next 12 months."""
        return len(self.renewals) if self.renewals_in_year is None else self.renewals_in_year


def _next_renewal(start: pd.Timestamp, renewal: Any, today: pd.Timestamp) -> pd.Timestamp:
    if renewal is not None and not pd.isna(renewal) and pd.Timestamp(renewal) > today:
        return pd.Timestamp(renewal)
    years = max(1, int(np.ceil(((today - start).days + 1) / 365.25)))
    date = start + pd.DateOffset(years=years)
    while date <= today:
        date += pd.DateOffset(years=1)
    return date


def forecast(book: outcomes.Book, *, today: dt.date, risk: dict[int, float] | None = None,
             risk_horizon: int = 90, sims: int = 2000, seed: int = 0, renewal_dates: dict[int, Any] | None = None,
             ) -> Forecast:
    """Expected ARR for this month and the next 12, with 10-90 % intervals, and GRR/NRR per quarter.

    Vectorised over contracts: each round of renewals (the next one of every contract, then the one
    a year later where it still falls in the horizon) is one draw of ``sims`` x contracts outcomes,
    and a contract's ARR multiplier at a month is the level after its last renewal before that month.
    """
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(today)
    rates = renewal_rates(book)
    mrr = book.mrr_on(today)
    live = book.contracts[mrr > 0].copy()
    live["arr"] = mrr[mrr > 0] * 12
    months = [today] + [outcomes.add_months(today, k) for k in range(1, 13)]
    horizon_end = pd.Timestamp(months[-1])
    month_ts = pd.DatetimeIndex([pd.Timestamp(m) for m in months]).as_unit("ns").asi8
    n = len(live)
    risk = risk or {}
    renewal_dates = renewal_dates or {}
    arr0 = live["arr"].to_numpy(dtype=float)
    segment_rates = [rates.get(seg) or rates[""] for seg in live["segment"]]
    base_p = np.array([[r.p["churned"], r.p["expanded"], r.p["contracted"], r.p["renewed"]] for r in segment_rates],
                      dtype=float).reshape(n, 4)
    ratio_e = np.array([r.ratio["expanded"] for r in segment_rates], dtype=float)
    ratio_c = np.array([r.ratio["contracted"] for r in segment_rates], dtype=float)
    dates = pd.DatetimeIndex([_next_renewal(row.start, renewal_dates.get(row.id, row.renewal), ts)
                              for row in live.itertuples()], dtype="datetime64[ns]")
    # An account's own risk replaces its segment's churn rate at a renewal within the model's horizon;
    # the other outcomes keep their proportions.
    first_p = base_p.copy()
    own = live["account_id"].map(risk).to_numpy(dtype=float) if risk else np.full(n, np.nan)
    near = ~np.isnan(own) & ((dates - ts).days.to_numpy() <= risk_horizon)
    if near.any():
        rest = 1 - base_p[near, 0]
        scale = np.divide(1 - own[near], rest, out=np.zeros_like(rest), where=rest > 0)
        first_p[near, 1:] = base_p[near, 1:] * scale[:, None]
        first_p[near, 0] = own[near]

    level = np.ones((sims, n), dtype=np.float32)
    rounds: list[tuple[np.ndarray, np.ndarray]] = []  # (first month index it applies to, level after it)
    renewal_rows: list[dict[str, Any]] = []
    current = dates
    while n and (active := np.asarray(current <= horizon_end)).any():
        p = first_p if not rounds else base_p
        cuts = np.cumsum(p[:, :3], axis=1)
        draw = rng.random((sims, n))
        factor = np.where(draw < cuts[:, 0], 0.0, np.where(draw < cuts[:, 1], ratio_e,
                                                           np.where(draw < cuts[:, 2], ratio_c, 1.0)))
        factor[:, ~active] = 1.0
        level = level * factor.astype(np.float32)
        after = np.where(active, np.searchsorted(month_ts, current.asi8, side="right"), len(months))
        rounds.append((after, level))
        if len(rounds) == 1:
            expected_factor = p[:, 1] * ratio_e + p[:, 2] * ratio_c + p[:, 3]
            rows = live.iloc[np.flatnonzero(active)]
            names = ("churned", "expanded", "contracted", "renewed")
            renewal_rows = [
                {"account_id": int(a), "contract_id": int(c), "product": prod, "segment": seg, "owner_id": owner,
                 "date": d.date(), "arr": float(arr), "p": dict(zip(names, pj, strict=True)),
                 "expected_arr": float(arr * ef)}
                for a, c, prod, seg, owner, d, arr, pj, ef in zip(
                    rows["account_id"], rows["id"], rows["product"], rows["segment"], rows["owner_id"],
                    dates[active], arr0[active], p[active].tolist(), expected_factor[active], strict=True)
            ]
        current = current + pd.DateOffset(years=1)

    def level_at(m: int) -> np.ndarray:
        out = np.ones((sims, n), dtype=np.float32)
        for after, lv in rounds:
            hit = after <= m
            out[:, hit] = lv[:, hit]
        return out

    # Total ARR per month without a (sims x contracts x months) array: each round changes a contract's
    # ARR from the month it applies on, so the totals are today's ARR plus the running sum of the
    # changes, bucketed by that month.
    totals = np.full((sims, len(months)), float(arr0.sum()))
    previous = np.ones((sims, n), dtype=np.float32)
    for after, lv in rounds:
        change = (lv - previous) * arr0[None, :]
        bucket = sparse.csr_matrix((np.ones(n), (np.arange(n), after)), shape=(n, len(months) + 1))
        totals += np.cumsum(np.asarray(change @ bucket), axis=1)[:, :len(months)]
        previous = lv
    levels = {m: level_at(m) for m in (3, 6, 9, 12)}
    expected = totals.mean(axis=0)
    expected[0] = float(arr0.sum())  # no renewal happens before today: exact, not simulated
    low, high = np.percentile(totals, 10, axis=0), np.percentile(totals, 90, axis=0)
    low[0] = high[0] = expected[0]
    quarters = _quarters(live, levels, arr0, months)
    by_segment = _breakdown(live, levels, arr0, "segment")
    by_owner = _breakdown(live, levels, arr0, "owner_id")
    by_product = _breakdown(live, levels, arr0, "product")
    return Forecast(today, months, expected.tolist(), low.tolist(), high.tolist(), quarters,
                    sorted(renewal_rows, key=lambda x: x["date"]), retention_history(book, today=today),
                    arr_history(book, today=today), by_segment, by_owner, rates, by_product)


def _by_account(account_ids: Any, values: np.ndarray) -> np.ndarray:
    """Sum contract columns (last axis = contracts) into account columns, through a sparse indicator."""
    codes, uniques = pd.factorize(np.asarray(account_ids))
    indicator = sparse.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)),
                                  shape=(len(codes), len(uniques)))
    return np.asarray(values @ indicator)


def _quarters(live: pd.DataFrame, levels: dict[int, np.ndarray], arr0: np.ndarray,
              months: list[dt.date]) -> list[dict[str, Any]]:
    out = []
    if not len(arr0):
        return out
    ids = live["account_id"].to_numpy()
    start = _by_account(ids, arr0[None, :])
    for q in range(1, 5):
        k = 3 * q
        later = _by_account(ids, levels[k] * arr0[None, :])
        grr = np.minimum(later, start).sum(axis=1) / start.sum()
        nrr = later.sum(axis=1) / start.sum()
        out.append({"label": f"+{k}m", "end": months[k], "arr": float(later.sum(axis=1).mean()),
                    "arr_low": float(np.percentile(later.sum(axis=1), 10)),
                    "arr_high": float(np.percentile(later.sum(axis=1), 90)),
                    "grr": float(grr.mean()), "grr_low": float(np.percentile(grr, 10)),
                    "grr_high": float(np.percentile(grr, 90)), "nrr": float(nrr.mean()),
                    "nrr_low": float(np.percentile(nrr, 10)), "nrr_high": float(np.percentile(nrr, 90))})
    return out


def _breakdown(live: pd.DataFrame, levels: dict[int, np.ndarray], arr0: np.ndarray,
               column: str) -> list[dict[str, Any]]:
    """Per value of ``column``: ARR now, expected in 3 and 12 months, and next quarter's GRR and NRR
    over that slice's accounts with their 10-90 % intervals (the percentiles over the same simulations;
    the dashboard shows the slice its filter selects)."""
    out = []
    frame = live.reset_index(drop=True)
    for key, idx in frame.groupby(column, dropna=False).indices.items():
        now = float(arr0[idx].sum())
        ids = frame["account_id"].to_numpy()[idx]
        start = _by_account(ids, arr0[None, idx])
        later = _by_account(ids, levels[3][:, idx] * arr0[None, idx])
        base = start.sum()
        figures: dict[str, float | None] = dict.fromkeys(
            ("grr", "grr_low", "grr_high", "nrr", "nrr_low", "nrr_high"))
        if base > 0:
            grr = np.minimum(later, start).sum(axis=1) / base
            nrr = later.sum(axis=1) / base
            for name, sims in (("grr", grr), ("nrr", nrr)):
                low, high = np.percentile(sims, [10, 90])
                figures |= {name: float(sims.mean()), f"{name}_low": float(low), f"{name}_high": float(high)}
        y = (levels[12][:, idx] @ arr0[idx]).mean()
        out.append({"key": None if pd.isna(key) else key, "arr": now, "next_quarter": float(later.sum(axis=1).mean()),
                    "twelve_months": float(y), **figures})
    return sorted(out, key=lambda r: -r["arr"])


def retention_history(book: outcomes.Book, *, today: dt.date, quarters: int = 6,
                      by: str | None = None) -> list[dict[str, Any]]:
    """GRR and NRR of each of the last quarters, and over the last 12 months, from the contracts.

    With ``by`` (a column of the contracts: ``segment``, ``owner_id``, ``product``) the same figures per
    value, each row with its ``key``: an account belongs to the value of its first contract (by start),
    so that the slices' starting ARR adds up to the company's."""
    if by is not None:
        return _retention_by(book, today=today, quarters=quarters, column=by)
    out = []
    end = today.replace(day=1)
    for q in range(quarters, 0, -1):
        a, b = outcomes.add_months(end, -3 * q), outcomes.add_months(end, -3 * (q - 1))
        figures = outcomes.retention(book, a, b)
        if figures["arr_start"] > 0:
            out.append({"start": a, "end": b, "months": 3, **figures})
    year = outcomes.retention(book, outcomes.add_months(end, -12), end)
    if year["arr_start"] > 0:
        out.append({"start": outcomes.add_months(end, -12), "end": end, "months": 12, **year})
    return out


def _retention_by(book: outcomes.Book, *, today: dt.date, quarters: int, column: str) -> list[dict[str, Any]]:
    c = book.contracts
    if c.empty:
        return []
    key = c.sort_values("start").groupby("account_id")[column].first()
    end = today.replace(day=1)
    periods = [(outcomes.add_months(end, -3 * q), outcomes.add_months(end, -3 * (q - 1)), 3)
               for q in range(quarters, 0, -1)] + [(outcomes.add_months(end, -12), end, 12)]
    out = []
    for a, b, months in periods:
        before, after = book.arr_by_account(a), book.arr_by_account(b)
        cohort = before[before > 0]
        later = after.reindex(cohort.index).fillna(0.0)
        groups = key.reindex(cohort.index)
        for value, ids in cohort.groupby(groups, dropna=False).groups.items():
            start = cohort.loc[ids]
            kept = later.loc[ids]
            out.append({"key": None if pd.isna(value) else value, "start": a, "end": b, "months": months,
                        "grr": float(np.minimum(kept, start).sum() / start.sum()),
                        "nrr": float(kept.sum() / start.sum()), "arr_start": float(start.sum())})
    return out


def arr_history(book: outcomes.Book, *, today: dt.date, months: int = 18) -> list[dict[str, Any]]:
    first = outcomes.add_months(today.replace(day=1), -months)
    return [{"month": m, "arr": float(book.arr_by_account(m).sum())}
            for m in outcomes.month_starts(first, today)]


# --- LTV ---------------------------------------------------------------------------------------


@dataclass
class LTV:
    margin: float
    horizon_months: int
    per_account: pd.DataFrame  # account_id, segment, arr, tenure_months, expected_months, ltv
    by_segment: list[dict[str, Any]]
    km: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # segment -> (month, survival)
    hazard_ratios: dict[str, float] = field(default_factory=dict)
    median_lifetime: float | None = None
    churned: int = 0
    accounts: int = 0
    lifetimes: pd.DataFrame | None = None  # every account's lifetime (see ``lifetimes``), the churned included


def lifetimes(book: outcomes.Book, *, today: dt.date) -> pd.DataFrame:
    """Per account: months from its first contract's start to its churn, or to today when still live."""
    c = book.contracts
    if c.empty:
        return pd.DataFrame(columns=["account_id", "segment", "months", "churned", "arr", "entry"])
    first = c.groupby("account_id")["start"].min()
    churn = book.churn_dates()
    ts = pd.Timestamp(today)
    # The history begins with the first recorded outcome: a customer who started earlier is observed
    # only from then on (delayed entry), else the survivors of years without records would look immortal.
    known = [d for d in (book.renewals["date"].min() if not book.renewals.empty else None,
                         c.loc[c["churned"], "end"].min()) if d is not None and not pd.isna(d)]
    history_start = min(known) if known else first.min()
    end = churn.reindex(first.index)
    ended = end.notna() & (end <= ts)
    stop = end.where(ended, ts)
    months = ((stop - first).dt.days / 30.44).clip(lower=0.5)
    arr_now = book.arr_by_account(today).reindex(first.index).fillna(0.0)
    # A churned account's ARR is what it paid the day before it ended.
    last_arr = pd.Series({a: float(book.arr_by_account((stop[a] - pd.Timedelta(days=1)).date()).get(a, 0.0))
                          for a in first.index[ended.to_numpy()]}, dtype=float)
    arr = arr_now.where(~ended, last_arr.reindex(first.index)).fillna(0.0)
    segment = c.groupby("account_id")["segment"].first().replace("", "unknown")
    entry = ((history_start - first).dt.days / 30.44).clip(lower=0.0)
    return pd.DataFrame({"account_id": first.index, "segment": segment.reindex(first.index).to_numpy(),
                         "months": months.to_numpy(), "churned": ended.astype(int).to_numpy(),
                         "arr": arr.to_numpy(), "entry": np.minimum(entry.to_numpy(), months.to_numpy())})


def ltv(book: outcomes.Book, *, today: dt.date, margin: float = 0.8, horizon_months: int = 120) -> LTV | None:
    """LTV = monthly ARR x gross margin x expected remaining months (Weibull model by segment and size,
    given the months already lived), capped at ``horizon_months``; no discounting."""
    life = lifetimes(book, today=today)
    if life.empty or life["churned"].sum() == 0:
        return None
    segments = sorted(life["segment"].unique())
    covariates = [f"segment={s}" for s in segments[1:]] + ["log ARR"]
    X = np.column_stack([*(life["segment"] == s for s in segments[1:]), np.log1p(life["arr"])]).astype(float)
    model = fit_weibull(life["months"].to_numpy(), life["churned"].to_numpy(), X, covariates,
                        entry=life["entry"].to_numpy())
    live = life["churned"] == 0
    grid = np.arange(0.5, horizon_months + 0.5, 1.0)
    expected = []
    for i in np.flatnonzero(live.to_numpy()):
        t0 = life["months"].iat[i]
        s = model.survival(np.concatenate([[t0], t0 + grid]), X[i:i + 1])[0]
        expected.append(float(s[1:].sum() / max(s[0], 1e-9)))
    per = life[live].copy()
    per["expected_months"] = expected
    per["ltv"] = per["arr"] / 12 * margin * per["expected_months"]
    km_all = kaplan_meier(life["months"].to_numpy(), life["churned"].to_numpy(), life["entry"].to_numpy())
    km = {}
    by_segment = []
    for s in segments:
        part = life[life["segment"] == s]
        curve = kaplan_meier(part["months"].to_numpy(), part["churned"].to_numpy(), part["entry"].to_numpy())
        km[s] = [(m, float(np.asarray(curve.at(m)).ravel()[0])) for m in (6, 12, 18, 24, 36)]
        pl = per[per["segment"] == s]
        by_segment.append({"segment": s, "accounts": len(part), "live": len(pl), "churned": int(part["churned"].sum()),
                           "mean_ltv": float(pl["ltv"].mean()) if len(pl) else 0.0,
                           "total_ltv": float(pl["ltv"].sum()), "mean_arr": float(pl["arr"].mean()) if len(pl) else 0,
                           "expected_months": float(pl["expected_months"].mean()) if len(pl) else 0.0})
    return LTV(margin, horizon_months, per, by_segment, km, model.hazard_ratios(), km_all.median(),
               int(life["churned"].sum()), len(life), life)


def ltv_by(result: LTV, groups: dict[int, str], *, missing: str = "") -> list[dict[str, Any]]:
    """LTV per group of accounts (``groups``: account id -> label, e.g. its touch model or maturity level;
    an account not in it gets ``missing``): customers and churned ever, the Kaplan-Meier share still a
    customer after 12 months (observed, per group), and over the live ones the mean expected further
    months, mean and total LTV. The expected months come from the segment-and-size model, so a gap
    between groups there reflects their mix of segments and sizes; the Kaplan-Meier column is the
    group's own record."""
    life = result.lifetimes
    if life is None or life.empty:
        return []
    label = life["account_id"].map(lambda a: groups.get(int(a), missing)).to_numpy()
    per = result.per_account.set_index("account_id")
    out = []
    for value in sorted(set(label)):
        part = life[label == value]
        if part["churned"].sum():
            curve = kaplan_meier(part["months"].to_numpy(), part["churned"].to_numpy(), part["entry"].to_numpy())
            year = float(np.asarray(curve.at(12)).ravel()[0])
        else:  # nobody in the group churned: the curve stays at 1
            year = 1.0
        pl = per.reindex(part.loc[part["churned"] == 0, "account_id"]).dropna(subset=["ltv"])
        out.append({"group": value, "accounts": len(part), "churned": int(part["churned"].sum()), "live": len(pl),
                    "still_after_12": None if np.isnan(year) else year,
                    "expected_months": float(pl["expected_months"].mean()) if len(pl) else None,
                    "mean_arr": float(pl["arr"].mean()) if len(pl) else None,
                    "mean_ltv": float(pl["ltv"].mean()) if len(pl) else None,
                    "total_ltv": float(pl["ltv"].sum())})
    return out


# --- cohorts ---------------------------------------------------------------------------------------


def cohorts(book: outcomes.Book, *, today: dt.date, by: str = "quarter", steps: int = 6,
            step_months: int = 3, last_quarters: int = 8, groups: dict[int, str] | None = None,
            missing: str = "", arr_cache: dict[dt.date, pd.Series] | None = None) -> list[dict[str, Any]]:
    """Logo and revenue retention of the accounts grouped by start quarter (the last ``last_quarters``),
    by segment (``by="segment"``) or by a label per account given in ``groups`` (``by="group"``: account
    id -> label, e.g. onboarding speed or maturity level; an account not in it gets ``missing``, or is
    left out when ``missing`` is empty), every ``step_months``; None where the cohort is not that old yet.
    Grouped by anything but the start quarter, a cell counts the members old enough for it.

    Measured on month starts: the base is the ARR on the first month start after the account began.
    ``arr_cache`` (month -> ARR by account, filled as it goes) lets several groupings of one book share
    the ARR of the same months."""
    c = book.contracts
    if c.empty:
        return []
    first = c.groupby("account_id")["start"].min()
    segment = c.groupby("account_id")["segment"].first().replace("", "unknown")
    base_month = (first + pd.offsets.MonthBegin(1)).dt.date
    if by == "segment":
        key = segment
    elif by == "group":
        labels = groups or {}
        key = pd.Series([labels.get(int(a), missing) for a in first.index], index=first.index)
        key = key[key != ""]
        if key.empty:
            return []
    else:
        key = first.dt.year.astype(str) + "-Q" + ((first.dt.month - 1) // 3 + 1).astype(str)
        keep = sorted(key.unique())[-last_quarters:]
        key = key[key.isin(keep)]
    starts = set(base_month[key.index])
    months = sorted(starts | {outcomes.add_months(m, k * step_months) for m in starts for k in range(1, steps + 1)})
    months = [m for m in months if m <= today]
    cache = {} if arr_cache is None else arr_cache
    for m in months:
        if m not in cache:
            cache[m] = book.arr_by_account(m)
    grid = pd.DataFrame({m: cache[m] for m in months}).reindex(first.index).fillna(0.0)
    out = []
    for label, accounts in key.groupby(key).groups.items():
        base = np.array([grid.at[a, base_month[a]] if base_month[a] in grid.columns else 0.0 for a in accounts])
        logo: list[float | None] = []
        revenue: list[float | None] = []
        for k in range(1, steps + 1):
            ages = [outcomes.add_months(base_month[a], k * step_months) for a in accounts]
            old = np.array([m in grid.columns for m in ages])
            if not old.any() or (by == "quarter" and not old.all()):
                logo.append(None)
                revenue.append(None)
                continue
            later = np.array([grid.at[a, m] for a, m, ok in zip(accounts, ages, old, strict=True) if ok])
            start = base[old]
            paying = start > 0
            logo.append(float((later[paying] > 0).mean()) if paying.any() else None)
            revenue.append(float(later[paying].sum() / start[paying].sum()) if paying.any() else None)
        out.append({"cohort": str(label), "accounts": len(accounts), "arr": float(base.sum()),
                    "logo": logo, "revenue": revenue})
    return sorted(out, key=lambda r: r["cohort"])
