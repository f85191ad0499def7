"""Tech touch: templates, step-email campaigns, the message send log, the touch ledger, clicks and channels."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account, Contact


class Template(models.Model):
    """A message in Japanese and English: subject, HTML body and text body, with {{ variables }}."""

    key = models.SlugField(_("key"), max_length=80, unique=True, help_text=_("Stable name used in YAML files"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    subject_ja = models.CharField(_("subject (Japanese)"), max_length=300, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=300, blank=True)
    text_ja = models.TextField(_("text body (Japanese)"), blank=True)
    text_en = models.TextField(_("text body (English)"), blank=True)
    html_ja = models.TextField(_("HTML body (Japanese)"), blank=True)
    html_en = models.TextField(_("HTML body (English)"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    FIELDS = ("subject_ja", "subject_en", "text_ja", "text_en", "html_ja", "html_en")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def part(self, kind: str, language: str) -> str:
        """``kind`` in subject/text/html; English falls back to Japanese and back, so nothing is sent empty."""
        other = "en" if language == "ja" else "ja"
        return getattr(self, f"{kind}_{language}", "") or getattr(self, f"{kind}_{other}", "")


class Campaign(models.Model):
    """A step-email sequence: who enters, who leaves, and what each step sends on which day."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    roles = models.JSONField(_("contact roles"), default=list, blank=True,
                             help_text=_("Contact roles that enter; empty means every role"))
    entry_conditions = models.JSONField(_("entry conditions"), default=list, blank=True)
    exit_conditions = models.JSONField(_("exit conditions"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CampaignStep(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"))
    day_offset = models.PositiveIntegerField(_("day"), help_text=_("Days after the contact entered the campaign"))
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="steps")
    roles = models.JSONField(_("contact roles"), default=list, blank=True,
                             help_text=_("Roles that receive this step; empty means the campaign's roles"))
    conditions = models.JSONField(_("conditions"), default=list, blank=True,
                                  help_text=_("Sent only when every condition holds on the step's day"))

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [models.UniqueConstraint(fields=["campaign", "position"], name="outreach_step_position")]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.position} (day {self.day_offset})"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Exited")


class Enrolment(models.Model):
    """A contact inside a campaign; day 0 is ``enrolled_on``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="enrolments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrolments")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_on = models.DateField(_("entered on"))
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    exit_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-enrolled_on", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "contact"], name="outreach_enrol_once")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.contact} in {self.campaign}"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SLACK = "slack", _("Slack")
    WEBHOOK = "webhook", _("Webhook")


class Endpoint(models.Model):
    """Where Slack alerts and webhooks go: a Slack incoming-webhook URL, or any URL signed with HMAC."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=[(Channel.SLACK, _("Slack")),
                                                                (Channel.WEBHOOK, _("Webhook"))])
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    UNCONFIRMED = "unconfirmed", _("Sent, unconfirmed")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


class SendPhase(models.TextChoices):
    """How far a claimed message got, which decides what recovery may do after a crash (docs/worker.md)."""

    NONE = "", _("Not started")
    # The whole message was handed over (email: the final dot of DATA written; webhook: request
    # sent): the receiver may have it, so a crash from here on must not resend an email blindly.
    HANDED_OVER = "handed_over", _("Handed over")


class Message(models.Model):
    """One outbound message and its send log: an email to a contact or a Slack/webhook post."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(
        max_length=200, unique=True, help_text="who queues it twice gets the first one back (campaign:step:contact)"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="messages")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="messages")
    step = models.ForeignKey(CampaignStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    template = models.ForeignKey(Template, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=64, blank=True, help_text="outreach, playbooks...")
    language = models.CharField(max_length=8, blank=True)
    to_address = models.CharField(_("to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    event = models.CharField(max_length=100, blank=True, help_text="webhook event, e.g. customer.onboarding_stalled")
    scheduled_for = models.DateField(null=True, blank=True, help_text="the pipeline day that queued it")
    respect_window = models.BooleanField(default=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    phase = models.CharField(max_length=16, choices=SendPhase.choices, blank=True, default=SendPhase.NONE)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["contact", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject or self.event} -> {self.to_address} ({self.status})"


class Touch(models.Model):
    """The shared ledger of outbound touches per contact, which caps read (outreach and playbooks)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="touches")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="touches")
    channel = models.CharField(max_length=32)
    source = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(db_index=True)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="touch")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["contact", "occurred_at"]), models.Index(fields=["account", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.channel} touch {self.contact_id} at {self.occurred_at:%Y-%m-%d}"


class Click(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(max_length=2000)
    clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-clicked_at"]

    def __str__(self) -> str:
        return f"click {self.url} at {self.clicked_at:%Y-%m-%d %H:%M}"
