"""The dashboard page: who sees it, its filters, its drill-down links and plotly.js from the package."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from decimal import Decimal

import plotly
import pytest
from django.urls import reverse
from django.utils import timezone

from csops.customers.models import Contract


@pytest.fixture
def newcomer(globex, product) -> Contract:
    """Globex signed this month: new ARR of 1,200,000."""
    return Contract.objects.create(
        external_id="C-GLOBEX-1", account=globex, product=product, mrr=Decimal("100000"),
        start_date=timezone.localdate().replace(day=1),
    )


def figures(response) -> dict:
    match = re.search(r'<script id="dashboard-figures" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(match.group(1))


@pytest.mark.parametrize("persona", ["victor", "alice", "carol", "dave"])
def test_every_reader_sees_the_dashboard(request, persona, client_as, acme):
    response = client_as(request.getfixturevalue(persona)).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "¥6,000,000" in response.content.decode()  # Acme's ARR, JPY without decimals


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_nav_links_the_dashboard(client_as, victor):
    page = client_as(victor).get(reverse("account-list")).content.decode()
    assert f'href="{reverse("dashboard")}"' in page


def test_filters_narrow_the_figures(client_as, carol, acme, newcomer):
    client = client_as(carol)
    assert "¥7,200,000" in client.get(reverse("dashboard")).content.decode()
    assert "¥1,200,000" in client.get(reverse("dashboard"), {"segment": "smb"}).content.decode()
    page = client.get(reverse("dashboard"), {"owner": "bogus", "product": "nope"})
    assert page.status_code == 200  # invalid filters are dropped, not an error


def test_every_bar_links_to_the_accounts_behind_it(client_as, carol, acme, globex, newcomer):
    client = client_as(carol)
    response = client.get(reverse("dashboard"), {"segment": "smb"})
    movement = figures(response)["arr-movement"]["data"]
    new = next(trace for trace in movement if trace["marker"]["color"] == "#0072B2")
    link = new["customdata"][-1]
    month = timezone.localdate().strftime("%Y-%m")
    assert link == f"{reverse('account-list')}?segment=smb&movement=new&month={month}"
    assert link.replace("&", "&amp;") in response.content.decode()  # the table holds it too
    listed = client.get(link).content.decode()
    assert reverse("account-detail", args=[globex.pk]) in listed
    assert reverse("account-detail", args=[acme.pk]) not in listed


def test_renewal_bars_link_to_the_list_of_accounts_renewing(client_as, carol, acme):
    Contract.objects.filter(account=acme).update(renewal_date=timezone.localdate() + dt.timedelta(days=40))
    client = client_as(carol)
    renewals = figures(client.get(reverse("dashboard")))["renewals"]["data"]
    links = [url for trace in renewals for url in trace["customdata"]]
    assert f"{reverse('account-list')}?renewal=90&sort=renewal" in links
    listed = client.get(f"{reverse('account-list')}?renewal=90&product=delivery").content.decode()
    assert reverse("account-detail", args=[acme.pk]) in listed
    listed = client.get(f"{reverse('account-list')}?renewal=30&product=delivery").content.decode()
    assert reverse("account-detail", args=[acme.pk]) not in listed


def test_a_panel_whose_app_has_no_data_model_yet_shows_as_pending(client_as, carol, monkeypatch):
    from csops.web import dashboard

    sections = [dashboard.Section(key=s.key, app=s.app, build=lambda *a: None) if s.key == "touch" else s
                for s in dashboard.SECTIONS]
    monkeypatch.setattr(dashboard, "SECTIONS", sections)
    page = client_as(carol).get(reverse("dashboard")).content.decode()
    assert 'data-section="touch"' in page and 'data-section="touch-ready"' not in page
    assert 'data-section="ctas-ready"' in page


def test_plotly_is_served_from_the_installed_package(client_as, victor):
    client = client_as(victor)
    page = client.get(reverse("dashboard")).content.decode()
    url = reverse("plotly-js", kwargs={"version": plotly.__version__})
    assert f'src="{url}"' in page
    assert "cdn" not in page.lower()
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response["Cache-Control"]
    assert b"plotly" in gzip.decompress(response.content)[:2000].lower()


def test_an_old_plotly_url_moves_to_the_current_version(client_as, victor):
    response = client_as(victor).get(reverse("plotly-js", kwargs={"version": "0.0.1"}))
    assert response.status_code == 302
    assert plotly.__version__ in response["Location"]


def test_the_plotly_bundle_needs_a_login(client):
    response = client.get(reverse("plotly-js", kwargs={"version": plotly.__version__}))
    assert response.status_code == 302
