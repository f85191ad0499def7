"""State changes of feedback: each ``do_*`` is atomic and writes its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Account, ActivityKind, Contact, Product
from csops.customers.services.accounts import do_log_activity
from csops.feedback.models import Feedback, FeedbackKind, FeedbackStatus


class FeedbackInvalid(Exception):
    """The input breaks a rule; ``errors`` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _timeline(feedback: Feedback, summary: str, *, actor: Any, data: dict[str, Any], body: str = "") -> None:
    """A system entry on the account's timeline, so that the CSM sees the feedback where they work.

    No contact is linked: recording what a customer asked for is not a touch with them.
    """
    do_log_activity(feedback.account, kind=ActivityKind.SYSTEM, actor=actor if getattr(actor, "pk", None) else None,
                    summary=summary[:300], body=body, data={"feedback": feedback.pk, **data})


def check_feedback(
    account: Account, *, kind: str, title: str, contact: Contact | None = None, status: str = FeedbackStatus.NEW,
) -> dict[str, str]:
    """The rules every way in shares (form, API, CSV); returns field -> message, empty when valid."""
    errors: dict[str, str] = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = _("unknown kind %(value)r") % {"value": kind}
    if not title.strip():
        errors["title"] = _("a title is required")
    elif len(title.strip()) > 200:
        errors["title"] = _("at most 200 characters")
    if status not in FeedbackStatus.values:
        errors["status"] = _("unknown status %(value)r") % {"value": status}
    if contact is not None and contact.account_id != account.pk:
        errors["contact"] = _("this contact belongs to another account")
    return errors


def do_record_feedback(
    account: Account,
    *,
    kind: str,
    title: str,
    body: str = "",
    contact: Contact | None = None,
    product: Product | None = None,
    status: str = FeedbackStatus.NEW,
    actor: Any,
) -> Feedback:
    errors = check_feedback(account, kind=kind, title=title, contact=contact, status=status)
    if errors:
        raise FeedbackInvalid(errors)
    with transaction.atomic():
        feedback = Feedback.objects.create(
            account=account, contact=contact, kind=kind, title=title.strip(), body=body.strip(),
            product=product, status=status, author=actor if getattr(actor, "pk", None) else None,
        )
        record(actor, "feedback.recorded", feedback, {
            "account": account.external_id, "kind": kind, "status": status,
            "product": product.code if product else None,
        })
        _timeline(feedback, _("Feedback recorded (%(kind)s): %(title)s") % {
            "kind": feedback.get_kind_display(), "title": feedback.title,
        }, actor=actor, body=feedback.body, data={"event": "feedback_recorded", "kind": kind, "status": status})
    return feedback


def do_set_status(feedback: Feedback, status: str, *, actor: Any) -> Feedback:
    if status not in FeedbackStatus.values:
        raise FeedbackInvalid({"status": _("unknown status %(value)r") % {"value": status}})
    before = feedback.status
    if before == status:
        return feedback
    with transaction.atomic():
        feedback.status = status
        feedback.save(update_fields=["status", "updated_at"])
        record(actor, "feedback.status_changed", feedback, {"status": [before, status]})
        _timeline(feedback, _("Feedback status changed to %(status)s: %(title)s") % {
            "status": feedback.get_status_display(), "title": feedback.title,
        }, actor=actor, data={"event": "feedback_status_changed", "status": [before, status]})
    return feedback
