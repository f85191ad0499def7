"""Write the generated demo company into the database (bulk inserts) and its events into the lake."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from csops.audit.models import AuditEntry
from csops.audit.services import record
from csops.customers.models import Account, Activity, Contact, Contract, Handoff, Product
from csops.customers.services.accounts import refresh_account_rollup
from csops.demo.events import generate_events
from csops.demo.generate import DemoCompany, DemoConfig, at_jst, generate_company
from csops.demo.vocab import CSMS
from csops.usage.lake import events_dir, has_events, write_events
from csops.users.models import Role, User

# The people a visitor logs in as: one of each role. The CSM is also the first demo CSM,
# so that they own a share of the accounts.
DEMO_LOGINS = (
    ("admin@demo.csops.example", Role.ADMIN, "デモ 管理者"),
    ("csops@demo.csops.example", Role.CS_OPS, "デモ CSオペレーション"),
    (CSMS[0][0], Role.CSM, CSMS[0][1]),
    ("viewer@demo.csops.example", Role.VIEWER, "デモ 閲覧者"),
)
DEBUG_PASSWORD = "csops-demo"  # noqa: S105 - well known on purpose, only in debug mode
BATCH = 1000


class NotEmptyError(Exception):
    """The database or the lake already holds customer data."""


@dataclass(frozen=True)
class LoadResult:
    config: DemoConfig
    accounts: int
    contracts: int
    contacts: int
    activities: int
    handoffs: int
    events: int
    churned: int
    expanded: int
    seconds: float

    def summary(self) -> str:
        return (
            f"demo loaded: {self.accounts} accounts, {self.contracts} contracts, {self.contacts} contacts, "
            f"{self.activities} activities, {self.events} events, {self.churned} churned, {self.expanded} expanded "
            f"(seed {self.config.seed}, today {self.config.today.isoformat()}, {self.seconds:.1f}s)"
        )


def database_has_customers() -> bool:
    return any(m.objects.exists() for m in (Account, Contact, Contract, Activity, Handoff))


def clear_customer_data(*, lake_dir: Path) -> None:
    """Delete every account (and, through them, contracts, contacts, handoffs, activities) and the lake's events.

    Users, products and configuration stay.
    """
    with transaction.atomic():
        Activity.contacts.through.objects.all().delete()
        for model in (Activity, Handoff, Contact, Contract):
            model.objects.all().delete()
        Account.objects.all().delete()
    shutil.rmtree(events_dir(lake_dir), ignore_errors=True)


def load_demo(
    config: DemoConfig,
    *,
    lake_dir: Path,
    events: bool = True,
    force: bool = False,
    on_month: Callable[[int], None] | None = None,
) -> LoadResult:
    """Generate the demo company for ``config`` and load it.

    Refuses (NotEmptyError) when the database already has customers or the lake has
    events, unless ``force``, which first deletes them. ``on_month`` is called with the
    number of events after each month is written (for a progress bar).
    """
    started = time.monotonic()
    if not force and database_has_customers():
        raise NotEmptyError("the database already holds customer data")
    if not force and events and has_events(lake_dir):
        raise NotEmptyError(f"the event lake {lake_dir} already holds events")
    if force:
        clear_customer_data(lake_dir=lake_dir)

    company = generate_company(config)
    with transaction.atomic():
        _write_database(company)
        record(None, "demo.loaded", None, {
            "seed": config.seed, "accounts": config.accounts, "months": config.months,
            "today": config.today.isoformat(), "events": events,
        })

    n_events = 0
    if events:
        for table in generate_events(company):
            write_events(table, lake_dir=lake_dir)
            n_events += table.num_rows
            if on_month:
                on_month(table.num_rows)
    return LoadResult(
        config=config, accounts=len(company.accounts), contracts=len(company.contracts),
        contacts=len(company.contacts), activities=len(company.activities), handoffs=len(company.handoffs),
        events=n_events, churned=int(company.churned.sum()), expanded=int(company.expanded.sum()),
        seconds=time.monotonic() - started,
    )


def _csm_users(company: DemoCompany) -> list[User]:
    joined = at_jst(company.config.window_start, 9)
    users = []
    for email, name in company.csms:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, role=Role.CSM, name=name, date_joined=joined)
        users.append(user)
    return users


def _write_database(company: DemoCompany) -> None:
    csms = _csm_users(company)
    products = {}
    for spec in company.products:
        products[spec.code], _ = Product.objects.update_or_create(
            code=spec.code, defaults={"name": spec.name, "description": spec.description}
        )

    accounts = Account.objects.bulk_create(
        [
            Account(
                external_id=a.external_id, name=a.name, industry=a.industry, employees=a.employees, country="JP",
                website=a.website, owner=csms[a.owner], segment=a.segment, lifecycle_stage=a.lifecycle_stage,
                traits=a.traits, currency="JPY", created_at=a.created_at,
            )
            for a in company.accounts
        ],
        batch_size=BATCH,
    )
    Contract.objects.bulk_create(
        [
            Contract(
                external_id=c.external_id, account=accounts[c.account], product=products[c.product], plan=c.plan,
                seats=c.seats, mrr=Decimal(c.mrr), currency="JPY", start_date=c.start_date,
                renewal_date=c.renewal_date, end_date=c.end_date, status=c.status,
                created_at=at_jst(c.start_date, 10),
            )
            for c in company.contracts
        ],
        batch_size=BATCH,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                account=accounts[c.account], external_id=c.external_id, name=c.name, email=c.email, title=c.title,
                department=c.department, role=c.role, phone=c.phone, traits=c.traits, created_at=c.created_at,
            )
            for c in company.contacts
        ],
        batch_size=BATCH,
    )
    Handoff.objects.bulk_create(
        [
            Handoff(
                account=accounts[h.account], seller_name=h.seller_name, deal_goals=h.deal_goals,
                promised_items=h.promised_items, key_stakeholders=h.key_stakeholders, risks=h.risks,
                expected_go_live=h.expected_go_live, status=h.status, created_at=h.created_at,
                accepted_by=csms[company.accounts[h.account].owner] if h.accepted_at else None,
                accepted_at=h.accepted_at,
            )
            for h in company.handoffs
        ],
        batch_size=BATCH,
    )
    activities = Activity.objects.bulk_create(
        [
            Activity(
                account=accounts[a.account], external_id=a.external_id, kind=a.kind, occurred_at=a.occurred_at,
                author=csms[a.author] if a.author is not None else None, summary=a.summary, body=a.body,
                data=a.data, created_at=a.occurred_at,
            )
            for a in company.activities
        ],
        batch_size=BATCH,
    )
    through = Activity.contacts.through
    through.objects.bulk_create(
        [
            through(activity_id=activity.pk, contact_id=contacts[k].pk)
            for activity, spec in zip(activities, company.activities, strict=True)
            for k in dict.fromkeys(spec.contacts)  # one link per person, order kept
        ],
        batch_size=BATCH * 5,
    )
    refresh_account_rollup(a.pk for a in accounts)


def demo_password(*, debug: bool, configured: str) -> str:
    """The password for the demo logins: the operator's CSOPS_DEMO_PASSWORD if set, else the well-known
    one in debug mode. Outside debug mode without a configured password, refuse (ValueError)."""
    if configured:
        validate_password(configured)
        return configured
    if debug:
        return DEBUG_PASSWORD
    raise ValueError(
        "refusing to create demo logins with a well-known password outside debug mode: "
        "set CSOPS_DEMO_PASSWORD (or CSOPS_DEBUG=1 on a development machine)"
    )


def ensure_demo_logins(password: str) -> list[User]:
    """Create or reset the four demo logins (one per role) with ``password``; other users are left alone."""
    users = []
    with transaction.atomic():
        for email, role, name in DEMO_LOGINS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, password, role=role, name=name)
            else:
                user.role, user.is_active = role, True
                user.name = user.name or name
                user.set_password(password)
                user.save(update_fields=["role", "is_active", "name", "password"])
            users.append(user)
        record(None, "demo.logins_set", None, {"emails": [u.email for u in users]})
    return users


def loaded_demo_today() -> dt.date | None:
    """The reference date of the demo company last loaded, or None when no demo was loaded."""
    entry = AuditEntry.objects.filter(action="demo.loaded").order_by("-id").first()
    if entry is not None and (entry.changes or {}).get("today"):
        return dt.date.fromisoformat(entry.changes["today"])
    return None
