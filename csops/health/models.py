"""Health scores: scorecards as data, daily snapshots with their explanation, CSM assessments.

A scorecard's groups, measures, normalisation, grade cut-offs and assessment form live in one
validated document (``Scorecard.definition``, see ``csops.health.definition``) rather than in
rows, so that a scorecard round-trips through YAML exactly, a change is one audited version
bump, and the live preview can re-weight stored snapshots without touching the lake.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account, Product, Segment


class Grade(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


class Scorecard(models.Model):
    """How the health of one product's accounts (optionally one segment's) is computed.

    An account is scored by every active scorecard whose product it has a live contract for;
    where a segment-specific scorecard and a product-wide one both match, the specific one wins.
    """

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="scorecards"
    )
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every saved change; each snapshot records the version that computed it.
    version = models.PositiveIntegerField(_("version"), default=1)
    definition = models.JSONField(_("definition"), default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product__code", "segment", "key"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return self.name


class HealthScore(models.Model):
    """One account's health on one day under one scorecard, with everything that explains it.

    ``breakdown`` maps each measure key to ``{"group", "raw", "score", "weight", "contribution"}``:
    the raw value (None when there was no data), its 0-100 score after normalisation, the weight
    it finally carried (re-weighted when others were missing, decayed when an assessment is stale)
    and its points in the overall score. ``score`` is None only when no measure had data.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="health_scores")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    day = models.DateField(_("day"))
    scorecard_version = models.PositiveIntegerField(_("scorecard version"))
    score = models.FloatField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    trend_7 = models.FloatField(_("change over 7 days"), null=True, blank=True)
    trend_30 = models.FloatField(_("change over 30 days"), null=True, blank=True)
    # Share of the configured weight that had data (1.0 = every measure known).
    coverage = models.FloatField(_("coverage"), default=1.0)
    flags = models.JSONField(_("flags"), default=list, blank=True)  # "missing_data", "stale_assessment", ...
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "account_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "scorecard", "day"], name="health_score_unique_day"),
        ]
        indexes = [
            models.Index(fields=["scorecard", "day"]),
            models.Index(fields=["account", "-day"]),
        ]
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.score}"


def _scale() -> list:
    return [MinValueValidator(1), MaxValueValidator(5)]


class Assessment(models.Model):
    """A CSM's qualitative view of an account, in the fixed format of its scorecard.

    Every CSM answers the same anchored 1-5 scales (the anchors live in the scorecard's
    ``definition["assessment"]``), so that assessments compare across CSMs. ``csm_view`` is the
    CSM's own red/yellow/green: shown beside the computed score, never blended into it.
    ``answers["scenarios"]`` maps each usage scenario key to ``{"current": 1-5, "note", "wants"}``.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assessments")
    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.PROTECT, related_name="assessments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="health_assessments",
    )
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    promotion = models.PositiveSmallIntegerField(_("internal promotion"), validators=_scale())
    relationship = models.PositiveSmallIntegerField(_("contract holder and operators"), validators=_scale())
    csm_view = models.CharField(_("CSM's own view"), max_length=10, choices=Grade.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["account", "-assessed_on"])]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.account_id} {self.assessed_on}"
