"""Feedback pages (thin: parse, authorise, call a service, render)."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account
from csops.feedback.forms import FeedbackForm, FilterForm, StatusForm
from csops.feedback.models import Feedback
from csops.feedback.permissions import can_record_feedback, can_set_status
from csops.feedback.ranking import rank_requests
from csops.feedback.services import FeedbackInvalid, do_record_feedback, do_set_status

EXPORT_COLUMNS = ("id", "account_external_id", "account_name", "contact_external_id", "kind", "title", "body",
                  "product", "status", "account_arr", "author", "created_at")


def _filtered(request: HttpRequest) -> tuple[FilterForm, dict[str, Any], QuerySet[Feedback]]:
    form = FilterForm(request.GET)
    filters = form.filters()
    qs = Feedback.objects.select_related("account", "contact", "product", "author").order_by("-created_at", "-id")
    for name in ("kind", "status", "product", "account"):
        if name in filters:
            qs = qs.filter(**{name: filters[name]})
    return form, filters, qs


def _with(query: QueryDict, **changes: str) -> str:
    """The query string with ``changes`` applied (an empty value removes the key) and no page number."""
    query = query.copy()
    query.pop("page", None)
    for key, value in changes.items():
        if value:
            query[key] = value
        else:
            query.pop(key, None)
    return query.urlencode()


@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    form, filters, qs = _filtered(request)
    product = filters.get("product")
    order = "at_risk" if filters.get("order") == "at_risk" else "arr"
    groups = rank_requests(today=timezone.localdate(), product_id=product.pk if product else None, order=order)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "feedback/list.html", {
        "filter_form": form, "page": page, "groups": groups[:50], "group_count": len(groups),
        "may_set_status": can_set_status(request.user), "status_form": StatusForm(),
        "query": _with(request.GET), "currency": settings.CSOPS_COMPANY_CURRENCY,
        "order": order, "account": filters.get("account"),
        # The links keep the filters: only the ranking's order, or the account, changes.
        "rank_links": {"arr": _with(request.GET, order="arr"), "at_risk": _with(request.GET, order="at_risk")},
        "all_accounts_query": _with(request.GET, account=""),
    })


@require_POST
def feedback_status(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_object_or_404(Feedback, pk=pk)
    if not can_set_status(request.user):
        raise PermissionDenied(_("Only CS Ops and admins change the status of feedback."))
    form = StatusForm(request.POST)
    if form.is_valid():
        do_set_status(feedback, form.cleaned_data["status"], actor=request.user)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    return redirect(next_url or "feedback-list")


@require_GET
def feedback_export(request: HttpRequest) -> HttpResponse:
    _form, _filters, qs = _filtered(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="feedback.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for f in qs.iterator(chunk_size=1000):
        writer.writerow([
            f.pk, f.account.external_id, f.account.name, f.contact.external_id if f.contact else "", f.kind,
            f.title, f.body, f.product.code if f.product else "", f.status, f.account.arr,
            f.author.email if f.author else "", timezone.localtime(f.created_at).isoformat(),
        ])
    return response


@require_http_methods(["GET", "POST"])
def account_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The feedback panel of the account page (an htmx fragment): recent feedback and the form."""
    account = get_object_or_404(Account, pk=pk)
    may_record = can_record_feedback(request.user, account)
    form = FeedbackForm(account=account) if may_record else None
    saved = False
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("You may not record feedback on this account."))
        form = FeedbackForm(request.POST, account=account)
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                do_record_feedback(account, kind=data["kind"], title=data["title"], body=data["body"],
                                   contact=data["contact"], product=data["product"], actor=request.user)
            except FeedbackInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                form, saved = FeedbackForm(account=account), True
    items = account.feedback.select_related("product", "contact").order_by("-created_at", "-id")[:10]
    return render(request, "feedback/_account_feedback.html", {
        "account": account, "form": form, "items": items, "may_record": may_record, "saved": saved,
    })
