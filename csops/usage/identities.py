"""What ``identify``, ``group`` and ``alias`` calls change in the database: contacts, accounts, links.

- ``identify`` upserts the contact whose ``external_id`` is the ``userId``: ``name``, ``email``,
  ``title``, ``department`` and ``phone`` go to their fields, every other trait to ``Contact.traits``.
  A contact needs an account: the call's ``context.groupId`` or ``traits.company.id`` names it (and
  creates it when new). Without either, a known contact keeps its account; an unknown user's traits
  wait in ``PendingIdentity`` until a ``group`` call links the user.
- ``group`` upserts the account whose ``external_id`` is the ``groupId`` (``name``, ``industry``,
  ``employees``, ``website`` to fields, the rest to ``Account.traits``) and links the user's contact
  to it, creating the contact (with any pending traits) when new.
- ``identify`` with both ids, and ``alias``, link the anonymous id to the user (``IdentityLink``),
  so that the anonymous events before sign-up are attributed to the user at query time. The first
  link of an anonymous id wins: a shared browser's earlier visits stay with its first user.

Calls are applied in order, in one transaction, by ``apply_identities``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from csops.customers.models import Account, Contact
from csops.usage.ingest import IDENTITY_TYPES, Message
from csops.usage.models import IdentityLink, PendingIdentity

# trait -> (model field, max length)
CONTACT_FIELDS = {"name": 200, "email": 254, "title": 200, "department": 200, "phone": 50}
ACCOUNT_TEXT_FIELDS = {"name": 255, "industry": 100, "website": 255}


def needs_database(messages: Iterable[Message]) -> bool:
    return any(m.type in IDENTITY_TYPES for m in messages)


def apply_identities(messages: Iterable[Message]) -> None:
    """Apply every identify, group and alias call of ``messages``, in order, atomically."""
    with transaction.atomic():
        for message in messages:
            if message.type == "identify":
                identify(message.user_id, message.traits, anonymous_id=message.anonymous_id,
                         group_id=message.group_id)
            elif message.type == "group":
                assert message.group_id is not None
                group(message.group_id, message.traits, user_id=message.user_id)
            elif message.type == "alias":
                assert message.previous_id is not None and message.user_id is not None
                link_identity(message.previous_id, message.user_id)


def identify(user_id: str | None, traits: dict[str, Any], *, anonymous_id: str | None = None,
             group_id: str | None = None) -> Contact | None:
    """Upsert the contact ``user_id``; returns it, or None while it waits for an account."""
    if user_id is None:
        return None  # an anonymous identify: its traits stay on the event in the lake
    if anonymous_id:
        link_identity(anonymous_id, user_id)
    company = traits.get("company") if isinstance(traits.get("company"), dict) else None
    if group_id is None and company is not None and company.get("id") not in (None, ""):
        group_id = str(company["id"])[:100]
    account = None
    if group_id is not None:
        account = upsert_account(group_id, _company_traits(company) if company else {})
    contact = Contact.objects.select_for_update().filter(external_id=user_id).first()
    if contact is None and account is None:
        _remember(user_id, traits)
        return None
    if contact is None:
        assert account is not None
        pending = PendingIdentity.objects.filter(user_id=user_id).first()
        if pending is not None:
            traits = {**pending.traits, **traits}
            pending.delete()
        return _create_contact(user_id, account, traits)
    _update_contact(contact, traits, account=account)
    return contact


def group(group_id: str, traits: dict[str, Any], *, user_id: str | None = None) -> Account:
    """Upsert the account ``group_id`` and link the contact ``user_id`` to it."""
    account = upsert_account(group_id, traits)
    if user_id is None:
        return account
    contact = Contact.objects.select_for_update().filter(external_id=user_id).first()
    pending = PendingIdentity.objects.filter(user_id=user_id).first()
    pending_traits = pending.traits if pending is not None else {}
    if pending is not None:
        pending.delete()
    if contact is None:
        _create_contact(user_id, account, pending_traits)
    else:
        _update_contact(contact, pending_traits, account=account)
    return account


def link_identity(anonymous_id: str, user_id: str) -> None:
    if anonymous_id == user_id or IdentityLink.objects.filter(anonymous_id=anonymous_id).exists():
        return
    try:
        with transaction.atomic():
            IdentityLink.objects.create(anonymous_id=anonymous_id, user_id=user_id)
    except IntegrityError:
        pass  # a concurrent call linked it first; the first link wins


def upsert_account(group_id: str, traits: dict[str, Any]) -> Account:
    account = Account.objects.select_for_update().filter(external_id=group_id).first()
    if account is None:
        name = _text(traits.get("name"), ACCOUNT_TEXT_FIELDS["name"]) or group_id
        try:
            with transaction.atomic():
                account = Account.objects.create(external_id=group_id, name=name)
        except IntegrityError:  # created by a concurrent call
            account = Account.objects.select_for_update().get(external_id=group_id)
    changed: set[str] = set()
    extra = dict(account.traits)
    for key, value in traits.items():
        if key in ACCOUNT_TEXT_FIELDS and (text := _text(value, ACCOUNT_TEXT_FIELDS[key])) is not None:
            if getattr(account, key) != text:
                setattr(account, key, text)
                changed.add(key)
        elif key in ("employees", "employee_count") and (count := _count(value)) is not None:
            if account.employees != count:
                account.employees = count
                changed.add("employees")
        elif key not in ("id", "groupId") and extra.get(key) != value:
            extra[key] = value
    if extra != account.traits:
        account.traits = extra
        changed.add("traits")
    if changed:
        account.save(update_fields=[*sorted(changed), "updated_at"])
    return account


def _create_contact(user_id: str, account: Account, traits: dict[str, Any]) -> Contact:
    fields, extra = _split_contact_traits(traits)
    name = fields.pop("name", None) or fields.get("email") or user_id
    try:
        with transaction.atomic():
            return Contact.objects.create(
                external_id=user_id, account=account, name=name[:200], traits=extra, **fields
            )
    except IntegrityError:  # created by a concurrent call
        contact = Contact.objects.select_for_update().get(external_id=user_id)
        _update_contact(contact, traits, account=account)
        return contact


def _update_contact(contact: Contact, traits: dict[str, Any], *, account: Account | None) -> None:
    fields, extra = _split_contact_traits(traits)
    changed: set[str] = set()
    for key, value in fields.items():
        if getattr(contact, key) != value:
            setattr(contact, key, value)
            changed.add(key)
    merged = {**contact.traits, **extra}
    if merged != contact.traits:
        contact.traits = merged
        changed.add("traits")
    if account is not None and contact.account_id != account.pk:
        contact.account = account
        changed.add("account")
    if changed:
        contact.save(update_fields=[*sorted(changed), "updated_at"])


def _split_contact_traits(traits: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    fields: dict[str, str] = {}
    extra: dict[str, Any] = {}
    for key, value in traits.items():
        text = _text(value, CONTACT_FIELDS[key]) if key in CONTACT_FIELDS else None
        if key == "email" and text is not None and not _is_email(text):
            text = None
        if text is not None:
            fields[key] = text
        else:
            extra[key] = value
    if "name" not in fields:
        first = _text(traits.get("firstName") or traits.get("first_name"), 100)
        last = _text(traits.get("lastName") or traits.get("last_name"), 100)
        if first or last:
            # Japanese order (family name first) would be a guess: keep Segment's "first last".
            fields["name"] = " ".join(part for part in (first, last) if part)
    return fields, extra


def _remember(user_id: str, traits: dict[str, Any]) -> None:
    pending, created = PendingIdentity.objects.select_for_update().get_or_create(
        user_id=user_id, defaults={"traits": traits}
    )
    if not created:
        pending.traits = {**pending.traits, **traits}
        pending.updated_at = timezone.now()
        pending.save(update_fields=["traits", "updated_at"])


def _company_traits(company: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in company.items() if key != "id"}


def _text(value: object, max_length: int) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= max_length:
        return value.strip()
    return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value == int(value) and 0 <= value < 2**31:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) < 2**31:
        return int(value)
    return None


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True
