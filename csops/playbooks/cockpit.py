"""The CSM's day: open CTAs, queue CTAs on their accounts, accounts at risk, renewals, onboarding steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from csops.customers.models import Account, LifecycleStage
from csops.playbooks.engine import explain
from csops.playbooks.models import Cta, CtaStatus

RENEWAL_HORIZON = 90


def reason_of(cta: Cta) -> str:
    """Why the CTA exists, in the reader's language when its trigger is known (else as written then)."""
    data = cta.reason_data or {}
    if data.get("trigger"):
        text = explain(data["trigger"], data)
        if text:
            return text
    return cta.reason


def day_of(user: Any, *, today: dt.date, with_queues: bool = False) -> dict[str, Any]:
    ctas = list(Cta.objects.filter(assignee=user, status=CtaStatus.OPEN)
                .select_related("account", "rule", "playbook", "contact").order_by("priority", "due_on", "pk"))
    snoozed = Cta.objects.filter(assignee=user, status=CtaStatus.SNOOZED).count()
    # Sales, support... work nobody has taken yet on the accounts this CSM owns.
    queued = list(Cta.objects.filter(account__owner=user, assignee__isnull=True, status=CtaStatus.OPEN)
                  .exclude(queue="").select_related("account", "rule", "playbook")
                  .order_by("priority", "due_on", "pk"))
    mine = Account.objects.filter(owner=user).exclude(lifecycle_stage=LifecycleStage.CHURNED)
    renewals = list(mine.filter(next_renewal_date__gte=today,
                                next_renewal_date__lte=today + dt.timedelta(days=RENEWAL_HORIZON))
                    .order_by("next_renewal_date"))
    return {
        "ctas": [(c, reason_of(c), c.is_overdue(today=today)) for c in ctas],
        "snoozed": snoozed,
        "queued": [(c, reason_of(c), c.is_overdue(today=today)) for c in queued],
        "at_risk": _at_risk(mine, today),
        "renewals": [(a, (a.next_renewal_date - today).days) for a in renewals],
        "onboarding": _overdue_steps(mine, today),
        "queues": _queue_counts() if with_queues else [],
    }


def _at_risk(accounts: Any, today: dt.date) -> list[dict[str, Any]]:
    """My accounts whose latest health snapshot is red (however old: the panel shows its day)."""
    from django.db.models import Max

    from csops.health.models import HealthScore

    latest_day = (HealthScore.objects.filter(account__in=accounts, day__lte=today).values("account_id")
                  .annotate(last=Max("day")))
    days = {r["account_id"]: r["last"] for r in latest_day}
    rows = (HealthScore.objects.filter(account__in=accounts, day__in=set(days.values()))
            .select_related("account", "scorecard").order_by("account_id", "-day", "score"))
    latest: dict[int, Any] = {}
    for row in rows:
        if row.day == days.get(row.account_id):
            latest.setdefault(row.account_id, row)
    return sorted(({"account": s.account, "score": s.score, "trend": s.trend_7, "scorecard": s.scorecard.name,
                    "day": s.day}
                   for s in latest.values() if s.grade == "red"), key=lambda r: (r["score"] is None, r["score"]))


def _overdue_steps(accounts: Any, today: dt.date) -> list[Any]:
    from csops.journey.models import OnboardingStep

    return list(OnboardingStep.objects.filter(plan__account__in=accounts, plan__completed_on__isnull=True,
                                              done_on__isnull=True, due_on__lt=today)
                .select_related("plan", "plan__account").order_by("due_on")[:50])


def _queue_counts() -> list[tuple[str, int]]:
    from django.db.models import Count

    rows = (Cta.objects.filter(~Q(queue=""), assignee__isnull=True, status=CtaStatus.OPEN)
            .values("queue").annotate(n=Count("pk")).order_by("queue"))
    return [(r["queue"], r["n"]) for r in rows]
