"""Insights pages (thin: parse, authorise, call a builder or a service, render).

Everyone signed in reads the report; only CS Ops and admins apply suggested weights."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from csops.health.models import Scorecard
from csops.insights import report, validation
from csops.users.roles import can_configure, is_reader


def _today() -> dt.date:
    # The demo company lives on a fixed date (recorded when it was loaded); a real install on the real one.
    from csops.health.demo import demo_today

    return demo_today()


def _horizon(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("horizon", "90"))
    except ValueError:
        return 90
    return value if value in report.HORIZONS else 90


def _renewal_days(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("renewals", report.RENEWAL_WINDOWS[0]))
    except ValueError:
        return report.RENEWAL_WINDOWS[0]
    return value if value in report.RENEWAL_WINDOWS else report.RENEWAL_WINDOWS[0]


@require_GET
def report_view(request: HttpRequest) -> HttpResponse:
    if not is_reader(request.user):
        raise PermissionDenied
    page = report.build_report(today=_today(), scorecard_key=request.GET.get("scorecard") or None,
                               horizon=_horizon(request), currency=settings.CSOPS_COMPANY_CURRENCY,
                               renewal_days=_renewal_days(request))
    return render(request, "insights/report.html", {
        "page": page, "may_apply": can_configure(request.user), "horizons": report.HORIZONS,
        "renewal_windows": report.RENEWAL_WINDOWS,
        "strength": report.strength(page.validation.auc) if page.validation else "",
        "model_strength": report.strength(page.model.metrics.get("auc")) if page.model else "",
    })


@require_POST
def apply_weights(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_configure(request.user):
        raise PermissionDenied
    card = get_object_or_404(Scorecard, pk=pk)
    try:
        horizon = int(request.POST.get("horizon", "90"))
    except ValueError:
        horizon = 90
    result = validation.validate_scorecard(card, horizon=horizon, today=_today())
    s = result.suggestion
    if s is None:
        messages.error(request, _("There is no suggestion to apply: the history has too few churns."))
    elif not s.gain > 0:
        messages.error(request, _("The current weights do as well or better on those held-out days: there is "
                                  "nothing worth applying."))
    else:
        def clean(v: float) -> float | None:
            return None if math.isnan(v) else round(v, 4)

        saved = validation.do_apply_suggested_weights(card, s.document, actor=request.user, figures={
            "horizon": horizon, "auc_current": clean(s.auc_current), "auc_suggested": clean(s.auc_suggested),
            "reversed": sorted(s.reversed)})
        messages.success(request, _("Saved as version %(version)d of %(name)s.") % {
            "version": saved.version, "name": saved.name})
    return redirect(f"{reverse('insights-report')}?scorecard={card.key}&horizon={horizon}")
