"""``csops health seed-demo``: the default scorecards, CSM assessments and score history of the demo.

Idempotent: scorecards are saved only when they differ from the shipped files, assessments are
drawn only for a scorecard that has none, and the history is computed only for days not yet
scored with the scorecard's current version.

The assessments are drawn deterministically (seeded by account) from what a CSM of the demo
company would see: a promoter among the contacts lifts internal promotion, an operator and
regular meetings lift the relationship, and the CSM's own red/yellow/green follows them with
noise, so that the qualitative measures carry some (not all) of the signal.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from csops.customers.models import Account, Contact, Contract
from csops.health import scoring
from csops.health.models import Assessment, HealthScore, Scorecard
from csops.health.services import definition_of, do_save_scorecard
from csops.health.yaml_io import default_files, parse_yaml

HISTORY_DAYS = 182  # about six months of history, for trends, validation and the churn model
HISTORY_EVERY = 7  # one snapshot a week in the history (plus the last week daily); see docs/health.md
RECENT_DAILY_DAYS = 7
ASSESSMENT_EVERY_DAYS = 90


@dataclass
class SeedResult:
    scorecards: list[str]
    assessments: int
    scoring: scoring.ScoringResult | None

    def summary(self) -> str:
        scored = self.scoring.summary() if self.scoring is not None else "history already scored"
        return (f"health seed-demo: scorecards {', '.join(self.scorecards) or 'none'}; "
                f"{self.assessments} assessments drawn; {scored}")


def demo_today() -> dt.date:
    """The demo company's "today" (recorded when it was loaded), or the real today without a demo."""
    from csops.demo.load import loaded_demo_today

    return loaded_demo_today() or timezone.localdate()


def history_days(last: dt.date, *, days: int = HISTORY_DAYS, every: int = HISTORY_EVERY,
                 recent_daily: int = RECENT_DAILY_DAYS) -> list[dt.date]:
    weekly = scoring.day_range(last - dt.timedelta(days=days - 1), last, step=every)
    daily = scoring.day_range(last - dt.timedelta(days=recent_daily - 1), last)
    # The day 30 days back gives the latest snapshot its 30-day trend (weekly points fall on 28 and 35).
    return sorted(set(weekly) | set(daily) | {last - dt.timedelta(days=30)})


def seed_demo(*, days: int = HISTORY_DAYS, every: int = HISTORY_EVERY, progress: scoring.Progress | None = None
              ) -> SeedResult:
    from csops.customers.models import Product

    codes = set(Product.objects.values_list("code", flat=True))
    cards = []
    for path in default_files():
        doc = parse_yaml(path.read_text(encoding="utf-8"), source=path.name)
        if doc.get("product") in codes:
            cards.append(do_save_scorecard(doc, actor=None))
    last = demo_today()
    drawn = sum(_draw_assessments(card, last) for card in cards)
    wanted = history_days(last, days=days, every=every)
    todo = [c for c in cards if _missing_days(c, wanted)]
    result = None
    if todo:
        result = scoring.score(wanted, scorecards=todo, progress=progress or scoring._noop)
    return SeedResult([c.key for c in cards], drawn, result)


def _missing_days(card: Scorecard, wanted: list[dt.date]) -> bool:
    """Whether a day with running contracts of the product lacks the current version's snapshots."""
    spans = list(Contract.objects.filter(product_id=card.product_id).values_list("start_date", "end_date"))
    running = {d for d in wanted if any(start <= d and (end is None or end >= d) for start, end in spans)}
    done = set(HealthScore.objects.filter(scorecard=card, scorecard_version=card.version, day__in=wanted)
               .values_list("day", flat=True).distinct())
    return bool(running - done)


def _level(rng: random.Random, centre: float) -> int:
    return int(min(5, max(1, round(centre + rng.gauss(0, 0.7)))))


@transaction.atomic
def _draw_assessments(card: Scorecard, last: dt.date) -> int:
    if Assessment.objects.filter(scorecard=card).exists():
        return 0
    defn = definition_of(card)
    form = defn.assessment
    if form is None:
        return 0
    first = last - dt.timedelta(days=HISTORY_DAYS + ASSESSMENT_EVERY_DAYS)
    contracts = (Contract.objects.filter(product_id=card.product_id, start_date__lte=last)
                 .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
                 .values_list("account_id", "start_date", "end_date"))
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for account_id, start, end in contracts:
        lo, hi = max(start, first), min(end or last, last)
        if account_id in spans:
            lo, hi = min(lo, spans[account_id][0]), max(hi, spans[account_id][1])
        spans[account_id] = (lo, hi)
    roles = dict(
        Contact.objects.filter(account_id__in=list(spans)).values("account_id")
        .annotate(promoters=Count("pk", filter=Q(role="promoter")))
        .values_list("account_id", "promoters")
    )
    operators = dict(
        Contact.objects.filter(account_id__in=list(spans), role="operator").values("account_id")
        .annotate(n=Count("pk")).values_list("account_id", "n")
    )
    owners = dict(Account.objects.filter(pk__in=list(spans)).values_list("pk", "owner_id"))
    rows = []
    for account_id, (lo, hi) in sorted(spans.items()):
        rng = random.Random(f"{card.key}:{account_id}")
        if rng.random() < 0.15:
            continue  # some accounts were never assessed: the score must cope without
        promotion_centre = 3.6 if roles.get(account_id) else 1.8
        relation_centre = 2.2 + 1.2 * min(operators.get(account_id, 0), 1) + rng.uniform(-0.5, 0.5)
        day = lo + dt.timedelta(days=rng.randint(7, 40))
        while day <= hi:
            promotion = _level(rng, promotion_centre)
            relationship = _level(rng, relation_centre)
            scenarios = {s.key: {"current": _level(rng, (promotion + relationship) / 2), "note": "", "wants": ""}
                         for s in form.scenarios}
            mean = (promotion + relationship) / 2 + rng.gauss(0, 0.6)
            view = "green" if mean >= 3.5 else ("red" if mean < 2.3 else "yellow")
            rows.append(Assessment(account_id=account_id, scorecard=card, author_id=owners.get(account_id),
                                   assessed_on=day, answers={"scenarios": scenarios}, promotion=promotion,
                                   relationship=relationship, csm_view=view))
            # Some CSMs let the assessment go stale before the next one.
            day += dt.timedelta(days=ASSESSMENT_EVERY_DAYS + rng.randint(-20, 60))
    Assessment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
