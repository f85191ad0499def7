"""Product feedback: feature requests, bugs and use cases heard from customers, linked to accounts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account, Contact, Product


class FeedbackKind(models.TextChoices):
    FEATURE_REQUEST = "feature_request", _("Feature request")
    BUG = "bug", _("Bug")
    USE_CASE = "use_case", _("Use case")


class FeedbackStatus(models.TextChoices):
    # The product team's status, shared with CS: one value that both sides read.
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    SHIPPED = "shipped", _("Shipped")
    DECLINED = "declined", _("Declined")


# Requests still waiting on the product team: what the ranking weighs by default.
OPEN_STATUSES = (FeedbackStatus.NEW, FeedbackStatus.UNDER_REVIEW, FeedbackStatus.PLANNED)
# Use cases tell how a customer succeeds; they are shared, not ranked as asks.
REQUEST_KINDS = (FeedbackKind.FEATURE_REQUEST, FeedbackKind.BUG)


class Feedback(models.Model):
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE,
                                related_name="feedback")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="feedback")
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    product = models.ForeignKey(Product, verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="feedback")
    status = models.CharField(_("status"), max_length=20, choices=FeedbackStatus.choices,
                              default=FeedbackStatus.NEW)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="feedback")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A contact speaks for their own company only: feedback from Acme's contact is not Globex's.
        if self.contact_id is not None and self.contact is not None and self.contact.account_id != self.account_id:
            raise ValidationError({"contact": _("This contact belongs to another account.")})
