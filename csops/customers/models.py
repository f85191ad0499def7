"""Accounts, their contracts, contacts, the sales handoff and the activity timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    MID_MARKET = "mid_market", _("Mid-market")
    SMB = "smb", _("SMB")


class LifecycleStage(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ADOPTION = "adoption", _("Adoption")
    EXPANSION = "expansion", _("Expansion")
    RENEWAL = "renewal", _("Renewal")
    CHURNED = "churned", _("Churned")


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, help_text=_("CRM id; also the Segment groupId")
    )
    name = models.CharField(_("name"), max_length=255, db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="JP")
    website = models.CharField(_("website"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="owned_accounts",
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING
    )
    traits = models.JSONField(_("custom traits"), default=dict, blank=True)
    # Denormalised from active contracts (refresh_account_rollup) so that the account
    # list can sort and filter 10k accounts by ARR and renewal without a join.
    arr = models.DecimalField(_("ARR"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    next_renewal_date = models.DateField(_("next renewal"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["segment", "name"]),
            models.Index(fields=["lifecycle_stage", "name"]),
            models.Index(fields=["arr"]),
        ]

    def __str__(self) -> str:
        return self.name

    def active_contracts(self) -> models.QuerySet[Contract]:
        return self.contracts.filter(status__in=Contract.LIVE_STATUSES)


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    EXPANDED = "expanded", _("Expanded")
    CONTRACTED = "contracted", _("Contracted")
    CHURNED = "churned", _("Churned")


class Contract(models.Model):
    # A contract that is renewed, expanded or contracted is still running (on new terms);
    # only a churned contract has ended.
    LIVE_STATUSES = (
        ContractStatus.ACTIVE, ContractStatus.RENEWED, ContractStatus.EXPANDED, ContractStatus.CONTRACTED,
    )

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contracts")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="contracts")
    plan = models.CharField(_("plan"), max_length=100, blank=True)
    seats = models.PositiveIntegerField(_("seats"), default=0)
    mrr = models.DecimalField(_("MRR"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    start_date = models.DateField(_("start date"))
    renewal_date = models.DateField(_("renewal date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices, default="active")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["renewal_date"])]

    def __str__(self) -> str:
        return f"{self.account} / {self.product} ({self.plan})"

    @property
    def arr(self) -> Decimal:
        return self.mrr * 12

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def days_to_renewal(self, *, today: dt.date) -> int | None:
        return (self.renewal_date - today).days if self.renewal_date else None


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    PROMOTER = "promoter", _("Promoter")
    OPERATOR = "operator", _("Operator")
    USER = "user", _("User")


class Influence(models.TextChoices):
    """How much this person sways the customer's decisions (the power map's vertical axis)."""

    HIGH = "high", _("High influence")
    MEDIUM = "medium", _("Medium influence")
    LOW = "low", _("Low influence")


class Sentiment(models.TextChoices):
    """How this person feels about the product and us, as the CSM last judged it."""

    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True,
        help_text=_("CRM id; also the Segment userId"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.USER)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    # The power map: blank until the CSM judges it (unknown is shown as such, never guessed).
    influence = models.CharField(_("influence"), max_length=10, choices=Influence.choices, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    unsubscribed = models.BooleanField(_("unsubscribed"), default=False)
    is_active = models.BooleanField(
        _("still at the customer"), default=True, help_text=_("Unset when the person leaves or changes role")
    )
    traits = models.JSONField(_("custom traits"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandoffStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to CS")
    ACCEPTED = "accepted", _("Accepted by CSM")


class Handoff(models.Model):
    """What sales promised and learned, handed to the CSM so the customer never repeats themselves."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="handoffs")
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seller_name = models.CharField(_("seller"), max_length=200, blank=True)
    deal_goals = models.TextField(_("deal goals"), blank=True)
    promised_items = models.TextField(_("promised items"), blank=True)
    key_stakeholders = models.TextField(_("key stakeholders"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    expected_go_live = models.DateField(_("expected go-live"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=HandoffStatus.choices, default=HandoffStatus.DRAFT)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Handoff {self.account}"


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    NOTE = "note", _("Note")
    TICKET = "ticket", _("Support ticket")
    SURVEY = "survey", _("Survey")
    SYSTEM = "system", _("System event")


class Activity(models.Model):
    """One touchpoint on the account timeline."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activities")
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="activities",
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="activities", verbose_name=_("contacts"))
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("details"), blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="structured extras: ticket severity, NPS score...")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "-occurred_at"])]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.summary
