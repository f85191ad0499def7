"""What each role may do, as plain functions over a user (no HTTP, no account model)."""

from __future__ import annotations

from typing import Protocol

from csops.users.models import Role


class _Person(Protocol):
    is_authenticated: bool
    is_active: bool
    role: str
    pk: int | None


def is_reader(user: _Person) -> bool:
    """Every signed-in, active person may read customer data."""
    return bool(user.is_authenticated and user.is_active)


def can_configure(user: _Person) -> bool:
    """Admins and CS Ops configure the system: imports, scorecards, playbooks, owners."""
    return is_reader(user) and user.role in (Role.ADMIN, Role.CS_OPS)


def can_manage_users(user: _Person) -> bool:
    return is_reader(user) and user.role == Role.ADMIN


def can_edit_owned_by(user: _Person, owner_id: int | None) -> bool:
    """Whether ``user`` may change a record whose owner CSM is ``owner_id``.

    Admins and CS Ops edit everything; a CSM edits only what they own (an account
    with no owner is CS Ops' to assign first); a viewer edits nothing.
    """
    if can_configure(user):
        return True
    return is_reader(user) and user.role == Role.CSM and owner_id is not None and owner_id == user.pk
