"""Where events come from (sources with write keys), who anonymous visitors turned out
to be (identity links), and what event names mean as product features (the registry).

The events themselves live in the Parquet lake (csops.usage.lake), not here.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Product
from csops.users.models import hash_token


class Source(models.Model):
    """A product or system that sends events, with its own revocable write key."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str, *, created_by: object = None) -> tuple[Source, str]:
        """Create a source and return it with its raw write key, which is never stored."""
        raw = "wk_" + secrets.token_urlsafe(24)
        source = cls.objects.create(name=name, key_hash=hash_token(raw), hint=raw[:12], created_by=created_by)
        return source, raw

    @classmethod
    def for_key(cls, raw: str) -> Source | None:
        return cls.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()


class IdentityLink(models.Model):
    """An anonymous id that an ``identify`` or ``alias`` call tied to a known user.

    Events stay in the lake as they arrived; queries resolve anonymous events to the
    user (and so to the account) through these links, so the start of an onboarding
    that happened before sign-up is not lost.
    """

    anonymous_id = models.CharField(max_length=200, unique=True)
    user_id = models.CharField(max_length=200, db_index=True)
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.anonymous_id} -> {self.user_id}"


class Feature(models.Model):
    """A product feature, as CS Ops define it over raw event names (and property filters)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="features")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    event_name = models.CharField(_("event name"), max_length=200)
    property_filter = models.JSONField(
        _("property filter"), default=dict, blank=True,
        help_text=_("Only events whose properties match all of these key/value pairs"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "name"]
        constraints = [models.UniqueConstraint(fields=["product", "key"], name="usage_feature_unique_key")]

    def __str__(self) -> str:
        return f"{self.product.code}:{self.key}"


class PendingIdentity(models.Model):
    """Traits from ``identify`` calls for a user whom no ``group`` call has tied to an account yet.

    A contact belongs to an account, so an identify that names no account (no ``context.groupId``,
    no ``traits.company.id``) cannot create one; its traits wait here and are applied when a
    ``group`` call links the user.
    """

    user_id = models.CharField(max_length=100, unique=True)
    traits = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.user_id
