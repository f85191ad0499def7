"""Signed one-click unsubscribe and click tracking: public, tamper-proof, and visible on the timeline."""

from __future__ import annotations

import re

import pytest

from csops.customers.models import Activity
from csops.outreach import links
from csops.outreach.campaigns import run_outreach_day
from csops.outreach.models import Click, Enrolment, Message, MessageStatus
from csops.outreach.sending import send_due
from tests.outreach.conftest import MONDAY, at_local
from tests.outreach.support import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    send_due(worker_id="t", now=at_local(MONDAY, 10))
    return inbox.to("sato@acme.example")[0]


def path_of(url: str) -> str:
    return url.replace("http://csops.test", "")


def test_the_unsubscribe_link_asks_before_it_acts(sent, client, acme_people):
    url = sent["List-Unsubscribe"].strip("<>")
    page = client.get(path_of(url))
    assert page.status_code == 200
    acme_people["promoter"].refresh_from_db()
    assert acme_people["promoter"].unsubscribed is False


def test_one_click_unsubscribe_opts_the_contact_out_for_good(sent, client, acme_people, acme):
    url = sent["List-Unsubscribe"].strip("<>")
    response = client.post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    promoter = acme_people["promoter"]
    promoter.refresh_from_db()
    assert promoter.unsubscribed is True
    assert Enrolment.objects.get(contact=promoter).status == "exited"
    assert Activity.objects.filter(account=acme, kind="system", summary__contains="unsubscribed").count() == 1
    client.post(path_of(url), {"List-Unsubscribe": "One-Click"})  # a second click changes nothing
    assert Activity.objects.filter(account=acme, kind="system", summary__contains="unsubscribed").count() == 1


def test_an_unsubscribed_contact_gets_nothing_more(sent, client, acme_people, inbox):
    client.post(path_of(sent["List-Unsubscribe"].strip("<>")))
    for offset in range(1, 9):
        day = MONDAY.replace(day=MONDAY.day + offset)
        run_outreach_day(day)
        send_due(worker_id="t", now=at_local(day, 10))
    assert len(inbox.to("sato@acme.example")) == 1  # only the welcome, sent before
    assert len(inbox.to("operator@acme.example")) == 2  # the others still get theirs


def test_queued_messages_are_cancelled_on_unsubscribe(inbox, onboarding, acme_people, client):
    run_outreach_day(MONDAY)
    message = Message.objects.get(contact=acme_people["promoter"])
    client.post(path_of(links.unsubscribe_url(message)))
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED
    send_due(worker_id="t", now=at_local(MONDAY, 10))
    assert inbox.to("sato@acme.example") == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_link_is_refused_and_changes_nothing(sent, client, acme_people, method):
    url = path_of(sent["List-Unsubscribe"].strip("<>"))
    tampered = url.replace(":", ";", 1) if ":" in url else url[:-3] + "xx/"
    response = getattr(client, method)(tampered)
    assert response.status_code == 400
    acme_people["promoter"].refresh_from_db()
    assert acme_people["promoter"].unsubscribed is False


def tracked_links(mail) -> list[str]:
    return re.findall(r"http://csops\.test/o/c/\S+", text_of(mail))


def test_a_click_redirects_to_the_signed_destination_and_lands_on_the_timeline(sent, client, acme):
    link = tracked_links(sent)[0]
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert response["Location"] == "https://help.vendor.example/map"
    click = Click.objects.get()
    assert click.url == "https://help.vendor.example/map"
    activity = Activity.objects.get(account=acme, kind="system", summary__startswith="Clicked")
    assert activity.data["url"] == "https://help.vendor.example/map"


def test_a_tampered_click_link_is_refused_and_records_nothing(sent, client):
    link = path_of(tracked_links(sent)[0])
    response = client.get(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))
    assert response.status_code == 400
    assert not Click.objects.exists()


def test_a_click_token_cannot_be_forged_to_redirect_elsewhere(sent, client):
    from django.core import signing

    forged = signing.dumps({"m": "x", "u": "https://evil.example"}, salt="another-salt", compress=True)
    assert client.get(f"/o/c/{forged}").status_code == 400
    assert client.get("/o/c/not-a-token").status_code == 400


def test_the_links_are_public(sent, client):
    client.logout()
    assert client.get(path_of(tracked_links(sent)[0])).status_code == 302
    assert client.get(path_of(sent["List-Unsubscribe"].strip("<>"))).status_code == 200
