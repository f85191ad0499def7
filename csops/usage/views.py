"""The sources page: CS Ops and admins list, create and revoke write keys. Thin: see csops.usage.sources."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from csops.usage.models import Source
from csops.usage.sources import MAX_NAME_LENGTH, SourceError, do_create_source, do_revoke_source
from csops.users.roles import can_configure


class SourceForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=MAX_NAME_LENGTH,
        help_text=gettext_lazy("The product or system that sends events, e.g. “web app (production)”."),
    )


def _require_configurer(request: HttpRequest) -> None:
    if not can_configure(request.user):
        raise PermissionDenied(_("Only CS Ops and admins manage event sources."))


@require_http_methods(["GET", "POST"])
def source_list(request: HttpRequest) -> HttpResponse:
    _require_configurer(request)
    new_key = None
    new_source = None
    status = 200
    if request.method == "POST":
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                new_source, new_key = do_create_source(form.cleaned_data["name"], actor=request.user)
            except SourceError:
                form.add_error("name", _("A source with this name already exists."))
        if new_key is None:
            status = 400
        else:
            form = SourceForm()
    else:
        form = SourceForm()
    context = {
        "form": form,
        "sources": Source.objects.select_related("created_by").order_by("revoked_at", "name"),
        "new_key": new_key,
        "new_source": new_source,
        "collector_url": request.build_absolute_uri("/"),
    }
    response = render(request, "usage/sources.html", context, status=status)
    if new_key is not None:
        response.headers["Cache-Control"] = "no-store"  # the key is shown once: never from a cache
    return response


@require_POST
def source_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configurer(request)
    source = get_object_or_404(Source, pk=pk)
    if do_revoke_source(source, actor=request.user):
        messages.success(request, _("The write key of %(name)s is revoked.") % {"name": source.name})
    return redirect("sources")
