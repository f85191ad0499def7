"""The churn risk model and its daily scores."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account


class ChurnModel(models.Model):
    """One training of the churn risk model: its held-out figures and the fitted model itself.

    ``artifact`` is the pickled model written by ``csops insights train`` on this server; it is
    only ever read back from this table, never taken from a user."""

    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_on = models.DateField(_("history up to"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"))
    scorecard_key = models.CharField(_("scorecard"), max_length=64, blank=True)
    # The scorecard's version when the model was trained; a newer one makes the daily step retrain.
    # Null only for a model of a scorecard without snapshots (older rows were filled from those).
    scorecard_version = models.PositiveIntegerField(_("scorecard version"), null=True, blank=True)
    model_name = models.CharField(_("model"), max_length=40)
    metrics = models.JSONField(_("held-out figures"), default=dict)
    features = models.JSONField(_("features"), default=list)
    rows = models.PositiveIntegerField(_("training rows"), default=0)
    artifact = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("churn model")

    def __str__(self) -> str:
        return f"{self.model_name} {self.trained_on}"


class ChurnRisk(models.Model):
    """An account's probability of churning within the model's horizon, as scored on ``day``."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="churn_risks")
    day = models.DateField(_("day"))
    probability = models.FloatField(_("churn probability"))
    drivers = models.JSONField(_("top drivers"), default=list, blank=True)  # [[feature, points], ...]
    model = models.ForeignKey(ChurnModel, on_delete=models.CASCADE, related_name="scores")

    class Meta:
        ordering = ["-day", "-probability"]
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="churn_risk_unique_day")]
        indexes = [models.Index(fields=["day", "-probability"])]
        verbose_name = _("churn risk")

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.probability:.2f}"


class RevenueForecast(models.Model):
    """The day's revenue forecast as the dashboard shows it, written by the daily pipeline step.

    Computing it simulates every live contract's renewals (seconds at 10,000 accounts), too slow
    for a page; the dashboard reads the latest row instead. ``quarters`` are the next four quarters
    (expected ARR, GRR and NRR with their 10-90 % intervals); ``by_segment``, ``by_owner`` and
    ``by_product`` are next quarter's figures per slice, so that a dashboard filter shows its own.
    ``months`` and ``renewals`` let the insights report show the day's forecast without simulating."""

    day = models.DateField(_("day"), unique=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    arr_now = models.FloatField(_("ARR on the day"))
    quarters = models.JSONField(_("next four quarters"), default=list)
    by_segment = models.JSONField(_("per segment"), default=list)
    by_owner = models.JSONField(_("per owner"), default=list)
    by_product = models.JSONField(_("per product"), default=list)
    # This month and the next 12: [{"month", "expected", "low", "high"}] (the report's chart).
    months = models.JSONField(_("next twelve months"), default=list)
    # The renewals within RENEWALS_KEPT_DAYS, soonest first: [{"account_id", "contract_id", "product",
    # "segment", "owner_id", "date", "arr", "p": {outcome: probability}, "expected_arr"}].
    renewals = models.JSONField(_("upcoming renewals"), default=list)
    renewals_in_year = models.PositiveIntegerField(_("renewals in the next 12 months"), default=0)
    used_churn_risk = models.BooleanField(_("used the accounts' churn risk"), default=False)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("revenue forecast")

    def __str__(self) -> str:
        return f"forecast {self.day}"

    @property
    def next_quarter(self) -> dict | None:
        return self.quarters[0] if self.quarters else None
