"""/usage/features/: everyone signed in reads the registry; only CS Ops and admins change it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csops.audit.models import AuditEntry
from csops.usage.features import do_create_feature
from csops.usage.models import Feature

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def send(product, carol):
    return do_create_feature(product, actor=carol, key="send-invoice", name="Send an invoice",
                             event_name="document_sent", property_filter={"document_type": "invoice"})


NEW = {"product": "delivery", "key": "export", "name": "Export", "event_name": "csv_exported",
       "property_filter": '{"format": "xlsx"}', "description": ""}


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_cs_ops_and_admins_create_a_feature_and_it_is_audited(client_as, product, who, request):
    user = request.getfixturevalue(who)
    response = client_as(user).post(reverse("usage-feature-create"), NEW)
    assert response.status_code == 302 and response["Location"] == reverse("usage-features")
    feature = Feature.objects.get(key="export")
    assert feature.property_filter == {"format": "xlsx"}
    assert AuditEntry.objects.get(action="feature.create").actor == user


def test_the_list_shows_every_feature_by_product_with_edit_controls_for_cs_ops(client_as, carol, send):
    page = client_as(carol).get(reverse("usage-features")).content.decode()
    assert "Send an invoice" in page and "document_type = invoice" in page
    assert reverse("usage-feature-edit", args=[send.pk]) in page and reverse("usage-feature-create") in page


@pytest.mark.parametrize("who", ["alice", "victor"])
def test_csms_and_viewers_read_the_registry_without_controls(client_as, send, who, request):
    response = client_as(request.getfixturevalue(who)).get(reverse("usage-features"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Send an invoice" in page
    assert reverse("usage-feature-edit", args=[send.pk]) not in page
    assert reverse("usage-feature-create") not in page


@pytest.mark.parametrize("who", ["alice", "victor"])
def test_csms_and_viewers_cannot_create_edit_or_delete(client_as, send, who, request):
    client = client_as(request.getfixturevalue(who))
    assert client.get(reverse("usage-feature-create")).status_code == 403
    assert client.post(reverse("usage-feature-create"), NEW).status_code == 403
    assert client.get(reverse("usage-feature-edit", args=[send.pk])).status_code == 403
    assert client.post(reverse("usage-feature-edit", args=[send.pk]), {**NEW, "key": "x"}).status_code == 403
    assert client.post(reverse("usage-feature-delete", args=[send.pk])).status_code == 403
    assert list(Feature.objects.values_list("key", flat=True)) == ["send-invoice"]
    assert not AuditEntry.objects.exclude(action="feature.create").exists()


def test_anonymous_is_redirected_to_login_from_every_registry_page(client, send):
    for method, url in [("get", reverse("usage-features")), ("get", reverse("usage-feature-create")),
                        ("post", reverse("usage-feature-edit", args=[send.pk])),
                        ("post", reverse("usage-feature-delete", args=[send.pk])),
                        ("get", reverse("usage-features-export"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_editing_keeps_the_form_values_and_saves_the_changes(client_as, carol, send):
    client = client_as(carol)
    form = client.get(reverse("usage-feature-edit", args=[send.pk])).content.decode()
    assert 'value="send-invoice"' in form and "document_type" in form
    response = client.post(reverse("usage-feature-edit", args=[send.pk]),
                           {**NEW, "key": "send-invoice", "name": "Invoice sent", "event_name": "document_sent",
                            "property_filter": '{"document_type": "invoice"}'})
    assert response.status_code == 302
    send.refresh_from_db()
    assert send.name == "Invoice sent"
    assert AuditEntry.objects.get(action="feature.update").changes == {"name": ["Send an invoice", "Invoice sent"]}


def test_invalid_input_is_shown_next_to_its_field(client_as, carol, send):
    client = client_as(carol)
    duplicate = client.post(reverse("usage-feature-create"), {**NEW, "key": "send-invoice"})
    assert duplicate.status_code == 400 and "already has a feature with the key send-invoice" in \
        duplicate.content.decode()
    nested = client.post(reverse("usage-feature-create"), {**NEW, "property_filter": '{"a": {"b": 1}}'})
    assert nested.status_code == 400 and "the filter is flat" in nested.content.decode()
    broken = client.post(reverse("usage-feature-create"), {**NEW, "property_filter": "{oops"})
    assert broken.status_code == 400 and "Not valid JSON" in broken.content.decode()
    assert Feature.objects.count() == 1


def test_deleting_asks_for_a_post_and_is_audited(client_as, dave, send):
    client = client_as(dave)
    assert client.get(reverse("usage-feature-delete", args=[send.pk])).status_code == 405
    assert client.post(reverse("usage-feature-delete", args=[send.pk])).status_code == 302
    assert not Feature.objects.exists()
    assert AuditEntry.objects.get(action="feature.delete").actor == dave


def test_everyone_signed_in_can_download_the_yaml(client_as, victor, send):
    response = client_as(victor).get(reverse("usage-features-export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/yaml")
    assert "key: send-invoice" in response.content.decode()
