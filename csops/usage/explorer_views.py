"""Pages over the event lake: the account usage panel, the raw event explorer, the feature registry.

Thin: parse, authorise, call ``csops.usage.query`` or a ``do_*`` service of
``csops.usage.features``, render. Every signed-in person reads the panel and the registry; only
CS Ops and admins change the registry or browse raw events (they hold personal data of the
customers' users).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account
from csops.customers.permissions import can_view_account
from csops.usage import features as registry
from csops.usage import query
from csops.usage.forms import EXPLORER_PAGE_SIZE, ExplorerForm, FeatureForm
from csops.usage.models import Feature
from csops.users.roles import can_configure, is_reader

logger = logging.getLogger(__name__)

SPARK_WIDTH, SPARK_HEIGHT = 270, 48


def _require_configurer(request: HttpRequest) -> None:
    if not can_configure(request.user):
        raise PermissionDenied(_("Only CS Ops and admins may do this."))


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


# --------------------------------------------------------------------------------------------
# The account usage panel


def _bars(days: list[tuple[Any, int]]) -> list[dict[str, Any]]:
    """Geometry of an inline SVG bar chart (one bar a day), so the panel needs no chart library."""
    if not days:
        return []
    peak = max(n for _, n in days) or 1
    width = SPARK_WIDTH / len(days)
    bars = []
    for i, (day, count) in enumerate(days):
        height = round(count / peak * (SPARK_HEIGHT - 2), 2) if count else 0
        bars.append({
            "x": round(i * width, 2), "y": round(SPARK_HEIGHT - height, 2), "width": round(max(width - 0.6, 0.6), 2),
            "height": height, "day": day, "count": count,
        })
    return bars


@require_GET
def account_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The usage fragment of the account page (loaded by htmx after the page)."""
    account = get_object_or_404(Account, pk=pk)
    if not can_view_account(request.user, account):
        raise PermissionDenied
    context: dict[str, Any] = {"account": account, "usage": None, "failed": False}
    try:
        usage = query.account_usage(account.external_id)
    except query.QueryError:
        logger.exception("usage panel of account %s", account.pk)
        context["failed"] = True
    else:
        context.update(
            usage=usage,
            bars=_bars(usage["days"]),
            peak=max((n for _, n in usage["days"]), default=0),
            chart_width=SPARK_WIDTH,
            chart_height=SPARK_HEIGHT,
            may_explore=can_configure(request.user),
            explore_url=_explore_url(account.external_id),
        )
    return render(request, "usage/panel.html", context)


def _explore_url(account_external_id: str) -> str:
    from django.urls import reverse

    return f"{reverse('usage-explorer')}?{urlencode({'account': account_external_id})}"


# --------------------------------------------------------------------------------------------
# The event explorer


@require_GET
def explorer(request: HttpRequest) -> HttpResponse:
    _require_configurer(request)
    form = ExplorerForm(request.GET)
    page = None
    error = ""
    status = 200
    if form.is_valid():
        number = form.page_number
        try:
            page = query.explore(form.filters(), limit=EXPLORER_PAGE_SIZE, offset=(number - 1) * EXPLORER_PAGE_SIZE)
        except query.QueryError:
            logger.exception("event explorer")
            error = _("The event lake could not be read. The details are in the server log.")
            status = 503
    else:
        status = 400
    rows = []
    if page:
        for row in page["rows"]:
            rows.append({**row, "properties_pretty": _pretty(row.get("properties")),
                         "context_pretty": _pretty(row.get("context"))})
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "error": error,
        "page_number": form.page_number,
        "first_number": page["offset"] + 1 if page else 0,
        "last_number": page["offset"] + len(rows) if page else 0,
        "previous_url": _page_url(request, form.page_number - 1) if form.page_number > 1 else "",
        "next_url": _page_url(request, form.page_number + 1) if page and page["has_more"] else "",
        "time_zone": timezone.get_current_timezone_name(),
    }
    template = "usage/explorer_results.html" if _is_htmx(request) else "usage/explorer.html"
    return render(request, template, context, status=status)


def _pretty(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=2, sort_keys=True)
    except (TypeError, ValueError):
        return raw


def _page_url(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"


# --------------------------------------------------------------------------------------------
# The feature registry


@require_GET
def feature_list(request: HttpRequest) -> HttpResponse:
    if not is_reader(request.user):
        raise PermissionDenied
    features = Feature.objects.select_related("product").order_by("product__name", "product__code", "name", "key")
    groups: dict[Any, list[Feature]] = {}
    for feature in features:
        groups.setdefault(feature.product, []).append(feature)
    return render(request, "usage/features.html", {
        "groups": list(groups.items()),
        "may_edit": can_configure(request.user),
        "count": len(features),
    })


@require_http_methods(["GET", "POST"])
def feature_create(request: HttpRequest) -> HttpResponse:
    _require_configurer(request)
    form = FeatureForm(request.POST or None, initial={"product": request.GET.get("product")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        product = data.pop("product")
        try:
            feature = registry.do_create_feature(product, actor=request.user, **data)
        except registry.FeatureInvalid as exc:
            _add_errors(form, exc.errors)
        else:
            messages.success(request, _("Feature %(name)s created.") % {"name": feature.name})
            return redirect("usage-features")
    status = 400 if request.method == "POST" else 200
    return render(request, "usage/features_form.html", {"form": form, "feature": None}, status=status)


@require_http_methods(["GET", "POST"])
def feature_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configurer(request)
    feature = get_object_or_404(Feature.objects.select_related("product"), pk=pk)
    form = FeatureForm(request.POST or None, initial=FeatureForm.initial_for(feature))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        product = data.pop("product")
        try:
            registry.do_update_feature(feature, actor=request.user, product=product, **data)
        except registry.FeatureInvalid as exc:
            _add_errors(form, exc.errors)
        else:
            messages.success(request, _("Feature %(name)s saved.") % {"name": feature.name})
            return redirect("usage-features")
    status = 400 if request.method == "POST" else 200
    return render(request, "usage/features_form.html", {"form": form, "feature": feature}, status=status)


@require_POST
def feature_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configurer(request)
    feature = get_object_or_404(Feature, pk=pk)
    name = feature.name
    registry.do_delete_feature(feature, actor=request.user)
    messages.success(request, _("Feature %(name)s deleted.") % {"name": name})
    return redirect("usage-features")


@require_GET
def feature_export(request: HttpRequest) -> HttpResponse:
    if not is_reader(request.user):
        raise PermissionDenied
    response = HttpResponse(registry.export_yaml(), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="features.yaml"'
    return response


def _add_errors(form: FeatureForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)
