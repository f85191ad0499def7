"""The import page: pick a kind, upload a CSV, see the counts or every error. Thin: the work is run_import."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from csops.customers.importers import KINDS, run_import
from csops.customers.importers.columns import ALIASES, describe
from csops.customers.permissions import can_import

# The page lists this many errors; the CLI and the API always give the whole report.
MAX_ERRORS_SHOWN = 1000

KIND_LABELS = {
    "accounts": _("Accounts"),
    "contracts": _("Contracts"),
    "contacts": _("Contacts"),
    "activities": _("Activities"),
}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=list(KIND_LABELS.items()))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 (with or without BOM) or Shift_JIS; Salesforce and HubSpot exports work as they are."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    dry_run = forms.BooleanField(label=_("Dry run: check the file and write nothing"), required=False)


def _require_importer(request: HttpRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied(_("Only CS Ops and admins may import data."))


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    result = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = run_import(
                form.cleaned_data["kind"], upload, actor=request.user, dry_run=form.cleaned_data["dry_run"],
                filename=upload.name or "",
            )
            status = 200 if result.ok else 422
        else:
            status = 400
    else:
        form = ImportForm(initial={"kind": request.GET.get("kind", "accounts"), "dry_run": True})
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "kind_label": KIND_LABELS.get(result.kind, "") if result else "",
        "errors_shown": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "errors_hidden": max(0, len(result.errors) - MAX_ERRORS_SHOWN) if result else 0,
        "reference": [(kind, KIND_LABELS[kind], describe(kind)) for kind in KINDS],
    }
    return render(request, "customers/import.html", context, status=status)


@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty CSV with our own headers, with a BOM so that Excel opens it as UTF-8."""
    _require_importer(request)
    if kind not in ALIASES:
        raise Http404
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(list(ALIASES[kind]))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response
