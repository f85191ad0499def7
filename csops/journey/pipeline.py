"""The journey's steps of the daily pipeline (registered from JourneyConfig.ready()).

``maturity`` evaluates the day's maturity levels and first value; ``stages`` starts the plans of
contracts that began, completes automatic onboarding steps, then applies the stage rules. Both are
idempotent for a day: an evaluated day is skipped, plans exist once per contract, a done step stays
done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from csops.journey import onboarding
from csops.journey.maturity import evaluate_maturity, rebuild_maturity
from csops.journey.models import MaturityModel
from csops.journey.stages import evaluate_stages
from csops.journey.ttfv import evaluate_first_value


def run_maturity_day(day: dt.date, *, progress: Any = None) -> str:
    # Models whose levels changed (and new models) first get their history up to this day.
    rebuilt = [code for code, until in MaturityModel.objects.filter(rebuild_requested_at__isnull=False)
               .order_by("product__code").values_list("product__code", "rebuild_until")
               if rebuild_maturity(code, last=max(day, until or day), only_if_requested=True) is not None]
    result = evaluate_maturity(day, day, progress=progress)
    reached = evaluate_first_value(day)
    note = f"; history rebuilt for {', '.join(rebuilt)}" if rebuilt else ""
    return f"{result.summary()}{note}; first value reached by {reached} account(s)"


def run_stages_day(day: dt.date, *, progress: Any = None) -> str:
    started = onboarding.ensure_plans(day)
    done = onboarding.auto_complete(day)
    result = evaluate_stages(day, day)
    return f"onboarding: {started} plan(s) started, {done} step(s) done automatically; {result.summary()}"
