"""Outreach pages (thin: parse, authorise, call a service, render) and the public link endpoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account, Contact, ContactRole
from csops.outreach import links
from csops.outreach.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml
from csops.outreach.forms import CampaignForm, MessageFilterForm, TemplateForm, as_yaml
from csops.outreach.models import Campaign, Message, MessageStatus, Template
from csops.outreach.queueing import render_email
from csops.outreach.rendering import known_variables
from csops.outreach.services import (
    campaign_state,
    do_record_click,
    do_resend,
    do_save_campaign,
    do_save_template,
    do_unsubscribe,
    template_state,
)
from csops.users.roles import can_configure


def _require_configure(request: HttpRequest) -> None:
    if not can_configure(request.user):
        raise PermissionDenied(_("Only CS Ops and admins change outreach."))


# --- templates ----------------------------------------------------------------------------------


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/template_list.html", {
        "templates": Template.objects.order_by("name"), "may_edit": can_configure(request.user),
    })


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(Template, pk=pk) if pk else Template()
    before = template_state(template) if template.pk else {}
    if request.method == "POST":
        _require_configure(request)
        form = TemplateForm(request.POST, instance=template)
        if form.is_valid():
            do_save_template(form.save(commit=False), actor=request.user, before=before)
            messages.success(request, _("Template saved."))
            return redirect("outreach-template-edit", pk=template.pk)
    else:
        form = TemplateForm(instance=template)
    accounts = Account.objects.order_by("name").only("pk", "name")[:500]
    return render(request, "outreach/template_edit.html", {
        "form": form, "template": template, "may_edit": can_configure(request.user),
        "variables": known_variables(), "accounts": accounts,
    })


@require_GET
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The template rendered for a real account and one of its contacts (nothing is saved or sent)."""
    template = get_object_or_404(Template, pk=pk)
    account = get_object_or_404(Account, pk=request.GET.get("account") or 0) if request.GET.get("account") \
        else Account.objects.order_by("name").first()
    contacts = Contact.objects.filter(account=account, is_active=True) if account else Contact.objects.none()
    contact = contacts.filter(pk=request.GET.get("contact") or 0).first() or \
        contacts.filter(role=ContactRole.PROMOTER).first() or contacts.first()
    language = request.GET.get("lang") if request.GET.get("lang") in ("ja", "en") else "ja"
    rendered = None
    if account is not None and contact is not None:
        draft = Message(contact=contact, account=account, template=template, language=language)
        rendered = render_email(template, message=draft, account=account, contact=contact,
                                day=timezone.localdate(), language=language)
    return render(request, "outreach/template_preview.html", {
        "template": template, "account": account, "contact": contact, "contacts": contacts[:50],
        "language": language, "rendered": rendered,
    })


# --- campaigns ----------------------------------------------------------------------------------


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.prefetch_related("steps__template").order_by("name")
    return render(request, "outreach/campaign_list.html", {
        "campaigns": campaigns, "may_edit": can_configure(request.user),
    })


def _campaign_initial(campaign: Campaign) -> dict[str, Any]:
    state = campaign_state(campaign)
    return {"key": campaign.key, "name": campaign.name, "description": campaign.description,
            "is_active": campaign.is_active, "roles": campaign.roles,
            "entry": as_yaml(campaign.entry_conditions), "exit": as_yaml(campaign.exit_conditions),
            "steps": as_yaml([{k: v for k, v in s.items() if v or k == "day"} for s in state["steps"]])}


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk) if pk else Campaign()
    if request.method == "POST":
        _require_configure(request)
        form = CampaignForm(request.POST, campaign=campaign)
        if form.is_valid():
            before = campaign_state(campaign) if campaign.pk else {}
            data = form.cleaned_data
            campaign.key, campaign.name, campaign.description = data["key"], data["name"], data["description"]
            campaign.is_active, campaign.roles = data["is_active"], data["roles"]
            campaign.entry_conditions, campaign.exit_conditions = data["entry"], data["exit"]
            templates = {t.key: t for t in Template.objects.all()}
            steps = [{"day": s["day"], "template": templates[s["template"]], "roles": s.get("roles") or [],
                      "when": s.get("when") or []} for s in data["steps"]]
            do_save_campaign(campaign, steps, actor=request.user, before=before)
            messages.success(request, _("Campaign saved."))
            return redirect("outreach-campaign-edit", pk=campaign.pk)
    else:
        form = CampaignForm(initial=_campaign_initial(campaign) if campaign.pk else {"steps": ""}, campaign=campaign)
    from csops.outreach.conditions import condition_types

    return render(request, "outreach/campaign_edit.html", {
        "form": form, "campaign": campaign, "may_edit": can_configure(request.user),
        "condition_types": condition_types(), "template_keys": Template.objects.order_by("key"),
    })


# --- the message log ----------------------------------------------------------------------------


@require_GET
def message_log(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None)
    found = Message.objects.select_related("account", "contact").order_by("-created_at", "-id")
    if form.is_valid():
        if form.cleaned_data["status"]:
            found = found.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["account"]:
            found = found.filter(account_id=form.cleaned_data["account"])
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "outreach/message_log.html", {
        "form": form, "page": page, "query": query.urlencode(), "may_edit": can_configure(request.user),
        "resendable": (MessageStatus.FAILED, MessageStatus.UNCONFIRMED, MessageStatus.BOUNCED),
    })


@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    message = get_object_or_404(Message, pk=pk)
    if message.contact_id and message.contact.unsubscribed:
        messages.error(request, _("The contact unsubscribed; the message is not sent again."))
    elif do_resend(message, actor=request.user):
        messages.success(request, _("The message is queued again."))
    return redirect("outreach-messages")


# --- YAML ---------------------------------------------------------------------------------------


@require_GET
def config_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(dump_yaml(export_config()), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="outreach.yaml"'
    return response


@require_POST
def config_import(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a YAML file to import."))
        return redirect("outreach-campaigns")
    try:
        summary = import_config(load_yaml(upload.read().decode("utf-8", "replace")), actor=request.user)
    except ConfigInvalid as exc:
        for error in exc.errors[:20]:
            messages.error(request, error)
        return redirect("outreach-campaigns")
    messages.success(request, summary)
    return redirect("outreach-campaigns")


# --- public links in messages -------------------------------------------------------------------


def _bad_link(request: HttpRequest) -> HttpResponse:
    return HttpResponseBadRequest(_("This link is not valid."), content_type="text/plain; charset=utf-8")


@login_not_required
@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session or CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button (link scanners prefetch GETs); POST unsubscribes, once, for good."""
    try:
        data = links.read_unsubscribe_token(token)
    except signing.BadSignature:
        return _bad_link(request)
    contact = Contact.objects.filter(pk=data.get("c")).select_related("account").first()
    message = Message.objects.filter(public_id=data.get("m")).first()
    if contact is None:
        return _bad_link(request)
    done = contact.unsubscribed
    if request.method == "POST":
        do_unsubscribe(contact, message=message,
                       via="one-click" if request.POST.get("List-Unsubscribe") == "One-Click" else "link")
        done = True
    return render(request, "outreach/unsubscribe.html", {"done": done, "token": token})


@login_not_required
@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Record a click and go where the message pointed: only to the URL signed into the token."""
    try:
        data = links.read_click_token(token)
    except signing.BadSignature:
        return _bad_link(request)
    message = Message.objects.filter(public_id=data["m"]).select_related("account", "contact").first()
    if message is None:
        return _bad_link(request)
    do_record_click(message, data["u"])
    return HttpResponseRedirect(data["u"])
