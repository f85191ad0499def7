"""Shared personas and data for the tests.

Alice is a CSM who owns Acme; Bob is a CSM who owns Globex; Carol is CS Ops;
Dave is an admin; Victor only views. Nobody else should see anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from csops.customers.models import Account, Contact, Contract, Product
from csops.customers.services.accounts import refresh_account_rollup
from csops.users.models import ApiToken, Role, User

PASSWORD = "correct-horse-battery"


def make_user(email: str, role: str, name: str = "", language: str = "en") -> User:
    # Personas read English so that assertions on page text do not depend on the catalogue;
    # the Japanese pages have tests of their own (tests/web/test_language.py, test_translations.py).
    return User.objects.create_user(
        email, PASSWORD, role=role, name=name or email.split("@")[0].title(), language=language
    )


@pytest.fixture
def persona_language() -> str:
    """The language the personas read; tests/web overrides it with Japanese, our users' default."""
    return "en"


@pytest.fixture(autouse=True)
def _lake_in_tmp(settings, tmp_path):
    settings.CSOPS_LAKE_DIR = tmp_path / "lake"


@pytest.fixture
def alice(db, persona_language) -> User:
    return make_user("alice@example.com", Role.CSM, "Alice", language=persona_language)


@pytest.fixture
def bob(db, persona_language) -> User:
    return make_user("bob@example.com", Role.CSM, "Bob", language=persona_language)


@pytest.fixture
def carol(db, persona_language) -> User:
    return make_user("carol@example.com", Role.CS_OPS, "Carol", language=persona_language)


@pytest.fixture
def dave(db, persona_language) -> User:
    return make_user("dave@example.com", Role.ADMIN, "Dave", language=persona_language)


@pytest.fixture
def victor(db, persona_language) -> User:
    return make_user("victor@example.com", Role.VIEWER, "Victor", language=persona_language)


@pytest.fixture
def product(db) -> Product:
    return Product.objects.create(code="delivery", name="Document Delivery")


@pytest.fixture
def acme(db, alice, product) -> Account:
    account = Account.objects.create(external_id="ACME-1", name="Acme", owner=alice, segment="enterprise")
    Contract.objects.create(
        external_id="C-ACME-1", account=account, product=product, plan="Enterprise", seats=50,
        mrr=Decimal("500000"), currency="JPY", start_date=dt.date(2025, 4, 1), renewal_date=dt.date(2026, 4, 1),
    )
    Contact.objects.create(account=account, external_id="U-ACME-1", name="Sato Hanako",
                           email="sato@acme.example", role="promoter")
    refresh_account_rollup([account.pk])
    account.refresh_from_db()
    return account


@pytest.fixture
def globex(db, bob) -> Account:
    return Account.objects.create(external_id="GLOBEX-1", name="Globex", owner=bob, segment="smb")


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def client_as(client):
    def _as(user: User) -> Client:
        return login(client, user)

    return _as


@pytest.fixture
def token_for(db):
    def _token(user: User) -> dict[str, str]:
        _, raw = ApiToken.issue(user)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _token


def pytest_report_header(config):
    from django.conf import settings

    return f"csops database: {settings.DATABASES['default']['ENGINE']}"
