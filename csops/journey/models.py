"""The customer journey: maturity models and their history, lifecycle stages, onboarding plans,
time to first value and success plans.

Configuration (maturity models, stage rules, onboarding templates) is data that CS Ops edit and
that travels as YAML (``csops.journey.config``). Conditions are stored as validated JSON documents
(``csops.journey.conditions``) rather than rows, so that a model round-trips through YAML exactly.

History is stored as changes, not as one row per account and day: ``MaturityChange`` and
``StageChange`` hold transitions, ``EvaluatedDay`` remembers which days were evaluated so that a
re-run of a day never rewrites what was recorded for it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account, Contact, Contract, LifecycleStage, Product, Segment


class MaturityModel(models.Model):
    """A product's maturity curve: ordered levels, and the product's "first value" condition."""

    product = models.OneToOneField(Product, verbose_name=_("product"), on_delete=models.CASCADE,
                                   related_name="maturity_model")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # One condition (csops.journey.conditions) that marks the Wow! moment; empty = no TTFV.
    first_value = models.JSONField(_("first value condition"), default=dict, blank=True)
    first_value_label = models.CharField(_("first value"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set when the levels change (csops.journey.maturity.request_rebuild): the recorded history was
    # cleared and is recomputed by the worker, the next pipeline run or ``csops journey evaluate --rebuild``.
    rebuild_requested_at = models.DateTimeField(_("history rebuild requested"), null=True, blank=True)
    rebuild_until = models.DateField(_("rebuild up to"), null=True, blank=True)  # the last day evaluated before
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product__code"]
        verbose_name = _("maturity model")
        verbose_name_plural = _("maturity models")

    def __str__(self) -> str:
        return self.name


class MaturityLevel(models.Model):
    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    conditions = models.JSONField(_("conditions"), default=list)

    class Meta:
        ordering = ["model", "number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="journey_level_unique_number")]

    def __str__(self) -> str:
        return f"Lv.{self.number} {self.name}"


class EvaluatedDay(models.Model):
    """A day whose maturity levels were evaluated for a product: its recorded history is final."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    accounts = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="journey_evaluated_day_unique")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day}"


class StageDay(models.Model):
    """A day whose lifecycle stages were evaluated: its recorded changes are final."""

    day = models.DateField(unique=True)
    evaluated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.day)


class MaturityChange(models.Model):
    """An account's level for a product changed on ``day`` (0 = below Lv.1)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="maturity_changes")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    level_from = models.PositiveSmallIntegerField(_("from level"))
    level_to = models.PositiveSmallIntegerField(_("to level"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_id", "product_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "product", "day"], name="journey_maturity_change_unique"),
        ]
        indexes = [models.Index(fields=["product", "day"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.level_from} -> {self.level_to}"

    @property
    def is_up(self) -> bool:
        return self.level_to > self.level_from


class MaturityState(models.Model):
    """The latest evaluation of an account for a product, with why: shown on the account page."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="maturity_states")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    since = models.DateField(_("since"), null=True, blank=True)
    evaluated_on = models.DateField(_("evaluated on"))
    # [{"level", "name", "holds", "conditions": [{"label", "met", "actual", "op", "value"}]}]
    details = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["account_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "product"], name="journey_maturity_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} Lv.{self.level}"


class StageSource(models.TextChoices):
    INITIAL = "initial", _("Contract start")
    RULE = "rule", _("Rule")
    MANUAL = "manual", _("Manual override")


class StageRule(models.Model):
    """Move an account from one progression stage to another when its conditions hold.

    Renewal (a window before the renewal date) and churned (no live contract) are not rules: they
    follow from the contracts, and an account leaves renewal for the stage its rules give.
    """

    key = models.SlugField(_("key"), max_length=64, unique=True)
    from_stage = models.CharField(_("from"), max_length=20, choices=LifecycleStage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=LifecycleStage.choices)
    match = models.CharField(_("match"), max_length=3, default="all")  # all | any
    conditions = models.JSONField(_("conditions"), default=list)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key


class StageSettings(models.Model):
    """The single row of stage settings (how long the renewal window is)."""

    renewal_window_days = models.PositiveIntegerField(_("renewal window (days)"), default=90)
    override_days = models.PositiveIntegerField(_("manual override holds (days)"), default=30)

    def __str__(self) -> str:
        return "stage settings"


