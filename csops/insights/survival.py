"""Survival curves of contract lifetime: Kaplan-Meier and a Weibull proportional-hazards model.

Written on numpy/scipy rather than taken from lifelines: lifelines 0.30.3 (the newest release)
declares ``pandas<3`` and csops pins pandas 3.1, so pip cannot install both. The two estimators
needed here are short, and ``tests/insights/test_survival.py`` checks them against known values.

Durations are in months; ``event`` is 1 when the lifetime ended (churn), 0 when still running
(censored: we only know it lasted at least that long).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass
class KaplanMeier:
    times: np.ndarray  # distinct event times
    survival: np.ndarray  # S(t) just after each time
    at_risk: np.ndarray
    events: np.ndarray

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """S(t): the share still alive after t months (a step function)."""
        idx = np.searchsorted(self.times, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.survival[np.clip(idx, 0, None)], 1.0)

    def median(self) -> float | None:
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if len(below) else None

    def restricted_mean(self, horizon: float) -> float:
        """Expected months alive within ``horizon`` (the area under the curve up to it)."""
        edges = np.concatenate([[0.0], self.times[self.times < horizon], [horizon]])
        levels = np.concatenate([[1.0], self.survival[self.times < horizon]])
        return float(np.sum(np.diff(edges) * levels))


def kaplan_meier(duration: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None) -> KaplanMeier:
    """``entry``: the age at which each lifetime came under observation (delayed entry, left truncation):
    a customer who started before the history begins is at risk only from then on."""
    duration = np.asarray(duration, dtype=float)
    event = np.asarray(event, dtype=int)
    entry = np.zeros_like(duration) if entry is None else np.asarray(entry, dtype=float)
    if len(duration) == 0:
        raise ValueError("no lifetimes to estimate a survival curve from")
    times = np.unique(duration[event == 1])
    at_risk = np.array([((duration >= t) & (entry < t)).sum() for t in times], dtype=float)
    # Only deaths under observation count: a lifetime that enters on the day it ends (the history's first
    # record is its churn) was never at risk, and dividing by nobody at risk would give -inf.
    deaths = np.array([((duration == t) & (event == 1) & (entry < t)).sum() for t in times], dtype=float)
    hazard = np.divide(deaths, at_risk, out=np.zeros_like(deaths), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard) if len(times) else np.array([])
    return KaplanMeier(times, survival, at_risk, deaths)


@dataclass
class WeibullPH:
    """S(t | x) = exp(-(t / scale)^shape * exp(x . beta)); beta > 0 means a shorter life."""

    shape: float
    scale: float
    beta: np.ndarray
    columns: list[str]
    mean: np.ndarray
    std: np.ndarray

    def _risk(self, X: np.ndarray | None) -> np.ndarray:
        if X is None or not len(self.beta):
            return np.ones(1 if X is None else len(X))
        return np.exp(((np.asarray(X, dtype=float) - self.mean) / self.std) @ self.beta)

    def survival(self, t: float | np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """S(t) per row of X (rows x times)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.exp(-np.outer(self._risk(X), (t / self.scale) ** self.shape))

    def expected_lifetime(self, X: np.ndarray | None = None, *, horizon: float = 120.0,
                          step: float = 1.0) -> np.ndarray:
        """Expected months alive within ``horizon`` per row (restricted mean: a bounded, honest figure)."""
        grid = np.arange(step / 2, horizon, step)
        return self.survival(grid, X).sum(axis=1) * step

    def hazard_ratios(self) -> dict[str, float]:
        """Per standard deviation of each covariate."""
        return {c: float(np.exp(b)) for c, b in zip(self.columns, self.beta, strict=True)}


def fit_weibull(duration: np.ndarray, event: np.ndarray, X: np.ndarray | None = None,
                columns: list[str] | None = None, *, ridge: float = 0.01, entry: np.ndarray | None = None) -> WeibullPH:
    """Maximum likelihood (a small ridge on beta keeps separated covariates finite); ``entry`` as in
    ``kaplan_meier``: the cumulative hazard before entry is given back, since it was survived unseen."""
    t = np.asarray(duration, dtype=float)
    a = np.zeros_like(t) if entry is None else np.minimum(np.asarray(entry, dtype=float), t)
    d = np.asarray(event, dtype=float)
    if (t <= 0).any():
        t = np.where(t <= 0, 0.5, t)  # a lifetime that ended in its first month counts as half a month
    if d.sum() == 0:
        raise ValueError("no lifetime has ended yet; a parametric model needs at least one churn")
    k = 0 if X is None else X.shape[1]
    if k:
        Xa = np.asarray(X, dtype=float)
        mean, std = Xa.mean(axis=0), Xa.std(axis=0)
        std[std == 0] = 1.0
        Z = (Xa - mean) / std
    else:
        mean, std, Z = np.zeros(0), np.ones(0), np.zeros((len(t), 0))
    logt = np.log(t)

    def nll(theta: np.ndarray) -> float:
        log_shape, log_scale, beta = theta[0], theta[1], theta[2:]
        shape = np.exp(log_shape)
        eta = Z @ beta
        z = shape * (logt - log_scale)
        cum = np.exp(z + eta)
        before = np.where(a > 0, np.exp(shape * (np.log(np.maximum(a, 1e-9)) - log_scale) + eta), 0.0)
        log_h = log_shape - log_scale + (shape - 1) * (logt - log_scale) + eta
        return float(-(d * log_h - cum + before).sum() + ridge * (beta @ beta))

    start = np.concatenate([[0.0, np.log(np.mean(t) + 1e-9)], np.zeros(k)])
    result = minimize(nll, start, method="L-BFGS-B")
    theta = result.x
    return WeibullPH(float(np.exp(theta[0])), float(np.exp(theta[1])), theta[2:], list(columns or []), mean, std)
