"""REST API for product feedback: list, record, change the shared status, the ranking.

Authorised with the same functions as the pages (csops.feedback.permissions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from csops.api import ApiError
from csops.customers.models import Account, Contact, Product
from csops.feedback.models import Feedback, FeedbackKind, FeedbackStatus
from csops.feedback.permissions import can_record_feedback, can_set_status
from csops.feedback.ranking import rank_requests
from csops.feedback.services import FeedbackInvalid, do_record_feedback, do_set_status

router = Router(tags=["feedback"])

KindCode = Literal[tuple(FeedbackKind.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(FeedbackStatus.values)]  # type: ignore[valid-type]
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


def _invalid(field: str, msg: str, where: str = "body") -> ApiError:
    return ApiError(422, "invalid input", [{"loc": [where, field], "msg": msg, "type": "value"}])


class FeedbackOut(Schema):
    id: int
    account_id: int
    account_external_id: str
    contact_id: int | None
    kind: str
    title: str
    body: str
    product: str | None
    status: str
    author_email: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_account_external_id(obj: Feedback) -> str:
        return obj.account.external_id

    @staticmethod
    def resolve_product(obj: Feedback) -> str | None:
        return obj.product.code if obj.product_id else None

    @staticmethod
    def resolve_author_email(obj: Feedback) -> str | None:
        return obj.author.email if obj.author_id else None


class FeedbackIn(StrictSchema):
    account_id: int
    contact_id: int | None = None
    kind: KindCode
    title: Title
    body: str = Field("", max_length=20000)
    product: str | None = Field(None, description="product code")


class StatusPatch(StrictSchema):
    status: StatusCode


class FeedbackFilter(Schema):
    kind: KindCode | None = None
    status: StatusCode | None = None
    product: str | None = Field(None, description="product code")
    account_id: int | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class FeedbackList(Schema):
    count: int
    items: list[FeedbackOut]


class RankingFilter(Schema):
    product: str | None = Field(None, description="product code")
    order: Literal["arr", "at_risk"] = "arr"


class GroupOut(Schema):
    title: str
    requests: int
    accounts: int
    arr: Decimal
    at_risk_arr: Decimal
    at_risk_accounts: int
    account_ids: list[int]
    feedback_ids: list[int]


def _product(code: str | None, where: str = "body") -> Product | None:
    if code is None:
        return None
    product = Product.objects.filter(code=code).first()
    if product is None:
        raise _invalid("product", f"unknown product {code!r}", where)
    return product


@router.get("/feedback", response=FeedbackList)
def list_feedback(request: HttpRequest, filters: Query[FeedbackFilter]) -> dict[str, Any]:
    qs = Feedback.objects.select_related("account", "product", "author").order_by("-created_at", "-id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.product:
        qs = qs.filter(product__code=filters.product)
    if filters.account_id is not None:
        qs = qs.filter(account_id=filters.account_id)
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.post("/feedback", response={201: FeedbackOut})
def record_feedback(request: HttpRequest, payload: FeedbackIn) -> Status:
    account = Account.objects.filter(pk=payload.account_id).first()
    if account is None:
        raise ApiError(404, f"account {payload.account_id} not found")
    if not can_record_feedback(request.auth, account):
        raise ApiError(403, "you may not record feedback on this account")
    contact = None
    if payload.contact_id is not None:
        contact = Contact.objects.filter(pk=payload.contact_id, account=account).first()
        if contact is None:
            raise _invalid("contact_id", "not a contact of this account")
    try:
        feedback = do_record_feedback(
            account, kind=payload.kind, title=payload.title, body=payload.body, contact=contact,
            product=_product(payload.product), actor=request.auth,
        )
    except FeedbackInvalid as exc:
        raise ApiError(422, "invalid input", [
            {"loc": ["body", k], "msg": v, "type": "value"} for k, v in exc.errors.items()
        ]) from None
    return Status(201, feedback)


@router.get("/feedback/ranking", response=list[GroupOut])
def ranking(request: HttpRequest, filters: Query[RankingFilter]) -> Any:
    product = _product(filters.product, "query")
    return rank_requests(today=timezone.localdate(), product_id=product.pk if product else None,
                         order=filters.order)


@router.patch("/feedback/{feedback_id}", response=FeedbackOut)
def set_status(request: HttpRequest, feedback_id: int, payload: StatusPatch) -> Feedback:
    feedback = Feedback.objects.select_related("account", "product", "author").filter(pk=feedback_id).first()
    if feedback is None:
        raise ApiError(404, f"feedback {feedback_id} not found")
    if not can_set_status(request.auth):
        raise ApiError(403, "only CS Ops and admins change the status of feedback")
    return do_set_status(feedback, payload.status, actor=request.auth)
