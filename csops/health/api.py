"""The health REST API (mounted under /api/): read-only scores and scorecards.

Everyone signed in reads health (as on the pages); scorecards change through the editor or
``csops scorecard import``, which validate and audit them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from csops.api import ApiError
from csops.customers.models import Account
from csops.customers.permissions import can_view_account
from csops.health.models import HealthScore, Scorecard
from csops.health.services import document_of
from csops.users.roles import is_reader

router = Router(tags=["health"])


class MeasureOut(Schema):
    group: str | None = None
    raw: float | None = None
    score: float | None = None
    weight: float | None = None
    contribution: float | None = None


class ScoreOut(Schema):
    scorecard: str
    day: dt.date
    scorecard_version: int
    score: float | None
    grade: str
    trend_7: float | None
    trend_30: float | None
    coverage: float
    flags: list[str]
    breakdown: dict[str, MeasureOut]

    @staticmethod
    def resolve_scorecard(obj: HealthScore) -> str:
        return obj.scorecard.key


class AccountScoresOut(Schema):
    account_id: int
    account_external_id: str
    latest: list[ScoreOut]
    history: list[ScoreOut]


class HistoryFilter(Schema):
    days: int = Field(90, ge=1, le=730, description="days of history before the latest snapshot")
    scorecard: str | None = Field(None, description="only this scorecard's scores (its key)")


class ScorecardOut(Schema):
    key: str
    name: str
    product: str
    segment: str
    active: bool
    version: int

    @staticmethod
    def resolve_product(obj: Scorecard) -> str:
        return obj.product.code

    @staticmethod
    def resolve_active(obj: Scorecard) -> bool:
        return obj.is_active


class ScorecardDetailOut(ScorecardOut):
    definition: dict[str, Any]

    @staticmethod
    def resolve_definition(obj: Scorecard) -> dict[str, Any]:
        return document_of(obj)


def _require_reader(request: HttpRequest) -> None:
    if not is_reader(request.auth if getattr(request, "auth", None) is not None else request.user):
        raise ApiError(403, "you may not read health scores")


@router.get("/health/accounts/{account_id}", response=AccountScoresOut)
def account_health(request: HttpRequest, account_id: int, filters: Query[HistoryFilter]) -> dict[str, Any]:
    """An account's latest snapshot per scorecard and its history, newest first."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise ApiError(404, f"account {account_id} not found")
    user = request.auth if getattr(request, "auth", None) is not None else request.user
    if not can_view_account(user, account):
        raise ApiError(403, "you may not read this account")
    scores = HealthScore.objects.filter(account=account).select_related("scorecard")
    if filters.scorecard:
        scores = scores.filter(scorecard__key=filters.scorecard)
    rows = list(scores.order_by("-day", "scorecard__key"))
    latest: dict[int, HealthScore] = {}
    for row in rows:
        latest.setdefault(row.scorecard_id, row)
    history = []
    if rows:
        since = rows[0].day - dt.timedelta(days=filters.days)
        history = [r for r in rows if r.day > since]
    return {"account_id": account.pk, "account_external_id": account.external_id,
            "latest": sorted(latest.values(), key=lambda r: r.scorecard.key), "history": history}


@router.get("/health/scorecards", response=list[ScorecardOut])
def list_scorecards(request: HttpRequest) -> Any:
    _require_reader(request)
    return Scorecard.objects.select_related("product").order_by("product__code", "segment", "key")


@router.get("/health/scorecards/{key}", response=ScorecardDetailOut)
def get_scorecard(request: HttpRequest, key: str) -> Scorecard:
    """A scorecard with its whole definition (the document its YAML export holds)."""
    _require_reader(request)
    card = Scorecard.objects.select_related("product").filter(key=key).first()
    if card is None:
        raise ApiError(404, f"scorecard {key!r} not found")
    return card
