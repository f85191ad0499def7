"""Who may do what with feedback: read (everyone signed in), record, change the shared status."""

from __future__ import annotations

from typing import Any

from csops.customers.permissions import can_edit_account
from csops.users.roles import can_configure, is_reader


def can_read_feedback(user: Any) -> bool:
    return is_reader(user)


def can_record_feedback(user: Any, account: Any) -> bool:
    # The same people who change the account's records: its owner CSM, CS Ops and admins.
    return can_edit_account(user, account)


def can_set_status(user: Any) -> bool:
    # The status is the product team's answer; CS Ops relays it, a CSM does not decide it.
    return can_configure(user)
