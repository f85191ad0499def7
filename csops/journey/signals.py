"""A contract saved with a start day that has come opens its onboarding plan (after the commit).

Bulk loads (the demo, CSV imports) send no signal: the daily ``stages`` step picks their
contracts up (csops.journey.onboarding.ensure_plans).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from csops.customers.models import Contract


@receiver(post_save, sender=Contract, dispatch_uid="journey-plan-at-contract-start")
def _contract_saved(sender: Any, instance: Contract, created: bool, **kwargs: Any) -> None:
    from csops.journey.onboarding import PLAN_LOOKBACK_DAYS

    today = timezone.localdate()
    if not created or kwargs.get("raw") or not instance.is_live or instance.start_date > today:
        return
    if (today - instance.start_date).days > PLAN_LOOKBACK_DAYS:
        return  # a historical contract entered late: its onboarding is long over
    pk = instance.pk

    def start() -> None:
        from csops.journey.onboarding import do_start_plan

        contract = Contract.objects.filter(pk=pk).select_related("account").first()
        if contract is not None:
            do_start_plan(contract)

    transaction.on_commit(start)
