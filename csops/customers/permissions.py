"""Who may do what to customer records. Used by views, the API and the admin alike."""

from __future__ import annotations

from typing import Any

from csops.users.roles import can_configure, can_edit_owned_by, is_reader


def can_view_account(user: Any, account: Any) -> bool:
    # Every signed-in person sees every account: CSMs cover for each other.
    return is_reader(user)


def can_edit_account(user: Any, account: Any) -> bool:
    return can_edit_owned_by(user, account.owner_id)


def can_assign_owner(user: Any) -> bool:
    return can_configure(user)


def can_import(user: Any) -> bool:
    return can_configure(user)
