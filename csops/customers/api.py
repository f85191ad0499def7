"""REST API for accounts, contracts, contacts and activities.

Every endpoint authorises with the same functions as the UI and the admin
(csops.customers.permissions): reading needs a login or a token, changing an
account's records needs to own it (CSM) or to configure (CS Ops, admin).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, model_validator

from csops.api import ApiError
from csops.audit.services import record
from csops.customers.models import (
    Account,
    Activity,
    ActivityKind,
    Contact,
    ContactRole,
    Contract,
    ContractStatus,
    LifecycleStage,
    Product,
    Segment,
)
from csops.customers.permissions import can_assign_owner, can_edit_account
from csops.customers.services.accounts import do_log_activity, refresh_account_rollup
from csops.lib.money import check_amount
from csops.users.models import User
from csops.users.roles import can_configure

router = Router(tags=["customers"])

SegmentCode = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
# One literal with the blank choice, so that errors point at the field and not at a union member.
SegmentOrBlank = Literal[("", *Segment.values)]  # type: ignore[valid-type]
StageCode = Literal[tuple(LifecycleStage.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(ContractStatus.values)]  # type: ignore[valid-type]
RoleCode = Literal[tuple(ContactRole.values)]  # type: ignore[valid-type]
KindCode = Literal[tuple(ActivityKind.values)]  # type: ignore[valid-type]
ExternalId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
Name = Annotated[str, Field(min_length=1, max_length=255)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class StrictSchema(Schema):
    # Unknown fields are an error, not silently dropped: a typo must not lose data.
    model_config = ConfigDict(extra="forbid")


def _err(status: int, message: str, detail: list[Any] | None = None) -> ApiError:
    return ApiError(status, message, detail)


def _get(model: type[models.Model], pk: int, **related: Any) -> Any:
    qs = model.objects.all()
    if related.get("select"):
        qs = qs.select_related(*related["select"])
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise _err(404, f"{model._meta.model_name} {pk} not found")
    return obj


def _account_for_write(request: HttpRequest, account_id: int) -> Account:
    account = _get(Account, account_id)
    if not can_edit_account(request.auth, account):
        raise _err(403, "you may not change this account")
    return account


def _user_by_email(email: str | None, field: str) -> User | None:
    if email is None:
        return None
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        raise _err(422, "invalid input", [{"loc": ["body", field], "msg": f"no active user {email}", "type": "value"}])
    return user


def _integrity(exc: IntegrityError, field: str = "external_id") -> ApiError:
    return _err(409, "conflict", [{"loc": ["body", field], "msg": "already used by another record", "type": "unique"}])


# ---------------------------------------------------------------- accounts


class AccountOut(Schema):
    id: int
    external_id: str
    name: str
    industry: str
    employees: int | None
    country: str
    website: str
    owner_email: str | None
    segment: str
    lifecycle_stage: str
    traits: dict[str, Any]
    arr: Decimal
    currency: str
    next_renewal_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner_email(obj: Account) -> str | None:
        return obj.owner.email if obj.owner_id else None


class AccountIn(StrictSchema):
    external_id: ExternalId
    name: Name
    industry: str = Field("", max_length=100)
    employees: int | None = Field(None, ge=0)
    country: str = Field("JP", pattern=r"^([A-Z]{2})?$")
    website: str = Field("", max_length=255)
    owner_email: str | None = None
    segment: SegmentOrBlank = ""
    lifecycle_stage: StageCode = LifecycleStage.ONBOARDING.value
    traits: dict[str, Any] = Field(default_factory=dict)


class AccountPatch(StrictSchema):
    external_id: ExternalId | None = None
    name: Name | None = None
    industry: str | None = Field(None, max_length=100)
    employees: int | None = Field(None, ge=0)
    country: str | None = Field(None, pattern=r"^([A-Z]{2})?$")
    website: str | None = Field(None, max_length=255)
    owner_email: str | None = None
    segment: SegmentOrBlank | None = None
    lifecycle_stage: StageCode | None = None
    traits: dict[str, Any] | None = None


class AccountFilter(Schema):
    q: str | None = None
    owner_email: str | None = None
    segment: SegmentCode | None = None
    lifecycle_stage: StageCode | None = None
    external_id: str | None = None


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class ChildPage(Page):
    account_id: int | None = None


def _reject_nulls(data: dict[str, Any], fields: tuple[str, ...]) -> None:
    """A PATCH may omit a required field but not set it to null."""
    for field in fields:
        if field in data and data[field] is None:
            raise _err(422, "invalid input", [{"loc": ["body", field], "msg": "may not be null", "type": "null"}])


def _page_of(qs: models.QuerySet[Any], page: ChildPage) -> models.QuerySet[Any]:
    if page.account_id is not None:
        qs = qs.filter(account_id=page.account_id)
    return qs[page.offset : page.offset + page.limit]


class AccountList(Schema):
    count: int
    items: list[AccountOut]


@router.get("/accounts", response=AccountList)
def list_accounts(request: HttpRequest, filters: Query[AccountFilter], page: Query[Page]) -> dict[str, Any]:
    qs = Account.objects.select_related("owner").order_by("name", "id")
    if filters.q:
        qs = qs.filter(models.Q(name__icontains=filters.q) | models.Q(external_id__icontains=filters.q))
    if filters.owner_email:
        qs = qs.filter(owner__email=filters.owner_email.lower())
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.external_id:
        qs = qs.filter(external_id=filters.external_id)
    return {"count": qs.count(), "items": list(qs[page.offset : page.offset + page.limit])}


@router.get("/accounts/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int) -> Account:
    return _get(Account, account_id, select=["owner"])


@router.post("/accounts", response={201: AccountOut})
def create_account(request: HttpRequest, payload: AccountIn) -> Status:
    if not can_configure(request.auth):
        raise _err(403, "only CS Ops and admins create accounts")
    data = payload.dict()
    owner = _user_by_email(data.pop("owner_email"), "owner_email")
    try:
        with transaction.atomic():
            account = Account.objects.create(owner=owner, **data)
            record(request.auth, "account.created", account, {"external_id": account.external_id})
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return Status(201, account)


@router.patch("/accounts/{account_id}", response=AccountOut)
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> Account:
    account = _account_for_write(request, account_id)
    data = payload.dict(exclude_unset=True)
    if "owner_email" in data:
        if not can_assign_owner(request.auth):
            raise _err(403, "only CS Ops and admins assign owners")
        account.owner = _user_by_email(data.pop("owner_email"), "owner_email")
    _reject_nulls(data, ("external_id", "name", "lifecycle_stage"))
    for key, value in data.items():
        setattr(account, key, "" if value is None and key in {"industry", "website", "country", "segment"} else value)
    if data.get("traits") is None and "traits" in data:
        account.traits = {}
    try:
        with transaction.atomic():
            account.save()
            record(request.auth, "account.updated", account, {"fields": sorted(payload.dict(exclude_unset=True))})
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return account


@router.delete("/accounts/{account_id}", response={204: None})
def delete_account(request: HttpRequest, account_id: int) -> Status:
    account = _get(Account, account_id)
    if not can_configure(request.auth):
        raise _err(403, "only CS Ops and admins delete accounts")
    with transaction.atomic():
        record(request.auth, "account.deleted", account, {"external_id": account.external_id})
        account.delete()
    return Status(204, None)


# ---------------------------------------------------------------- contracts


class ContractOut(Schema):
    id: int
    external_id: str
    account_id: int
    product: str
    plan: str
    seats: int
    mrr: Decimal
    arr: Decimal
    currency: str
    start_date: dt.date
    renewal_date: dt.date | None
    end_date: dt.date | None
    status: str

    @staticmethod
    def resolve_product(obj: Contract) -> str:
        return obj.product.code


class ContractIn(StrictSchema):
    external_id: ExternalId
    account_id: int
    product: str = Field(..., description="product code")
    plan: str = Field("", max_length=100)
    seats: int = Field(0, ge=0)
    mrr: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    currency: Currency = "JPY"
    start_date: dt.date
    renewal_date: dt.date | None = None
    end_date: dt.date | None = None
    status: StatusCode = ContractStatus.ACTIVE.value

    @model_validator(mode="after")
    def _check(self) -> ContractIn:
        problem = check_amount(self.mrr, self.currency)
        if problem:
            raise ValueError(f"mrr: {problem}")
        if self.renewal_date and self.renewal_date < self.start_date:
            raise ValueError("renewal_date is before start_date")
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ContractPatch(StrictSchema):
    external_id: ExternalId | None = None
    product: str | None = None
    plan: str | None = Field(None, max_length=100)
    seats: int | None = Field(None, ge=0)
    mrr: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: Currency | None = None
    start_date: dt.date | None = None
    renewal_date: dt.date | None = None
    end_date: dt.date | None = None
    status: StatusCode | None = None


def _product(code: str) -> Product:
    product = Product.objects.filter(code=code).first()
    if product is None:
        detail = [{"loc": ["body", "product"], "msg": f"unknown product {code!r}", "type": "value"}]
        raise _err(422, "invalid input", detail)
    return product


def _validate_contract(contract: Contract) -> None:
    detail = []
    problem = check_amount(Decimal(contract.mrr), contract.currency)
    if problem:
        detail.append({"loc": ["body", "mrr"], "msg": problem, "type": "value"})
    for field in ("renewal_date", "end_date"):
        value = getattr(contract, field)
        if value and value < contract.start_date:
            detail.append({"loc": ["body", field], "msg": f"{field} is before start_date", "type": "value"})
    if detail:
        raise _err(422, "invalid input", detail)


@router.get("/contracts", response=list[ContractOut])
def list_contracts(request: HttpRequest, page: Query[ChildPage]) -> Any:
    qs = Contract.objects.select_related("product").order_by("id")
    return _page_of(qs, page)


@router.get("/contracts/{contract_id}", response=ContractOut)
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    return _get(Contract, contract_id, select=["product"])


@router.post("/contracts", response={201: ContractOut})
def create_contract(request: HttpRequest, payload: ContractIn) -> Status:
    account = _account_for_write(request, payload.account_id)
    data = payload.dict()
    data["product"] = _product(data["product"])
    data["account"] = account
    del data["account_id"]
    try:
        with transaction.atomic():
            contract = Contract.objects.create(**data)
            refresh_account_rollup([account.pk])
    except IntegrityError as exc:
        raise _integrity(exc) from None
    contract.refresh_from_db()  # answer with stored values (Decimal scale), not the echo of the input
    return Status(201, contract)


@router.patch("/contracts/{contract_id}", response=ContractOut)
def update_contract(request: HttpRequest, contract_id: int, payload: ContractPatch) -> Contract:
    contract = _get(Contract, contract_id, select=["product"])
    _account_for_write(request, contract.account_id)
    data = payload.dict(exclude_unset=True)
    _reject_nulls(data, ("external_id", "mrr", "currency", "start_date", "status", "seats", "product"))
    if "product" in data:
        data["product"] = _product(data["product"])
    for key, value in data.items():
        setattr(contract, key, "" if value is None and key == "plan" else value)
    _validate_contract(contract)
    try:
        with transaction.atomic():
            contract.save()
            refresh_account_rollup([contract.account_id])
    except IntegrityError as exc:
        raise _integrity(exc) from None
    contract.refresh_from_db()
    return contract


@router.delete("/contracts/{contract_id}", response={204: None})
def delete_contract(request: HttpRequest, contract_id: int) -> Status:
    contract = _get(Contract, contract_id)
    _account_for_write(request, contract.account_id)
    with transaction.atomic():
        contract.delete()
        refresh_account_rollup([contract.account_id])
    return Status(204, None)


# ---------------------------------------------------------------- contacts


class ContactOut(Schema):
    id: int
    external_id: str | None
    account_id: int
    name: str
    email: str
    title: str
    department: str
    role: str
    phone: str
    unsubscribed: bool
    is_active: bool
    traits: dict[str, Any]


Email = Annotated[str, Field(max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")]


class ContactIn(StrictSchema):
    external_id: ExternalId | None = None
    account_id: int
    name: Name
    email: Email = ""
    title: str = Field("", max_length=200)
    department: str = Field("", max_length=200)
    role: RoleCode = ContactRole.USER.value
    phone: str = Field("", max_length=50)
    unsubscribed: bool = False
    is_active: bool = True
    traits: dict[str, Any] = Field(default_factory=dict)


class ContactPatch(StrictSchema):
    external_id: ExternalId | None = None
    name: Name | None = None
    email: Email | None = None
    title: str | None = Field(None, max_length=200)
    department: str | None = Field(None, max_length=200)
    role: RoleCode | None = None
    phone: str | None = Field(None, max_length=50)
    unsubscribed: bool | None = None
    is_active: bool | None = None
    traits: dict[str, Any] | None = None


@router.get("/contacts", response=list[ContactOut])
def list_contacts(request: HttpRequest, page: Query[ChildPage]) -> Any:
    qs = Contact.objects.order_by("id")
    return _page_of(qs, page)


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return _get(Contact, contact_id)


@router.post("/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactIn) -> Status:
    account = _account_for_write(request, payload.account_id)
    data = payload.dict()
    del data["account_id"]
    try:
        with transaction.atomic():
            contact = Contact.objects.create(account=account, **data)
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return Status(201, contact)


@router.patch("/contacts/{contact_id}", response=ContactOut)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    contact = _get(Contact, contact_id)
    _account_for_write(request, contact.account_id)
    data = payload.dict(exclude_unset=True)
    _reject_nulls(data, ("name", "role", "unsubscribed", "is_active"))
    for key, value in data.items():
        if value is None and key in {"email", "title", "department", "phone"}:
            value = ""
        if value is None and key == "traits":
            value = {}
        setattr(contact, key, value)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return contact


@router.delete("/contacts/{contact_id}", response={204: None})
def delete_contact(request: HttpRequest, contact_id: int) -> Status:
    contact = _get(Contact, contact_id)
    _account_for_write(request, contact.account_id)
    contact.delete()
    return Status(204, None)


# ---------------------------------------------------------------- activities


class ActivityOut(Schema):
    id: int
    external_id: str | None
    account_id: int
    kind: str
    occurred_at: dt.datetime
    author_email: str | None
    contact_ids: list[int]
    summary: str
    body: str
    data: dict[str, Any]

    @staticmethod
    def resolve_author_email(obj: Activity) -> str | None:
        return obj.author.email if obj.author_id else None

    @staticmethod
    def resolve_contact_ids(obj: Activity) -> list[int]:
        return [c.pk for c in obj.contacts.all()]


class ActivityIn(StrictSchema):
    account_id: int
    kind: KindCode
    summary: Annotated[str, Field(min_length=1, max_length=300)]
    body: str = ""
    occurred_at: dt.datetime | None = None
    contact_ids: list[int] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class ActivityPatch(StrictSchema):
    kind: KindCode | None = None
    summary: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    body: str | None = None
    occurred_at: dt.datetime | None = None
    contact_ids: list[int] | None = None
    data: dict[str, Any] | None = None


def _contacts_of(account_id: int, ids: list[int]) -> list[Contact]:
    contacts = list(Contact.objects.filter(account_id=account_id, pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in contacts})
    if missing:
        raise _err(422, "invalid input", [
            {"loc": ["body", "contact_ids"], "msg": f"not contacts of this account: {missing}", "type": "value"}
        ])
    return contacts


@router.get("/activities", response=list[ActivityOut])
def list_activities(request: HttpRequest, page: Query[ChildPage]) -> Any:
    qs = Activity.objects.select_related("author").prefetch_related("contacts").order_by("-occurred_at", "-id")
    return _page_of(qs, page)


@router.get("/activities/{activity_id}", response=ActivityOut)
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    return _get(Activity, activity_id, select=["author"])


@router.post("/activities", response={201: ActivityOut})
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status:
    account = _account_for_write(request, payload.account_id)
    contacts = _contacts_of(account.pk, payload.contact_ids)
    activity = do_log_activity(
        account, kind=payload.kind, summary=payload.summary, body=payload.body, actor=request.auth,
        occurred_at=payload.occurred_at, contacts=contacts, data=payload.data,
    )
    return Status(201, activity)


@router.patch("/activities/{activity_id}", response=ActivityOut)
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Activity:
    activity = _get(Activity, activity_id, select=["author"])
    _account_for_write(request, activity.account_id)
    data = payload.dict(exclude_unset=True)
    _reject_nulls(data, ("kind", "summary", "occurred_at"))
    contact_ids = data.pop("contact_ids", None)
    with transaction.atomic():
        for key, value in data.items():
            setattr(activity, key, value if value is not None else ("" if key == "body" else {}))
        activity.save()
        if contact_ids is not None:
            activity.contacts.set(_contacts_of(activity.account_id, contact_ids))
    return activity


@router.delete("/activities/{activity_id}", response={204: None})
def delete_activity(request: HttpRequest, activity_id: int) -> Status:
    activity = _get(Activity, activity_id)
    _account_for_write(request, activity.account_id)
    activity.delete()
    return Status(204, None)
