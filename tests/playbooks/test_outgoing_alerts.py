"""Webhooks and Slack alerts from playbooks go through the outreach send log: exactly once, stable event names."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.outreach.models import Endpoint, Message
from csops.outreach.sending import send_due
from csops.playbooks.engine import run_ctas_day, run_rules_day
from tests.outreach.support import WebhookReceiver
from tests.playbooks.conftest import DAY, make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db


def test_a_health_drop_posts_a_signed_webhook_once(acme, scorecard):
    with WebhookReceiver([200], secret="s3cret") as receiver:
        Endpoint.objects.create(name="crm", kind="webhook", url=receiver.url, secret="s3cret")
        make_rule("drop", {"type": "health_score_dropped", "points": 10},
                  make_playbook("hook", actions=[{"type": "webhook", "endpoint": "crm"}]))
        snapshot(acme, scorecard, DAY, 40, "yellow", trend_7=-20)
        for _ in range(2):  # a re-run of the day queues nothing new
            run_rules_day(DAY)
            run_ctas_day(DAY)
        message = Message.objects.get()
        send_due(worker_id="t", now=message.next_attempt_at + dt.timedelta(seconds=1))
        send_due(worker_id="t", now=message.next_attempt_at + dt.timedelta(seconds=2))
        [request] = receiver.requests
    assert request["headers"]["X-Csops-Event"] == "customer.health_score_dropped"
    assert request["signed"] is True
    data = request["body"]["data"]
    assert data["account"] == {"id": "ACME-1", "name": "Acme", "owner": "alice@example.com"}
    assert data["reason"]["drop"] == 20.0
    assert data["reason_text"].startswith("Health score fell 20.0 points")


def test_a_slack_alert_renders_its_template(acme, scorecard):
    Endpoint.objects.create(name="cs-alerts", kind="slack", url="https://hooks.slack.example/x")
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook("slack", actions=[
        {"type": "slack", "endpoint": "cs-alerts", "text": "{{ account }} is red ({{ reason }}), owner {{ owner }}"}]))
    snapshot(acme, scorecard, DAY, 20, "red")
    run_rules_day(DAY)
    run_ctas_day(DAY)
    assert Message.objects.get().payload == {
        "text": "Acme is red (Health grade is Red (score 20.0, Delivery health)), owner Alice"}
