"""Helpers shared by management commands that act on someone's behalf."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from csops.users.models import User


def actor_from_option(email: str | None) -> User | None:
    """The active user named by an ``--actor EMAIL`` option (None when absent); an unknown email is an error."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise CommandError(_("no active user has the email %(email)s") % {"email": email})
    return user
