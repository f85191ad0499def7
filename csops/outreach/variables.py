"""The variables every template may use; health and journey replace ``health`` and ``next_step``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from csops.outreach.rendering import register_variables


def _contact(*, contact: Any, **_: Any) -> dict[str, Any]:
    return {"name": contact.name, "email": contact.email, "title": contact.title,
            "department": contact.department, "role": contact.get_role_display()}


def _account(*, account: Any, **_: Any) -> dict[str, Any]:
    return {"name": account.name, "external_id": account.external_id, "industry": account.industry,
            "segment": account.get_segment_display(), "lifecycle_stage": account.get_lifecycle_stage_display(),
            "employees": account.employees or ""}


def _contract(*, account: Any, **_: Any) -> dict[str, Any]:
    contract = account.active_contracts().select_related("product").order_by("start_date").first()
    if contract is None:
        return {}
    return {"plan": contract.plan, "product": contract.product.name, "seats": contract.seats,
            "start_date": contract.start_date, "renewal_date": contract.renewal_date or ""}


def _csm(*, account: Any, **_: Any) -> dict[str, Any]:
    owner = account.owner
    return {"name": str(owner), "email": owner.email} if owner else {}


def _empty(**_: Any) -> dict[str, Any]:
    return {}


def _day(*, day: dt.date, **_: Any) -> dict[str, Any]:
    return {"today": day}


def register_builtin_variables() -> None:
    register_variables("contact", ("name", "email", "title", "department", "role"), _contact)
    register_variables("account", ("name", "external_id", "industry", "segment", "lifecycle_stage", "employees"),
                       _account)
    register_variables("contract", ("plan", "product", "seats", "start_date", "renewal_date"), _contract)
    register_variables("csm", ("name", "email"), _csm, help="the account owner")
    # Filled in by the health and journey apps when they register their providers.
    register_variables("health", ("score", "grade"), _empty)
    register_variables("next_step", (), _empty, help="the account's next onboarding step (journey)")
    register_variables("today", (), _day)
    register_variables("unsubscribe_url", (), _empty, help="the signed one-click unsubscribe link")
