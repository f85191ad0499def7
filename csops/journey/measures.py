"""Journey facts as health measure types (registered into csops.health from JourneyConfig.ready()).

The health app never imports the journey: the journey adds its types to the health registry.

- ``onboarding_progress``: percent of the steps done (0-100) in the account's onboarding plan for
  the scorecard's product, as of the scored day; no value without a plan;
- ``maturity_level``: the account's maturity level for the product on the scored day (0 = below Lv.1).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def _onboarding_progress(scope: Any, measure: Any) -> dict[int, float | None]:
    from csops.journey.models import OnboardingPlan, OnboardingStep

    plans = {p.pk: p.account_id for p in OnboardingPlan.objects.filter(
        account_id__in=list(scope.account_ids), product_id=scope.product_id, started_on__lte=scope.day)
        .order_by("started_on")}
    totals: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    for plan_id, done_on in OnboardingStep.objects.filter(plan_id__in=list(plans)).values_list("plan_id", "done_on"):
        totals[plan_id] += 1
        if done_on is not None and done_on <= scope.day:
            done[plan_id] += 1
    out: dict[int, float | None] = {}
    for plan_id, account_id in plans.items():  # the latest plan of an account wins
        out[account_id] = 100.0 * done[plan_id] / totals[plan_id] if totals[plan_id] else None
    return out


def _maturity_level(scope: Any, measure: Any) -> dict[int, float | None]:
    from csops.journey.models import EvaluatedDay, MaturityChange

    if not EvaluatedDay.objects.filter(product_id=scope.product_id, day__lte=scope.day).exists():
        return {}
    out: dict[int, float | None] = {a: 0.0 for a in scope.account_ids}
    for account_id, level in (MaturityChange.objects.filter(account_id__in=list(scope.account_ids),
                                                            product_id=scope.product_id, day__lte=scope.day)
                              .order_by("day").values_list("account_id", "level_to")):
        out[account_id] = float(level)
    return out


def register() -> None:
    try:
        from csops.health.measures import MeasureType, register_measure_type
    except ImportError:  # the health app is not installed
        return
    register_measure_type(MeasureType("onboarding_progress", "db", (), db=_onboarding_progress))
    register_measure_type(MeasureType("maturity_level", "db", (), db=_maturity_level))
