"""State changes for users and tokens; each writes the audit log."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from csops.audit.services import record
from csops.users.models import ApiToken, Role, User


def do_create_user(
    email: str, *, role: str, name: str = "", password: str | None = None, language: str = "ja",
    actor: User | None = None,
) -> User:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValueError(f"a user with email {email} already exists")
    if password:
        validate_password(password)
    with transaction.atomic():
        user = User.objects.create_user(email, password, role=role, name=name, language=language)
        record(actor, "user.created", user, {"role": role})
    return user


def do_set_role(user: User, role: str, *, actor: User | None) -> None:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        old = user.role
        user.role = role
        user.save(update_fields=["role"])
        record(actor, "user.role_changed", user, {"role": [old, role]})


def do_issue_token(user: User, *, name: str = "", actor: User | None = None) -> str:
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name)
        record(actor, "token.issued", token, {"user": user.email, "name": name})
    return raw