class StageChange(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stage_changes")
    day = models.DateField(_("day"))
    stage_from = models.CharField(_("from"), max_length=20, choices=LifecycleStage.choices, blank=True)
    stage_to = models.CharField(_("to"), max_length=20, choices=LifecycleStage.choices)
    source = models.CharField(_("source"), max_length=10, choices=StageSource.choices)
    rule = models.CharField(_("rule"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # A manual override holds against the rules until this day (inclusive).
    hold_until = models.DateField(_("holds until"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_id", "day", "id"]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.stage_from} -> {self.stage_to}"

    def get_stage_to_label(self) -> str:
        return str(LifecycleStage(self.stage_to).label)


class OwnerSide(models.TextChoices):
    PROMOTER = "promoter", _("Customer promoter")
    OPERATOR = "operator", _("Customer operator")
    SALES = "sales", _("Sales")
    IMPLEMENTATION = "implementation", _("Implementation consultant")
    CSM = "csm", _("CSM")
    SUPPORT = "support", _("Support")


class Completion(models.TextChoices):
    MANUAL = "manual", _("Checked by hand")
    AUTO = "auto", _("Automatic")


class OnboardingTemplate(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE,
                                related_name="onboarding_templates")
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    stall_days = models.PositiveIntegerField(_("stalled after (days)"), default=14)
    # [{"key", "title", "description", "owner", "due_days", "completion", "condition"}] in order
    steps = models.JSONField(_("steps"), default=list)

    class Meta:
        ordering = ["product__code", "segment", "key"]
        constraints = [models.UniqueConstraint(fields=["product", "segment"], name="journey_template_unique_scope")]

    def __str__(self) -> str:
        return self.name


class OnboardingPlan(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="onboarding_plans")
    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="onboarding_plan")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    template_key = models.CharField(_("template"), max_length=64)
    started_on = models.DateField(_("started on"))
    stall_days = models.PositiveIntegerField(default=14)
    promoter = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    operator = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on", "id"]

    def __str__(self) -> str:
        return f"{self.account} / {self.product}"


class OnboardingStep(models.Model):
    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("owner"), max_length=20, choices=OwnerSide.choices)
    due_on = models.DateField(_("due"))
    completion = models.CharField(_("completion"), max_length=10, choices=Completion.choices)
    condition = models.JSONField(default=dict, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_automatically = models.BooleanField(default=False)
    # A person reopened the step: automatic completion leaves it alone until someone marks it done.
    reopened_by_hand = models.BooleanField(_("reopened by hand"), default=False)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="journey_step_unique_key")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, *, today: dt.date) -> bool:
        return self.done_on is None and self.due_on < today


class FirstValue(models.Model):
    """When an account first reached its product's first value (None: not yet)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="first_values")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    contract_start = models.DateField()
    reached_on = models.DateField(null=True, blank=True)
    # False when the contract started before the event history: the time to value is unknown.
    measurable = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "product"], name="journey_first_value_unique")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.reached_on}"

    @property
    def days(self) -> int | None:
        if self.reached_on is None or not self.measurable:
            return None
        return (self.reached_on - self.contract_start).days


class SuccessDepth(models.TextChoices):
    LIGHT = "light", _("Light: a field problem, months")
    DEEP = "deep", _("Deep: a management problem, a year or more")


class SuccessPlan(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="success_plan")
    depth = models.CharField(_("success sought"), max_length=10, choices=SuccessDepth.choices,
                             default=SuccessDepth.LIGHT)
    summary = models.TextField(_("what success means for this customer"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"success plan {self.account_id}"


class OutcomeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")


class Outcome(models.Model):
    """One customer outcome (Co): a KPI moving from a baseline to a target by a date."""

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(_("outcome"), max_length=200)
    kpi = models.CharField(_("KPI"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    current = models.DecimalField(_("current value"), max_digits=16, decimal_places=2, null=True, blank=True)
    # When set, the current value comes from this health measure's latest raw value.
    measure = models.CharField(_("from measure"), max_length=64, blank=True)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=OutcomeStatus.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    def progress(self) -> int | None:
        """Percent of the way from baseline to target (0-100), None without a current value."""
        if self.current is None or self.target == self.baseline:
            return None
        share = (self.current - self.baseline) / (self.target - self.baseline)
        return int(max(0, min(1, float(share))) * 100)


class MilestoneKind(models.TextChoices):
    BEHAVIOURAL = "behavioural", _("Behavioural success")
    OPERATIONAL = "operational", _("Operational success")


class Milestone(models.Model):
    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=12, choices=MilestoneKind.choices)
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class CxCheckpoint(models.Model):
    """How the customer feels about working with us (CX): a survey result or a note."""

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="checkpoints")
    day = models.DateField(_("day"))
    score = models.SmallIntegerField(_("survey score (0-10)"), null=True, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.sentiment}"
