"""Touch models, rules, playbooks, episodes, CTAs, role routing and the contact-cap log.

Rules and playbooks are configuration that CS Ops edit: their trigger, segment filter and
actions are validated JSON documents (``csops.playbooks.config``) so that they round-trip
through YAML exactly. Everything the daily pipeline does is keyed (one open episode per rule and
account, one action run per episode and action), so that re-running a day creates nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from csops.customers.models import Account, Contact


class TouchModel(models.TextChoices):
    HIGH = "high", _("High touch")
    LOW = "low", _("Low touch")
    TECH = "tech", _("Tech touch")
    COMMUNITY = "community", _("Community touch")


class SegmentRule(models.Model):
    """Accounts matching every condition get this touch model; the first rule (by position) wins."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    touch_model = models.CharField(_("touch model"), max_length=16, choices=TouchModel.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    # [{"field": "arr", "op": ">=", "value": 10000000}, ...]; see csops.playbooks.segments.FIELDS
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class AccountTouch(models.Model):
    """The touch model an account is served with, as the last segmentation run decided."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="touch")
    touch_model = models.CharField(_("touch model"), max_length=16, choices=TouchModel.choices)
    rule_key = models.CharField(max_length=64, blank=True)
    since = models.DateField(_("since"))
    # The model before the last change ("" for the first assignment): "left high touch" reads it.
    previous = models.CharField(max_length=16, choices=TouchModel.choices, blank=True)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.touch_model}"


class Responsibility(models.TextChoices):
    """Who does what (seed 000, The MODEL); the routing table maps each to a person or a queue."""

    ONBOARDING = "onboarding", _("Onboarding")
    IMPLEMENTATION = "implementation", _("Implementation support")
    ADOPTION = "adoption", _("Adoption")
    RENEWAL = "renewal", _("Renewal")
    UPSELL = "upsell", _("Upsell and cross-sell")
    TECHNICAL = "technical", _("Technical support")


class Route(models.Model):
    """Where CTAs of one responsibility go: the account owner (CSM), a named person, or a team queue."""

    responsibility = models.CharField(_("responsibility"), max_length=20, choices=Responsibility.choices,
                                      unique=True)
    to_owner = models.BooleanField(_("the account owner (CSM)"), default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    queue = models.CharField(_("team queue"), max_length=64, blank=True)

    class Meta:
        ordering = ["responsibility"]

    def __str__(self) -> str:
        return self.responsibility


class Playbook(models.Model):
    """Ordered actions started by a rule or by hand (``actions``: see csops.playbooks.actions)."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=20, choices=Responsibility.choices,
                                      default=Responsibility.ADOPTION)
    actions = models.JSONField(_("actions"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    """A trigger over the data, a segment filter, and the playbook it starts once per episode."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on"), default=False)
    trigger = models.JSONField(_("trigger"), default=dict)  # {"type": "renewal_in_days", "days": 120}
    segment = models.JSONField(_("segment filter"), default=dict, blank=True)
    playbook = models.ForeignKey(Playbook, verbose_name=_("playbook"), on_delete=models.PROTECT,
                                 related_name="rules")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Episode(models.Model):
    """A stretch of days during which a rule's condition held for an account: the playbook runs once."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="episodes")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="playbook_episodes")
    started_on = models.DateField(_("started on"))
    last_held_on = models.DateField(_("last held on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # The data that fired it: {"text": "...", ...trigger-specific numbers}
    reason = models.JSONField(_("reason"), default=dict)
    # For triggers about events (a ticket, a survey answer): the event, e.g. "activity:12"; each new
    # event starts its own episode. "" for triggers about a state of the account.
    event_key = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "account", "event_key"], condition=Q(ended_on__isnull=True),
                                    name="playbooks_one_open_episode_per_event"),
            models.UniqueConstraint(fields=["rule", "account", "event_key", "started_on"],
                                    name="playbooks_episode_start_per_event"),
        ]
        indexes = [models.Index(fields=["rule", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.rule} / {self.account_id} from {self.started_on}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class ActionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    DEFERRED = "deferred", _("Deferred by a contact cap")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class ActionRun(models.Model):
    """One action of a playbook for one episode (or a manual start), carried out once on or after ``due_on``."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="playbook_action_runs")
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="runs")
    # Unique per start: "episode:12" or "manual:<uuid>"; with the position it names the action.
    start_key = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    action = models.JSONField(default=dict)  # a copy: later edits of the playbook do not change a started run
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=500, blank=True)
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "start_key", "position"]
        constraints = [models.UniqueConstraint(fields=["start_key", "position"], name="playbooks_action_once")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.start_key}#{self.position} {self.status}"


class Priority(models.IntegerChoices):
    HIGH = 1, pgettext_lazy("priority", "High")
    MEDIUM = 2, pgettext_lazy("priority", "Medium")
    LOW = 3, pgettext_lazy("priority", "Low")


class CtaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    NOT_NEEDED = "not_needed", _("Not needed")
    NO_RESPONSE = "no_response", _("No response from the customer")
    ESCALATED = "escalated", _("Escalated")


class Cta(models.Model):
    """A call to action: a task for a role, with the data that fired it, a priority, a due date and a checklist."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ctas")
    action_run = models.OneToOneField(ActionRun, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="cta")
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="ctas")
    playbook = models.ForeignKey(Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="ctas")
    title = models.CharField(_("title"), max_length=300)
    reason = models.TextField(_("why"), blank=True)
    reason_data = models.JSONField(default=dict, blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=20, choices=Responsibility.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="ctas")
    queue = models.CharField(_("team queue"), max_length=64, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    due_on = models.DateField(_("due"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)  # [{"text", "done"}]
    contact = models.ForeignKey(Contact, verbose_name=_("contact to call"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    is_call = models.BooleanField(_("a call"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=CtaStatus.choices, default=CtaStatus.OPEN)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("note"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_on = models.DateField(_("created on"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["status", "priority", "due_on", "id"]
        indexes = [models.Index(fields=["assignee", "status"]), models.Index(fields=["account", "status"])]
        verbose_name = _("CTA")
        verbose_name_plural = _("CTAs")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, *, today: dt.date) -> bool:
        return self.status != CtaStatus.CLOSED and self.due_on < today


class KeyContact(models.Model):
    """The stored snapshot of the key people (decision makers, promoters) at the last rules run.

    Departures are found by comparing it with the contacts now, so that a contact deactivated by
    a bulk import (which sends no signals) or deleted outright is noticed as well.
    """

    contact_id = models.IntegerField(unique=True)
    account_id = models.IntegerField(db_index=True)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Departure(models.Model):
    """A key contact stopped being one (left, was removed, or changed role) on ``day``."""

    # Plain ids: the contact may be gone, and an account being deleted must not be held back.
    account_id = models.IntegerField(db_index=True)
    contact_id = models.IntegerField()
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20)
    day = models.DateField()
    how = models.CharField(max_length=20)  # deactivated | removed | role_changed

    class Meta:
        ordering = ["-day", "id"]
        constraints = [models.UniqueConstraint(fields=["contact_id", "day"], name="playbooks_departure_day")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) {self.how} {self.day}"


class Unreachable(models.Model):
    """An "unreachable after over-contact" episode: N touches to a contact and no answer since the first."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    csm = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    started_on = models.DateField()
    touches = models.PositiveIntegerField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(ended_on__isnull=True),
                                    name="playbooks_one_open_unreachable"),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} unreachable from {self.started_on}"


class PlaybookSettings(models.Model):
    """The single row of playbook settings CS Ops edit in the app (audited)."""

    account_cap = models.PositiveIntegerField(
        _("touches per account per period"), default=6,
        help_text=_("Across all contacts and channels; 0 turns the account cap off"))
    unreachable_after = models.PositiveIntegerField(
        _("unreachable after N touches without an answer"), default=4)
    capacity_target = models.PositiveIntegerField(_("target accounts per CSM"), default=40)
    defer_days = models.PositiveIntegerField(
        _("give up a deferred action after (days)"), default=14)

    def __str__(self) -> str:
        return "playbook settings"

    @classmethod
    def get(cls) -> PlaybookSettings:
        """The saved settings, or the defaults (unsaved: reading them writes nothing, a dry run included)."""
        return cls.objects.order_by("pk").first() or cls()
