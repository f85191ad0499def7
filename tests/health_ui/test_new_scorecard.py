"""CS Ops and admins create a scorecard on the page (a copy, the product's default file or a Usage
group); it is saved like an import (validated, version 1, audited) and opens in the editor. Nobody
else may, and a key that is taken, malformed or a product that is unknown is refused with a clear
error on the form."""

from __future__ import annotations

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Product
from csops.health.models import Scorecard
from csops.health.services import document_of
from tests.health_ui.test_roles import MAY_EDIT_SCORECARDS

pytestmark = pytest.mark.django_db

URL = "/health/scorecards/new/"


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


def post(client, **fields):
    data = {"product": "delivery", "segment": "", "key": "delivery-new", "name": "New delivery health",
            "start": "empty", "source": ""}
    data.update(fields)
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def body(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("key", "name", "product", "segment", "active")}


@pytest.mark.parametrize("persona", sorted(MAY_EDIT_SCORECARDS))
def test_only_cs_ops_and_admins_create_scorecards(persona, people, product, scorecard, client):
    client.force_login(people[persona])
    allowed = MAY_EDIT_SCORECARDS[persona]
    assert client.get(URL).status_code == (200 if allowed else 403)
    assert ("New scorecard" in client.get("/health/scorecards/").content.decode()) is allowed
    response = post(client)
    assert response.status_code == (302 if allowed else 403)
    assert Scorecard.objects.filter(key="delivery-new").exists() is allowed


def test_a_signed_out_visitor_is_sent_to_the_login_page(product, client):
    for response in (client.get(URL), post(client)):
        assert response.status_code == 302 and "/login" in response["Location"]
    assert not Scorecard.objects.filter(key="delivery-new").exists()


def test_an_empty_start_is_a_usage_group_saved_as_version_1_audited_and_listed(carol, product, client):
    client.force_login(carol)
    response = post(client, segment="enterprise")
    card = Scorecard.objects.get(key="delivery-new")
    assert response["Location"] == f"/health/scorecards/{card.pk}/"
    assert (card.name, card.product, card.segment, card.version, card.is_active) == (
        "New delivery health", product, "enterprise", 1, False)
    assert [g["key"] for g in card.definition["groups"]] == ["usage"]
    entry = AuditEntry.objects.get(action="health.scorecard_created")
    assert (entry.actor, entry.object_id, entry.changes["version"]) == (carol, str(card.pk), 1)
    assert entry.changes["after"] == document_of(card)
    # It opens in the editor and is listed with the others.
    assert "Save the scorecard" in client.get(response["Location"]).content.decode()
    listing = client.get("/health/scorecards/").content.decode()
    assert "New delivery health" in listing and "delivery-new" in listing


def test_a_copy_keeps_the_measures_of_another_products_scorecard(dave, product, scorecard, client):
    Product.objects.create(code="analytics", name="Analytics Add-on")
    client.force_login(dave)
    response = post(client, product="analytics", key="analytics-copy", name="Analytics copy", start="copy",
                    source=str(scorecard.pk), active="on")
    assert response.status_code == 302
    card = Scorecard.objects.get(key="analytics-copy")
    assert (card.product.code, card.version, card.is_active) == ("analytics", 1, True)
    assert body(document_of(card)) == body(document_of(scorecard))
    scorecard.refresh_from_db()
    assert (scorecard.key, scorecard.version) == ("delivery-default", 1)  # the source is untouched


def test_the_default_start_uses_the_products_default_file(carol, product, client):
    import yaml

    from csops.health.yaml_io import DEFAULTS_DIR

    client.force_login(carol)
    response = post(client, start="default", key="delivery-from-file")
    assert response.status_code == 302
    card = Scorecard.objects.get(key="delivery-from-file")
    shipped = yaml.safe_load((DEFAULTS_DIR / "delivery-default.yaml").read_text(encoding="utf-8"))
    assert body(document_of(card)) == body(shipped)


def test_a_product_without_a_default_file_is_told_so(carol, product, client):
    Product.objects.create(code="other", name="Other")
    client.force_login(carol)
    response = post(client, product="other", start="default", key="other-new")
    assert response.status_code == 422
    assert "has no shipped default scorecard" in response.content.decode()
    assert not Scorecard.objects.filter(key="other-new").exists()


def test_a_duplicate_key_is_refused_and_the_existing_scorecard_is_not_changed(carol, scorecard, client):
    client.force_login(carol)
    response = post(client, key="delivery-default", name="Overwritten?")
    assert response.status_code == 422
    assert "Another scorecard already has the key delivery-default" in response.content.decode()
    scorecard.refresh_from_db()
    assert (scorecard.name, scorecard.version, Scorecard.objects.count()) == ("Delivery health", 1, 1)
    assert not AuditEntry.objects.filter(action="health.scorecard_changed").exists()


def test_the_service_refuses_a_taken_key_when_asked_to_create(carol, scorecard):
    from csops.health.definition import DefinitionError
    from csops.health.services import do_save_scorecard

    doc = {**document_of(scorecard), "name": "Overwritten?"}
    with pytest.raises(DefinitionError) as exc:
        do_save_scorecard(doc, actor=carol, create=True)
    assert exc.value.errors[0][0] == "key"
    scorecard.refresh_from_db()
    assert (scorecard.name, scorecard.version) == ("Delivery health", 1)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"key": "Bad Key!"}, "key", "Use lower-case letters"),
    ({"product": "nope"}, "product", "Unknown product"),
    ({"start": "copy", "source": ""}, "source", "Choose the scorecard to copy"),
])
def test_bad_input_is_a_form_error(fields, field, message, carol, product, client):
    client.force_login(carol)
    response = post(client, **fields)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not Scorecard.objects.exists()


def test_a_copy_whose_features_the_product_lacks_says_which(carol, product, client):
    from csops.health.services import do_save_scorecard
    from csops.usage.models import Feature
    from tests.health_ui.conftest import document

    Feature.objects.create(product=product, key="send", name="Send", event_name="document_sent")
    doc = document()
    doc["groups"][0]["measures"][0]["params"] = {"feature": "send"}
    source = do_save_scorecard(doc, actor=carol)
    Product.objects.create(code="analytics", name="Analytics Add-on")
    client.force_login(carol)
    response = post(client, product="analytics", key="analytics-copy", start="copy", source=str(source.pk))
    assert response.status_code == 422
    page = response.content.decode()
    assert "groups[0].measures[0].params.feature" in page and "unknown feature" in page
    assert not Scorecard.objects.filter(key="analytics-copy").exists()


def test_copy_on_a_row_preselects_the_scorecard(carol, scorecard, client):
    client.force_login(carol)
    assert f'?copy={scorecard.pk}' in client.get("/health/scorecards/").content.decode()
    form = client.get(f"{URL}?copy={scorecard.pk}").context["form"]
    assert form.initial == {"start": "copy", "source": str(scorecard.pk)}
