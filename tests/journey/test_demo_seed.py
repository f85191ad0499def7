"""`csops journey seed-demo` on a small demo company: every live account gets its level, stage and history."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from csops.customers.models import Account, Contract
from csops.journey.models import (
    EvaluatedDay,
    MaturityChange,
    MaturityModel,
    MaturityState,
    OnboardingPlan,
    StageChange,
    SuccessPlan,
)

pytestmark = pytest.mark.django_db


def test_the_demo_journey_covers_every_live_account_and_a_second_run_changes_nothing(capsys):
    call_command("demo", "load", "--accounts", "30", "--months", "6", "--seed", "3")
    call_command("journey", "seed-demo")
    assert MaturityModel.objects.count() == 2
    live = set(Contract.objects.filter(status__in=Contract.LIVE_STATUSES, product__code="delivery")
               .values_list("account_id", flat=True))
    assert live <= set(MaturityState.objects.filter(product__code="delivery").values_list("account_id", flat=True))
    with_contract = set(Contract.objects.values_list("account_id", flat=True))
    assert with_contract <= set(StageChange.objects.values_list("account_id", flat=True))
    assert EvaluatedDay.objects.filter(product__code="delivery").count() >= 180
    assert OnboardingPlan.objects.exists() and SuccessPlan.objects.exists()
    # Stages are denormalised onto the account.
    for account in Account.objects.filter(pk__in=with_contract):
        assert account.lifecycle_stage == account.stage_changes.order_by("day", "id").last().stage_to
    counts = (MaturityChange.objects.count(), StageChange.objects.count(), OnboardingPlan.objects.count())
    out = capsys.readouterr().out
    call_command("journey", "seed-demo")
    assert (MaturityChange.objects.count(), StageChange.objects.count(), OnboardingPlan.objects.count()) == counts
    assert "0 day(s) evaluated" in capsys.readouterr().out and "maturity:" in out
