"""Each trigger type holds for the accounts whose data says so, and explains why in the CTA's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from csops.customers.models import Activity, Contact
from csops.playbooks.engine import preview, run_rules_day
from csops.playbooks.models import Departure
from tests.playbooks.conftest import DAY, lake_event, make_playbook, make_rule, snapshot, write_lake

pytestmark = pytest.mark.django_db


def _hits(trigger: dict[str, Any], segment: dict[str, Any] | None = None, day: dt.date = DAY) -> dict[str, str]:
    return {h.account: h.text for h in preview(trigger, segment or {}, day)}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_a_measure_crossing_a_threshold(acme, globex, scorecard):
    snapshot(acme, scorecard, DAY, 50, "yellow", breakdown={"active_users": {"raw": 3, "score": 12.5}})
    snapshot(globex, scorecard, DAY, 80, "green", breakdown={"active_users": {"raw": 40, "score": 90}})
    assert _hits({"type": "measure_threshold", "measure": "active_users", "op": "<", "value": 20}) == {
        "Acme": "Measure active_users (score) is 12.5, < 20"}


def test_an_unknown_measure_is_refused_once_scorecards_exist(scorecard):
    from csops.playbooks.triggers import validate_trigger

    errors = validate_trigger({"type": "measure_threshold", "measure": "logins", "op": "<", "value": 1})
    assert errors == ["trigger (measure_threshold): unknown measure 'logins'; known: active_users, documents"]


def test_a_grade_uses_the_latest_snapshot_of_the_week(acme, scorecard):
    snapshot(acme, scorecard, DAY - dt.timedelta(days=3), 30, "red")
    snapshot(acme, scorecard, DAY - dt.timedelta(days=1), 70, "green")
    assert _hits({"type": "health_grade", "to": ["red"]}) == {}


def test_a_usage_drop_against_the_previous_window_in_one_lake_query(acme, globex):
    rows, n = [], 0
    for offset in range(28):
        day = DAY - dt.timedelta(days=offset)
        per_day = 1 if offset < 14 else 4  # acme: 14 events recently, 56 the 14 days before
        for _ in range(per_day):
            n += 1
            rows.append(lake_event(n, _at(day), account="ACME-1", user="U-ACME-1"))
        n += 1
        rows.append(lake_event(n, _at(day), account="GLOBEX-1"))  # steady
    write_lake(rows)
    hits = _hits({"type": "usage_drop", "percent": 50, "window_days": 14, "min_events": 10})
    assert hits == {"Acme": "Usage fell 75% over the last 14 days (14 events, 56 the 14 days before)"}


def test_an_expansion_signal_when_active_users_fill_the_seats(acme):
    contract = acme.contracts.get()
    contract.seats = 2
    contract.save()
    write_lake([lake_event(i, _at(DAY - dt.timedelta(days=i)), account="ACME-1", user=f"U{i}") for i in range(1, 3)])
    assert _hits({"type": "expansion_signal", "utilisation": 0.9}) == {
        "Acme": "2 active users on 2 seats (100%) over 30 days"}


def test_a_detractor_is_anyone_whose_latest_answer_is_six_or_less(acme, globex):
    promoter = acme.contacts.get()
    first = Activity.objects.create(account=acme, kind="survey", summary="NPS", data={"nps": 3},
                                    occurred_at=_at(DAY - dt.timedelta(days=20)))
    first.contacts.set([promoter])
    later = Activity.objects.create(account=acme, kind="survey", summary="NPS", data={"nps": 9},
                                    occurred_at=_at(DAY - dt.timedelta(days=2)))
    later.contacts.set([promoter])  # the same person, happier now
    Activity.objects.create(account=globex, kind="survey", summary="NPS", data={"nps": 5},
                            occurred_at=_at(DAY - dt.timedelta(days=1)))
    assert _hits({"type": "nps_detractor", "days": 30}) == {
        "Globex": f"NPS answer of 5, a detractor ({(DAY - dt.timedelta(days=1)).isoformat()})"}


def test_a_new_escalation_is_a_recent_open_high_severity_ticket(acme, globex):
    Activity.objects.create(account=acme, kind="ticket", summary="Cannot log in", occurred_at=_at(DAY),
                            data={"severity": "high", "status": "open"})
    Activity.objects.create(account=globex, kind="ticket", summary="Typo", occurred_at=_at(DAY),
                            data={"severity": "low", "status": "open"})
    assert _hits({"type": "support_escalation"}) == {
        "Acme": f"New high support ticket on {DAY.isoformat()}: Cannot log in"}


def test_a_promoter_deactivated_removed_or_demoted_counts_as_leaving(acme, globex):
    decider = Contact.objects.create(account=globex, name="Kato", role="decision_maker")
    operator = Contact.objects.create(account=globex, name="Mori", role="promoter")
    run_rules_day(DAY - dt.timedelta(days=1))  # the snapshot of the key people
    Contact.objects.filter(pk=acme.contacts.get().pk).update(is_active=False)  # a bulk update sends no signal
    decider.delete()
    operator.role = "operator"
    operator.save()
    hits = _hits({"type": "key_contact_left", "roles": ["promoter", "decision_maker"]})
    assert hits["Acme"] == f"Sato Hanako (Promoter) is no longer a contact ({DAY.isoformat()})"
    assert "Globex" in hits
    assert not Departure.objects.exists()  # a preview stores nothing
    run_rules_day(DAY)
    assert sorted(Departure.objects.values_list("name", "how")) == [
        ("Kato", "removed"), ("Mori", "role_changed"), ("Sato Hanako", "deactivated")]


def test_renewal_within_n_days(acme, globex):
    acme.next_renewal_date = DAY + dt.timedelta(days=100)
    acme.save()
    assert list(_hits({"type": "renewal_in_days", "days": 120})) == ["Acme"]
    assert _hits({"type": "renewal_in_days", "days": 90}) == {}


def test_the_segment_filter_limits_the_accounts(acme, globex, scorecard):
    for account in (acme, globex):
        snapshot(account, scorecard, DAY, 20, "red")
    assert list(_hits({"type": "health_grade", "to": ["red"]}, {"segments": ["smb"]})) == ["Globex"]
    assert list(_hits({"type": "health_grade", "to": ["red"]},
                      {"where": [{"field": "arr", "op": ">=", "value": 1000000}]})) == ["Acme"]


def test_an_overdue_onboarding_step(acme):
    from csops.journey.models import OnboardingPlan, OnboardingStep

    contract = acme.contracts.get()
    plan = OnboardingPlan.objects.create(account=acme, contract=contract, product=contract.product, template_key="t",
                                         started_on=DAY - dt.timedelta(days=30))
    OnboardingStep.objects.create(plan=plan, position=1, key="setup", title="Initial setup", owner="operator",
                                  due_on=DAY - dt.timedelta(days=5), completion="manual")
    assert _hits({"type": "onboarding_step_overdue", "grace_days": 3}) == {
        "Acme": f"Onboarding step “Initial setup” is 5 days overdue (due {(DAY - dt.timedelta(days=5)).isoformat()})"}
    assert _hits({"type": "onboarding_step_overdue", "grace_days": 7}) == {}


def test_a_maturity_level_stalled_for_n_days(acme, product):
    from csops.journey.models import MaturityLevel, MaturityModel, MaturityState

    model = MaturityModel.objects.create(product=product, name="Delivery maturity")
    for number in (1, 2, 3):
        MaturityLevel.objects.create(model=model, number=number, name=f"Lv{number}", conditions=[])
    MaturityState.objects.create(account=acme, product=product, level=1, since=DAY - dt.timedelta(days=90),
                                 evaluated_on=DAY)
    assert _hits({"type": "maturity_stalled", "days": 60}) == {
        "Acme": "Maturity level 1 on Document Delivery unchanged for 90 days "
                f"(since {(DAY - dt.timedelta(days=90)).isoformat()})"}
    assert _hits({"type": "maturity_stalled", "days": 120}) == {}


def test_an_account_entering_a_touch_model(acme, globex):
    from csops.playbooks.config import do_save_touch_models

    do_save_touch_models([{"key": "ent", "name": "Enterprise", "touch_model": "high",
                           "conditions": [{"field": "segment", "op": "=", "value": "enterprise"}]}], actor=None)
    assert _hits({"type": "touch_model_entered", "to": ["high"]}) == {"Acme": "Now served with High touch"}


def test_every_trigger_type_has_a_stable_webhook_event_name():
    from csops.playbooks.triggers import trigger_types

    events = {t.name: t.event for t in trigger_types()}
    assert events["health_score_dropped"] == "customer.health_score_dropped"
    assert all(e.startswith("customer.") for e in events.values())
    assert len(set(events.values())) == len(events)


def test_a_broken_rule_is_reported_and_the_others_still_run(acme, monkeypatch):
    from csops.playbooks import triggers

    acme.next_renewal_date = DAY
    acme.save()
    make_rule("renewal", {"type": "renewal_in_days", "days": 30}, make_playbook())
    make_rule("nps", {"type": "nps_detractor"}, make_playbook("other"))
    kind = triggers.get_trigger_type("nps_detractor")
    monkeypatch.setitem(triggers._types, "nps_detractor",
                        triggers.TriggerType(**{**kind.__dict__, "evaluate": lambda p, c: 1 / 0}))
    plan = run_rules_day(DAY)
    assert plan.fired == [("renewal", acme.pk)]
    assert plan.errors == ["nps: division by zero"]


def test_an_expansion_signal_when_a_new_department_starts_using_the_product(acme):
    Contact.objects.filter(external_id="U-ACME-1").update(department="Sales")
    Contact.objects.create(account=acme, external_id="U-ACME-2", name="Ito", department="Legal")
    rows = [lake_event(1, _at(DAY - dt.timedelta(days=60)), account="ACME-1", user="U-ACME-1"),
            lake_event(2, _at(DAY - dt.timedelta(days=2)), account="ACME-1", user="U-ACME-1"),
            lake_event(3, _at(DAY - dt.timedelta(days=3)), account="ACME-1", user="U-ACME-2")]
    write_lake(rows)
    assert _hits({"type": "new_department_active", "days": 30}) == {
        "Acme": "A new department is using the product: Legal (active users: 1, last 30 days)"}


def test_an_account_leaving_a_touch_model(acme, globex):
    from csops.playbooks.config import do_save_touch_models

    do_save_touch_models([{"key": "big", "name": "Big", "touch_model": "high",
                           "conditions": [{"field": "arr", "op": ">=", "value": 1000000}]}], actor=None)
    run_rules_day(DAY - dt.timedelta(days=1))
    acme.arr = 0
    acme.save()
    run_rules_day(DAY)
    assert _hits({"type": "touch_model_left", "from": ["high"]}) == {
        "Acme": f"Moved from High touch to Tech touch on {DAY.isoformat()}"}


def test_the_segment_filter_by_product(acme, globex):
    for account in (acme, globex):
        account.next_renewal_date = DAY
        account.save()
    assert list(_hits({"type": "renewal_in_days", "days": 10}, {"products": ["delivery"]})) == ["Acme"]
