"""Slack and generic webhooks: posted to a real local HTTP server, signed with HMAC-SHA256, retried on 5xx."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.models import Activity
from csops.outreach.models import Endpoint, MessageStatus
from csops.outreach.queueing import queue_webhook
from csops.outreach.sending import send_due
from tests.outreach.support import WebhookReceiver

pytestmark = pytest.mark.django_db


def test_a_webhook_is_signed_and_the_receiver_can_verify_it(acme):
    with WebhookReceiver([200], secret="whsec-123") as receiver:
        endpoint = Endpoint.objects.create(name="crm", kind="webhook", url=receiver.url, secret="whsec-123")
        queued = queue_webhook(endpoint, event="customer.onboarding_stalled", payload={"account": acme.external_id},
                               idempotency_key="t:1", account=acme)
        send_due(worker_id="t")
    [request] = receiver.requests
    assert request["signed"] is True
    assert request["headers"]["X-Csops-Signature"].startswith("sha256=")
    assert request["headers"]["X-Csops-Event"] == "customer.onboarding_stalled"
    assert request["headers"]["X-Csops-Delivery"] == str(queued.message.public_id)
    assert request["body"]["data"] == {"account": "ACME-1"}
    queued.message.refresh_from_db()
    assert queued.message.status == MessageStatus.SENT
    assert Activity.objects.filter(account=acme, kind="system", summary__contains="customer.onboarding_stalled")


def test_a_tampered_body_fails_the_signature_check(acme):
    with WebhookReceiver([200], secret="another-secret") as receiver:
        endpoint = Endpoint.objects.create(name="crm", kind="webhook", url=receiver.url, secret="whsec-123")
        queue_webhook(endpoint, event="customer.x", payload={}, idempotency_key="t:1")
        send_due(worker_id="t")
    assert receiver.requests[0]["signed"] is False


def test_a_500_is_retried_with_back_off_and_then_delivered_once(acme, settings):
    settings.CSOPS_SEND_RETRY_SECONDS = 10
    with WebhookReceiver([500, 503, 200]) as receiver:
        endpoint = Endpoint.objects.create(name="slack", kind="slack", url=receiver.url)
        queued = queue_webhook(endpoint, event="cta.created", payload={"text": "Acme needs a call"},
                               idempotency_key="t:1")
        now = timezone.now()
        for _ in range(5):
            send_due(worker_id="t", now=now)
            now += dt.timedelta(minutes=5)
    assert [r["body"] for r in receiver.requests] == [{"text": "Acme needs a call"}] * 3
    queued.message.refresh_from_db()
    assert queued.message.status == MessageStatus.SENT
    assert queued.message.attempts == 3


def test_a_4xx_is_a_permanent_failure(acme):
    with WebhookReceiver([404]) as receiver:
        endpoint = Endpoint.objects.create(name="gone", kind="webhook", url=receiver.url)
        queued = queue_webhook(endpoint, event="x", payload={}, idempotency_key="t:1")
        send_due(worker_id="t")
    queued.message.refresh_from_db()
    assert queued.message.status == MessageStatus.FAILED
    assert "404" in queued.message.last_error


def test_a_webhook_queued_twice_under_one_key_is_sent_once(acme):
    with WebhookReceiver([200, 200]) as receiver:
        endpoint = Endpoint.objects.create(name="crm", kind="webhook", url=receiver.url)
        queue_webhook(endpoint, event="x", payload={}, idempotency_key="rule:5:episode:9")
        assert queue_webhook(endpoint, event="x", payload={}, idempotency_key="rule:5:episode:9").outcome == "exists"
        send_due(worker_id="t")
    assert len(receiver.requests) == 1
