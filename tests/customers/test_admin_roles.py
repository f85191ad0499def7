"""The admin applies the same ownership rules as the UI and the API."""

from __future__ import annotations

import pytest

from csops.customers.models import Account, Contact

pytestmark = pytest.mark.django_db


def change_form_data(response) -> dict[str, object]:
    """Rebuild the POST body the admin change page would submit, inlines included."""
    form = response.context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form_ in formset.forms:
            for name, field in form_.fields.items():
                value = form_.initial.get(name, field.initial)
                if value is None:
                    continue
                data[form_.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
    return {k: v for k, v in data.items() if v is not False}


def test_the_owning_csm_edits_their_account_in_the_admin(client_as, alice, acme):
    client = client_as(alice)
    page = client.get(f"/admin/customers/account/{acme.pk}/change/")
    assert page.status_code == 200
    data = change_form_data(page)
    data["industry"] = "Logistics"
    response = client.post(f"/admin/customers/account/{acme.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    acme.refresh_from_db()
    assert acme.industry == "Logistics"


def test_a_csm_sees_another_csms_account_read_only_and_cannot_post(client_as, alice, bob, acme):
    page = client_as(alice).get(f"/admin/customers/account/{acme.pk}/change/")
    data = change_form_data(page)
    data["industry"] = "Hacked"
    client = client_as(bob)
    view = client.get(f"/admin/customers/account/{acme.pk}/change/")
    assert view.status_code == 200
    assert not view.context["has_change_permission"]
    response = client.post(f"/admin/customers/account/{acme.pk}/change/", data)
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.industry == ""


def test_a_csm_cannot_edit_another_csms_contact_in_the_admin(client_as, bob, acme):
    contact = acme.contacts.get()
    response = client_as(bob).post(
        f"/admin/customers/contact/{contact.pk}/change/",
        {"account": acme.pk, "name": "Renamed", "role": "user", "is_active": "on"},
    )
    assert response.status_code == 403
    assert Contact.objects.get(pk=contact.pk).name == "Sato Hanako"


def test_a_csm_cannot_delete_another_csms_account_in_the_admin(client_as, bob, acme):
    response = client_as(bob).post(f"/admin/customers/account/{acme.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Account.objects.filter(pk=acme.pk).exists()


def test_a_csm_cannot_give_themselves_an_account_through_the_owner_field(client_as, alice, bob, acme):
    page = client_as(alice).get(f"/admin/customers/account/{acme.pk}/change/")
    assert "owner" in page.context["adminform"].readonly_fields


def test_a_viewer_cannot_enter_the_admin(client_as, victor):
    response = client_as(victor).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_only_admins_manage_users(client_as, carol, dave):
    assert client_as(carol).get("/admin/users/user/").status_code == 403
    assert client_as(dave).get("/admin/users/user/").status_code == 200


def test_cs_ops_reads_the_audit_log_but_cannot_change_it(client_as, carol, acme):
    from csops.audit.services import record

    entry = record(carol, "account.updated", acme)
    client = client_as(carol)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
